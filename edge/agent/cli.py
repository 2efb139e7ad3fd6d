"""``vratnik edge run`` and ``vratnik edge check-config`` (added to the ``vratnik edge`` group)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from edge.config import AgentConfig

BAD_CONFIG = 2  # exit code for a configuration that cannot be used (as click's usage errors)
LOG_FORMATS = ("json", "kv")  # edge.config's, repeated so `vratnik edge --help` stays light
LOG_LEVELS = ("debug", "info", "warning", "error")


def _load_or_exit(path: Path) -> AgentConfig:
    # Imported when used: `vratnik edge decide` and friends need none of the hardware code.
    from edge.config import AgentConfigError, load_config  # noqa: PLC0415

    try:
        return load_config(path)
    except AgentConfigError as err:
        for problem in err.problems:
            click.echo(problem, err=True)
        count = len(err.problems)
        click.echo(f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was started",
                   err=True)
        sys.exit(BAD_CONFIG)


@click.command("run", help="Run the edge agent headless (as a service) until SIGTERM/SIGINT.")
@click.option("--config", "config_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The agent's configuration file (edge.toml).")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default=None,
              help="Override [logging] format: one JSON object or key=value line per event.")
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default=None,
              help="Override [logging] level.")
def run_cmd(config_path: Path, log_format: str | None, log_level: str | None) -> None:
    config = _load_or_exit(config_path)
    # Imported here: check-config and the other edge commands need none of it.
    from edge.agent.service import run_service  # noqa: PLC0415
    from edge.logging_setup import setup_logging  # noqa: PLC0415

    setup_logging(log_format or config.logging.format, log_level or config.logging.level)
    sys.exit(run_service(config))


@click.command("check-config",
               help="Check an edge.toml and print every problem (exit code 2 if any).")
@click.argument("config_file", type=click.Path(dir_okay=False, path_type=Path))
def check_config_cmd(config_file: Path) -> None:
    config = _load_or_exit(config_file)
    camera = "none" if config.camera is None else config.camera.kind
    faces = "none" if config.faces is None else config.faces.kind
    click.echo(f"{config_file}: ok: site {config.site}, controller {config.controller}, "
               f"{len(config.readers)} reader table(s), {len(config.doors)} door(s), "
               f"{len(config.bindings)} binding(s), camera {camera}, faces {faces}, "
               f"data in {config.data_dir}")
