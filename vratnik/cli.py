"""The ``vratnik`` command.

Subcommands live with the package they belong to and are imported only when used, so
``vratnik edge ...`` on a door controller never pays for importing Flask or SQLAlchemy.
"""

from __future__ import annotations

import importlib

import click

# name -> (module, attribute, one-line help shown by `vratnik --help`)
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "hub": ("hub.cli", "hub", "Run and administer the hub server."),
    "edge": ("edge.cli", "edge", "Run and inspect the edge agent of a door controller."),
    "sim": ("sim.cli", "sim", "The technicians' simulator: a virtual site without hardware."),
    "bench": ("sim.bench.cli", "bench", "Run benchmarks and print their figures."),
    "demo": ("sim.demo", "demo", "Start the hub and a simulated site with sample data."),
    "tools": ("firmware_tools.cli", "tools", "Provisioning, MicroPython packages, update bundles."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = SUBCOMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute, _ = entry
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name is not None and module_name.startswith(err.name):
                # The feature is not built yet (or not installed): say so instead of a traceback.
                return _unavailable(cmd_name, module_name)
            raise
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}.{attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Show the short help without importing every subcommand.
        rows = [(name, SUBCOMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _unavailable(name: str, module_name: str) -> click.Command:
    @click.command(name=name, help=SUBCOMMANDS[name][2] + " (not available in this build)")
    def unavailable() -> None:
        raise click.ClickException(f"'vratnik {name}' is not available: {module_name} is missing")

    return unavailable


@click.group(cls=LazyGroup)
@click.version_option(package_name="vratnik")
def cli() -> None:
    """Vrátnik: access control and time attendance."""


def main() -> None:
    """Console-script entry point."""
    cli()
