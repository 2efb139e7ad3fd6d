"""``vratnik sim``: run a virtual site, and the technicians' commands against a running one.

::

    vratnik sim run sim/scenarios/tiny.toml          # the site, its script, a summary
    vratnik sim check sim/scenarios/tiny.toml        # only check the scenario file
    vratnik sim swipe --controller c1 --reader 1 --card H10301:12:1001
    vratnik sim door-status
    vratnik sim fault cut-network --controller c1 --seconds 20
    vratnik sim fault power-cycle --controller c2 --seconds 5
    vratnik sim fault jam-door --door Front --seconds 10

The commands talk to the running simulator (``vratnik sim run`` or ``vratnik demo``)
over its control socket (``--control``, default ``var/sim/control.sock``).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click

from sim import control
from sim.console import Console
from sim.errors import SimError
from sim.scenario import load
from sim.status import FAULTS

CONTROL_OPTION = click.option(
    "--control", "control_path", type=click.Path(dir_okay=False, path_type=Path),
    default=None, help=f"The simulator's control socket (default ${control.ENV_PATH} or "
                       f"{control.DEFAULT_PATH}).")


@click.group(help="The technicians' simulator: a virtual site without hardware.")
def sim() -> None:
    """The ``vratnik sim`` group."""


@sim.command(help="Check a scenario file and say what is wrong with it, if anything.")
@click.argument("scenario", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def check(scenario: Path) -> None:
    try:
        loaded = load(scenario)
        from sim.runner import check_scenario  # noqa: PLC0415 - imports the hub

        check_scenario(loaded)
    except SimError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"{scenario}: ok ({len(loaded.script)} script steps)")


@sim.command(help="Run the virtual site of SCENARIO: hub, controllers (agent processes), "
                  "readers, doors, people and faults; print a summary at the end.")
@click.argument("scenario", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the run (default: [sim] workdir, else var/sim/<name>); "
                   "wiped at the start.")
@CONTROL_OPTION
@click.option("--speed", type=click.FloatRange(0.01, 10000), default=None,
              help="Script seconds per real second (overrides the scenario).")
@click.option("--duration", type=click.FloatRange(0), default=None,
              help="Script seconds to run (overrides the scenario; 0: until Ctrl-C).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No live progress line.")
def run(scenario: Path, workdir: Path | None, control_path: Path | None, speed: float | None,
        duration: float | None, as_json: bool, quiet: bool) -> None:
    from sim.hubrun import SimHub  # noqa: PLC0415 - the hub and edge only when running
    from sim.runner import Simulation  # noqa: PLC0415

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        loaded = load(scenario)
    except SimError as err:
        raise click.ClickException(str(err)) from err
    changes: dict[str, Any] = {}
    if speed is not None:
        changes["speed"] = speed
    if duration is not None:
        changes["duration"] = duration
    if changes:
        import dataclasses  # noqa: PLC0415

        loaded = dataclasses.replace(loaded, **changes)
    folder = workdir or loaded.workdir or Path("var/sim") / loaded.name
    stop = _stop_on_signals()
    simulation = Simulation(loaded, folder, control=control_path or control.default_path())
    simulation.console = Console(simulation.status, sys.stderr, quiet=quiet)
    try:
        click.echo(f"setting up {loaded.name} in {folder} ...", err=True)
        simulation.setup(log_file=True)
        click.echo(f"log: {folder / 'sim.log'}, agents' logs: {folder / 'controllers'}",
                   err=True)
        hub = simulation.hub
        if isinstance(hub, SimHub):
            click.echo(f"hub on {hub.url} (API: {hub.url}/api/openapi.json)", err=True)
        elif hub is not None:
            click.echo(f"joining the hub of {hub.url}, broker {hub.broker[0]}:{hub.broker[1]}",
                       err=True)
        simulation.start_agents(stop=stop)
        simulation.play(stop)
        result = simulation.finish()
    except SimError as err:
        raise click.ClickException(str(err)) from err
    finally:
        simulation.close()
    click.echo(json.dumps(result.as_dict(), indent=2, default=str) if as_json
               else result.as_text())
    if not result.ok:
        sys.exit(1)


def _stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM (the run then ends cleanly)."""
    stop = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def _ask(control_path: Path | None, message: dict[str, Any]) -> dict[str, Any]:
    try:
        return control.request(control_path or control.default_path(), message)
    except SimError as err:
        raise click.ClickException(str(err)) from err


@sim.command(help="Show a card at a reader of the running simulator, like a person would.")
@click.option("--controller", required=True, help="Controller code, e.g. c1.")
@click.option("--reader", required=True, type=int, help="Reader number on the controller.")
@click.option("--card", required=True, help="The card, e.g. H10301:12:3456.")
@click.option("--no-pass", is_flag=True, help="Do not walk through even if it opens.")
@CONTROL_OPTION
def swipe(controller: str, reader: int, card: str, no_pass: bool,
          control_path: Path | None) -> None:
    answer = _ask(control_path, {"cmd": "swipe", "controller": controller, "reader": reader,
                                 "card": card, "pass": not no_pass})
    verdict = {True: "GRANTED", False: "DENIED", None: "NO ANSWER"}[answer.get("granted")]
    line = f"{verdict} at {answer['door']} ({answer['direction']})"
    hub = answer.get("hub")
    if hub:
        line += f"; hub: {hub['reason']} (event {hub['seq']})"
    else:
        line += "; the hub has not stored the event yet"
    click.echo(line)


@sim.command("door-status", help="Every door of the running simulator: lock, contact, power.")
@click.option("--json", "as_json", is_flag=True)
@CONTROL_OPTION
def door_status(as_json: bool, control_path: Path | None) -> None:
    doors = _ask(control_path, {"cmd": "door-status"})["doors"]
    if as_json:
        click.echo(json.dumps(doors, indent=2))
        return
    for d in doors:
        power = "on" if d["power"] else "OFF"
        click.echo(f"{d['controller']:<10} door {d['number']:<3} {d['door']:<28} "
                   f"{'locked' if d['locked'] else 'UNLOCKED':<9} "
                   f"{'open' if d['open'] else 'closed':<7} power {power:<4} "
                   f"network {d['network']}")


@sim.command(help="Inject a fault into the running simulator: "
                  f"{', '.join(FAULTS)}.")
@click.argument("kind", type=click.Choice(FAULTS))
@click.option("--controller", help="The controller (network and power faults).")
@click.option("--door", help="The door's name (jam-door).")
@click.option("--seconds", type=click.FloatRange(0), default=None,
              help="How long (real seconds): the cut, the power-off, the jam.")
@CONTROL_OPTION
def fault(kind: str, controller: str | None, door: str | None, seconds: float | None,
          control_path: Path | None) -> None:
    needs = "door" if kind == "jam-door" else "controller"
    target = door if needs == "door" else controller
    if not target:
        raise click.UsageError(f"{kind} needs --{needs}")
    answer = _ask(control_path, {"cmd": "fault", "kind": kind, needs: target,
                                 "seconds": seconds})
    click.echo(f"{answer['done']}: {answer['target']}")
