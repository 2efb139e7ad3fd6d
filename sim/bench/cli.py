"""``vratnik bench NAME [--json] [--quick]``."""

from __future__ import annotations

import json
import sys

import click

from sim.bench import registry
from sim.bench.machine import describe


@click.command(
    help="Run a benchmark (or 'all') and print its figures, each with its goal and ratio. "
    f"Benchmarks: {', '.join(registry.names())}."
)
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of text.")
@click.option("--quick", is_flag=True, help="A short run with small sizes (used by the tests).")
def bench(name: str, as_json: bool, quick: bool) -> None:
    selected = registry.names() if name == "all" else [name]
    machine = describe()
    if not as_json:
        click.echo(f"# machine: {machine}")
    for bench_name in selected:
        try:
            benchmark = registry.get(bench_name)
        except KeyError as err:
            raise click.BadParameter(str(err.args[0]), param_hint="NAME") from err
        kwargs = benchmark.quick_kwargs if quick else {}
        if not as_json:
            click.echo(f"# {benchmark.name}: {benchmark.summary}")
        for figure in benchmark.func(**kwargs):
            if as_json:
                click.echo(json.dumps({**figure.as_json(), "machine": machine}, sort_keys=True))
            else:
                click.echo(figure.as_text())
            sys.stdout.flush()
