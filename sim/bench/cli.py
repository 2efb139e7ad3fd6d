"""``vratnik bench NAME|all [--json] [--quick] [--write-docs docs/benchmarks.md]``.

``all`` runs every registered benchmark in turn. One that fails is reported (the rest
still run) and the command exits with status 1 at the end. ``--write-docs`` writes the
results of an ``all`` run as docs/benchmarks.md (machine, date, every figure with its
goal and ratio).
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

import click

from sim.bench import registry
from sim.bench.docs import BenchResult, render
from sim.bench.machine import describe


@click.command(
    help="Run a benchmark (or 'all') and print its figures, each with its goal and ratio. "
    f"Benchmarks: {', '.join(registry.names())}."
)
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of text.")
@click.option("--quick", is_flag=True, help="A short run with small sizes (used by the tests).")
@click.option("--write-docs", "docs_path", type=click.Path(dir_okay=False, path_type=Path),
              help="With 'all': write the results as Markdown to this file "
                   "(docs/benchmarks.md).")
def bench(name: str, as_json: bool, quick: bool, docs_path: Path | None) -> None:
    selected = registry.names() if name == "all" else [name]
    if docs_path is not None and name != "all":
        raise click.BadParameter("--write-docs needs 'all' (the page holds every benchmark)",
                                 param_hint="--write-docs")
    for bench_name in selected:
        if bench_name not in registry.MODULES:
            raise click.BadParameter(f"unknown benchmark {bench_name!r}; known: "
                                     f"{', '.join(registry.names())}, all", param_hint="NAME")
    machine = describe()
    if not as_json:
        click.echo(f"# machine: {machine}")
    results = [_run(bench_name, quick, as_json, machine) for bench_name in selected]
    if docs_path is not None:
        command = "vratnik bench all" + (" --quick" if quick else "") + \
            f" --write-docs {docs_path}"
        docs_path.parent.mkdir(parents=True, exist_ok=True)
        docs_path.write_text(render(results, machine, command, quick=quick), encoding="utf-8")
        click.echo(f"# wrote {docs_path}", err=as_json)
    failed = [r.name for r in results if r.error is not None]
    if failed:
        click.echo(f"# failed: {', '.join(failed)}", err=True)
        sys.exit(1)


def _run(name: str, quick: bool, as_json: bool, machine: str) -> BenchResult:
    """Run one benchmark, echoing each figure as it comes; failures are kept, not raised."""
    benchmark = registry.get(name)
    result = BenchResult(name, benchmark.summary)
    if not as_json:
        click.echo(f"# {benchmark.name}: {benchmark.summary}")
    started = time.monotonic()
    kwargs = benchmark.quick_kwargs if quick else {}
    try:
        for figure in benchmark.func(**kwargs):
            result.figures.append(figure)
            if as_json:
                click.echo(json.dumps({**figure.as_json(), "machine": machine}, sort_keys=True))
            else:
                click.echo(figure.as_text())
            sys.stdout.flush()
    except Exception as err:  # one broken benchmark must not hide the others' figures
        result.error = f"{type(err).__name__}: {err}"
        click.echo(f"# {name} FAILED: {result.error}", err=True)
        traceback.print_exc(file=sys.stderr)
    result.seconds = time.monotonic() - started
    return result
