"""``vratnik demo``: the hub and a simulated factory, running, with people coming and going.

The README's first command (``./run demo``). It starts the hub on SQLite in ``var/demo/``
with its embedded MQTT broker, imports the manuals' sample company (the factory of
hub/transfer/samples/factory.json) unless the database already holds it, compiles and
syncs the lists, starts the factory's four controllers (real edge agents, one process
each, with OSDP readers and cameras that detect faces) and plays sim/scenarios/demo.toml:
people badge in and out all the time, a door is forced, another held open, a workshop
loses its network for a while. It prints the web address and the administrator login,
and stops everything on Ctrl-C or SIGTERM (``--duration N``: after N seconds).

The demo keeps its state in ``var/demo`` between runs (the hub's database and each
controller's store belong together); delete the folder to start from scratch.
"""

from __future__ import annotations

import dataclasses
import secrets
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from sim import control
from sim.console import Console
from sim.errors import SimError
from sim.hubrun import SimHub
from sim.scenario import load

SCENARIO = Path(__file__).parent / "scenarios" / "demo.toml"
ADMIN_FILE = "admin-password.txt"


@click.command(help="Start the hub and a simulated factory with sample data; people badge "
                    "in and out until Ctrl-C.")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path),
              default=Path("var/demo"), show_default=True,
              help="Where the demo keeps its database and controllers.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Web address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Web port (0: any free port).")
@click.option("--duration", type=click.FloatRange(0), default=0.0,
              help="Stop after this many seconds of traffic (0: run until Ctrl-C).")
@click.option("--rate", type=click.FloatRange(0), default=None,
              help="Visits per minute (default: the demo scenario's).")
@click.option("--quiet", is_flag=True, help="No live progress line.")
def demo(folder: Path, host: str, port: int, duration: float, rate: float | None,
         quiet: bool) -> None:
    from sim.runner import Simulation, check_scenario, log_to_file  # noqa: PLC0415 - hub, edge

    log_to_file(folder / "demo.log")
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    scenario = load(SCENARIO)
    changes: dict[str, object] = {"duration": duration}
    if rate is not None:
        changes["traffic"] = dataclasses.replace(scenario.traffic, rate_per_minute=rate)
    scenario = dataclasses.replace(scenario, **changes)  # type: ignore[arg-type]
    document, _site = check_scenario(scenario)
    hub = SimHub(folder, http_host=host, http_port=port)
    simulation: Simulation | None = None
    try:
        click.echo(f"starting the hub in {folder} ...", err=True)
        hub.start()
        _site_id, imported = hub.ensure_site(document)
        if imported:
            click.echo("imported the sample company (hub/transfer/samples/factory.json)",
                       err=True)
        # A new database means new controllers: their old stores must go with it.
        simulation = Simulation(scenario, folder / "site", control=control.default_path(),
                                fresh=imported, hub=hub)
        simulation.console = Console(simulation.status, sys.stderr, quiet=quiet)
        simulation.setup()
        click.echo(f"starting {len(simulation.agents)} controllers ...", err=True)
        simulation.start_agents(stop=stop)
        _announce(hub, folder)
        simulation.play(stop)
        result = simulation.finish(settle_s=15.0)
        click.echo(result.as_text(), err=True)
    except SimError as err:
        raise click.ClickException(str(err)) from err
    finally:
        if simulation is not None:
            simulation.close()
        hub.stop()
    click.echo("demo stopped", err=True)


def _announce(hub: SimHub, folder: Path) -> None:
    """Print where to look and how to log in."""
    web = f"{hub.url}/" if _has_web_ui(hub) else f"{hub.url}/api/openapi.json"
    click.echo("")
    click.echo(f"  Vrátnik demo is running: {web}")
    click.echo(f"  REST API:                {hub.url}/api (OpenAPI: {hub.url}/api/openapi.json)")
    login = _admin_login(hub, folder)
    if login is not None:
        click.echo(f"  administrator login:     {login[0]} / {login[1]}")
    click.echo(f"  technicians' commands:   vratnik sim door-status | swipe | fault "
               f"(control socket {control.default_path()})")
    click.echo("  stop with Ctrl-C")
    click.echo("")
    sys.stdout.flush()


def _has_web_ui(hub: SimHub) -> bool:
    """Whether the hub serves a web UI at its root (hub/ui), not only the API."""
    app = hub.app
    return app is not None and any(rule.rule == "/" for rule in app.url_map.iter_rules())


def _admin_login(hub: SimHub, folder: Path) -> tuple[str, str] | None:
    """The administrator's user name and password, when the hub has user accounts.

    The password is made once and kept in ``<folder>/admin-password.txt`` (mode 0600),
    so it stays the same across demo runs.
    """
    try:
        from sim.demo_admin import ensure_demo_admin  # noqa: PLC0415 - needs hub.auth
    except ImportError:
        return None
    path = folder / ADMIN_FILE
    if path.is_file():
        password = path.read_text(encoding="utf-8").strip()
    else:
        password = secrets.token_urlsafe(12)
        path.write_text(password + "\n", encoding="utf-8")
        path.chmod(0o600)
    try:
        return ensure_demo_admin(hub, password), password
    except SimError as err:
        click.echo(f"  (no administrator login: {err})", err=True)
        return None
