"""``vratnik tools``: provisioning and packaging commands for technicians."""

from __future__ import annotations

from pathlib import Path

import click

from firmware_tools.mpy_package import PackagingError, package


@click.group(help="Provisioning, MicroPython packages, update bundles.")
def tools() -> None:
    """The ``vratnik tools`` group."""


@tools.command(
    "package-mpy",
    help="Compile the portable edge core (decision core + wire code) for a MicroPython board.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/mpy"),
    show_default=True,
    help="Folder to write the package into (copy its contents to the board's /lib).",
)
@click.option("--arch", default=None, help="mpy-cross -march, e.g. armv7emsp (default: bytecode).")
@click.option("--source", "as_source", is_flag=True, help="Copy .py files instead of compiling.")
def package_mpy(out_dir: Path, arch: str | None, as_source: bool) -> None:
    try:
        files = package(out_dir, arch=arch, as_source=as_source)
    except PackagingError as err:
        raise click.ClickException(str(err)) from err
    total = sum(f.size for f in files)
    click.echo(f"{len(files)} files, {total} bytes in {out_dir} (manifest.json lists them)")
