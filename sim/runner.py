"""One simulated site, set up, run and torn down: hub, hardware, network, agents, script.

:class:`Simulation` is what ``vratnik sim run`` and ``vratnik demo`` drive::

    sim = Simulation(scenario, workdir)
    sim.setup()          # hub + site, OSDP buses, door link, proxies, agent configs
    sim.start_agents()   # one process per controller; waits until all are in sync
    sim.play(stop)       # the script and the traffic, on the script clock
    report = sim.finish()  # waits for the hub to hold everything, then the summary
    sim.close()          # stops everything it started (also after an error)
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim import report as report_module
from sim.agents import AgentProcess, AgentSetup, Spawner, write_config
from sim.clock import ScriptClock
from sim.console import Console
from sim.control import ControlServer
from sim.errors import SimError
from sim.faults import Faults
from sim.hardware import Hardware
from sim.hubext import ExternalHub
from sim.hubrun import SimHub
from sim.hubwatch import HubWatch
from sim.ledger import Ledger
from sim.moves import Moves
from sim.netcut import NetworkProxies
from sim.scenario import InlineDoor, Scenario
from sim.script import Player
from sim.site import SiteModel, check_script, read_document, site_model
from sim.sitedoc import document
from sim.status import SimCommands, status_line

log = logging.getLogger(__name__)

MARKER = ".vratnik-sim"  # a folder with this file is the simulator's to wipe
READY_TIMEOUT_S = 90.0
SETTLE_TIMEOUT_S = 60.0


def external_hub(scenario: Scenario) -> ExternalHub:
    """The running hub a ``[hub]`` scenario names."""
    spec = scenario.hub
    assert spec is not None
    return ExternalHub(spec.database, spec.broker, spec.site, accounts=spec.accounts)


def log_to_file(path: Path, level: int = logging.INFO) -> None:
    """Send every log record (ours, the hub's, the broker's) to ``path`` instead of the
    console, which shows the progress line; the agents log to their own files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("transitions").setLevel(logging.WARNING)  # amqtt's state machine chatter


def reader_kinds(choice: str, controllers: list[str]) -> dict[str, str]:
    """osdp or wiegand per controller: all the same, or (mixed) taking turns by code."""
    if choice != "mixed":
        return dict.fromkeys(controllers, choice)
    return {code: ("osdp", "wiegand")[n % 2] for n, code in enumerate(sorted(controllers))}


def check_scenario(scenario: Scenario) -> tuple[dict[str, Any], SiteModel]:
    """The site document and model of a scenario, every name checked (no hub needed,
    except the running hub a ``[hub]`` scenario joins: its database is read)."""
    if scenario.hub is not None:
        external = external_hub(scenario)
        try:
            doc = external.document()
        finally:
            external.stop()
    elif scenario.site_file is not None:
        doc = read_document(scenario.site_file)
    else:
        assert scenario.site is not None  # a scenario has one or the other
        doc = document(scenario.site, dt.datetime.now(dt.UTC))
    doors: tuple[InlineDoor, ...] = scenario.site.doors if scenario.site is not None else ()
    timings = {d.name: d.timing for d in doors if d.timing is not None}
    site = site_model(doc, lambda name: timings.get(name, scenario.defaults))
    check_script(scenario, site)
    if scenario.site_file is not None:
        from hub.transfer.document import load_document  # noqa: PLC0415
        from hub.transfer.errors import TransferError  # noqa: PLC0415

        try:
            load_document(doc)
        except TransferError as err:
            raise SimError(f"site.file: {err}") from err
    return doc, site


class Simulation:
    """A virtual site (see the module docstring)."""

    def __init__(self, scenario: Scenario, workdir: Path, *, control: Path | None = None,
                 fresh: bool = True, hub: SimHub | ExternalHub | None = None,
                 console: Console | None = None) -> None:
        self.scenario = scenario
        self.workdir = workdir
        self.control_path = control
        self.fresh = fresh
        self.hub = hub
        self._own_hub = hub is None
        self.ledger = Ledger()
        self.clock = ScriptClock(scenario.speed)
        self.console = console or Console(self.status, quiet=True)
        self.agents: dict[str, AgentProcess] = {}
        self.site: SiteModel | None = None
        self.hardware: Hardware | None = None
        self.proxies: NetworkProxies | None = None
        self.watch: HubWatch | None = None
        self.moves: Moves | None = None
        self.faults: Faults | None = None
        self.player: Player | None = None
        self.control: ControlServer | None = None
        self._spawner: Spawner | None = None
        self._started_at = 0.0

    # -- setup ----------------------------------------------------------------------------------
    def setup(self, log_file: bool = False) -> None:
        """Everything but the agents' processes; SimError says what did not work.

        ``log_file``: the simulator's and the hub's log lines go to ``<workdir>/sim.log``
        (the console shows only the progress line and notes).
        """
        if self.control_path is not None:  # first: a second simulator stops here, harmless
            if self.fresh and self.control_path.resolve().is_relative_to(self.workdir.resolve()):
                raise SimError(f"the control socket {self.control_path} is inside the work "
                               f"folder {self.workdir}, which is wiped; put it elsewhere")
            self.control = ControlServer(self.control_path, SimCommands(self).handle)
        self._prepare_workdir()
        if log_file:
            log_to_file(self.workdir / "sim.log")
        doc, self.site = check_scenario(self.scenario)
        if self.hub is None and self.scenario.hub is not None:
            self.hub = external_hub(self.scenario)
        elif self.hub is None:
            self.hub = SimHub(self.workdir / "hub", http_port=self.scenario.http_port).start()
        site_id, imported = self.hub.ensure_site(doc)
        self.hub.compile_and_sync(site_id)
        provisions = self.hub.provision(self.site.code)
        self.hardware = Hardware(self.site, self.workdir / "hardware",
                                 reader_kinds(self.scenario.reader, list(self.site.controllers)))
        self.hardware.start()
        self.proxies = NetworkProxies(*self.hub.broker)
        self._spawner = Spawner()
        for code, controller in self.site.controllers.items():
            if not controller.enabled or code not in provisions or not controller.readers:
                continue
            port = self.proxies.add(code)
            setup = AgentSetup(provisions[code], f"mqtt://127.0.0.1:{port}",
                               self.hardware.wiring(code),
                               tuple(d for d in self.site.doors.values() if d.controller == code),
                               self.workdir / "controllers" / code,
                               self.hardware.doors.path, self._camera())
            self.agents[code] = AgentProcess(code, write_config(setup),
                                            self.hardware.doors.path, self._spawner)
        self.watch = HubWatch(self.hub.sessions, self.site.code)
        self.moves = Moves(self.hardware, self.ledger, self.powered)
        self.faults = Faults(self.site, self.agents, self.proxies, self.moves, self.ledger,
                             self.ready, self.console.note)
        self.player = Player(self.scenario, self.site, self.moves, self.faults, self.clock,
                             self.console.note)
        log.info("site %s set up (%s)", self.site.code, "imported" if imported else "existing")

    def _prepare_workdir(self) -> None:
        if self.fresh and self.workdir.exists():
            if not (self.workdir / MARKER).exists() and any(self.workdir.iterdir()):
                raise SimError(f"{self.workdir} exists and was not made by the simulator; "
                               "choose another workdir")
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / MARKER).write_text("made by vratnik sim\n", encoding="utf-8")

    def _camera(self) -> tuple[tuple[Path, ...], bool] | None:
        if not self.scenario.camera:
            return None
        from sim.images import camera_images  # noqa: PLC0415 - numpy/skimage only when used

        return camera_images(self.scenario.images, self.workdir / "camera",
                             self.scenario.path.parent), self.scenario.faces

    # -- agents ---------------------------------------------------------------------------------
    def powered(self, code: str) -> bool:
        """Whether the controller has power and answers at its readers."""
        return self.faults is not None and self.faults.powered(code)

    def ready(self, code: str) -> bool:
        """The controller's agent runs, drives its doors and has a secure channel to each reader."""
        agent = self.agents.get(code)
        if agent is None or not agent.running or self.hardware is None:
            return False
        status = agent.status()  # the agent's own view: no reader thread has stopped
        return (status is not None and status.get("running") is True
                and not status.get("readers_stopped")
                and self.hardware.doors.connected(code) and self.hardware.readers_online(code))

    def start_agents(self, timeout_s: float = READY_TIMEOUT_S,
                     stop: threading.Event | None = None) -> None:
        """Start every agent; return when all are ready and run the hub's current list
        (SimError if ``stop`` is set first: Ctrl-C while starting)."""
        assert self.watch is not None
        for agent in self.agents.values():
            agent.start()
        deadline = time.monotonic() + timeout_s
        while True:
            for agent in self.agents.values():
                agent.check_alive()
            views = self.watch.controllers()
            waiting = [c for c in self.agents
                       if not (self.ready(c) and views[c].online and views[c].in_sync)]
            if not waiting:
                break
            if stop is not None and stop.is_set():
                raise SimError("stopped while the controllers were starting")
            if time.monotonic() > deadline:
                raise SimError(f"controllers not ready after {timeout_s:.0f} s: "
                               f"{', '.join(waiting)} (see their agent.log in "
                               f"{self.workdir / 'controllers'})")
            time.sleep(0.2)
        self.watch.start()
        self.console.note(f"{len(self.agents)} controllers online and in sync")

    # -- running --------------------------------------------------------------------------------
    def play(self, stop: threading.Event) -> None:
        """Run the script and the traffic until they end, the duration, or ``stop``."""
        assert self.player is not None
        self._started_at = time.monotonic()
        self.clock.start()
        self.player.plan()
        self.console.start()
        self.player.run(stop)

    def status(self) -> str:
        return status_line(self)

    def finish(self, settle_s: float = SETTLE_TIMEOUT_S) -> report_module.Report:
        """Wait until the hub holds every answered card and alarm, then the summary."""
        assert self.watch is not None and self.faults is not None
        real = time.monotonic() - self._started_at if self._started_at else 0.0
        script = self.clock.now()
        for code in list(self.agents):  # whatever was cut comes back, so events can flow
            self.faults.restore_network(code)
        deadline = time.monotonic() + settle_s
        while time.monotonic() < deadline:
            self.watch.poll()
            if self._settled():
                break
            time.sleep(0.25)
        self.console.stop()
        result = report_module.build(self.scenario.name, real, script, self.scenario.speed,
                                     self.ledger, self.watch.snapshot(), self.watch.controllers())
        result.undelivered = {code: n for code, n in self.undelivered().items() if n}
        return result

    def undelivered(self) -> dict[str, int]:
        """Per controller: events its outbox holds that the hub has not stored (or not
        acknowledged) yet, from the agents' status files; -1 when unknown."""
        assert self.watch is not None
        views = self.watch.controllers()
        out: dict[str, int] = {}
        for code, agent in self.agents.items():
            status = agent.status()
            last = status.get("last_seq") if status else None
            if not isinstance(last, int):
                out[code] = -1
                continue
            unacked = status.get("unacknowledged", 0) if status else 0
            out[code] = max(last - views[code].events_upto,
                            unacked if isinstance(unacked, int) else 0)
        return out

    def _settled(self) -> bool:
        assert self.watch is not None
        events = self.watch.snapshot()
        views = self.watch.controllers()
        if any(v.events_upto != v.max_seq for v in views.values()):
            return False
        if any(self.undelivered().values()):
            return False
        trial = report_module.build("", 0, 0, 1, self.ledger, events, views)
        return trial.lost == 0 and not trial.missing_alarms

    # -- teardown -------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop everything started, in reverse order; safe after a failed setup."""
        hub = self.hub if self._own_hub else None
        steps: list[tuple[str, Callable[[], object] | None]] = [
            ("console", self.console.stop),
            ("control", self.control.close if self.control else None),
            ("watch", self.watch.stop if self.watch else None),
            ("agents", self._stop_agents),
            ("spawner", self._spawner.close if self._spawner else None),
            ("proxies", self.proxies.close if self.proxies else None),
            ("hardware", self.hardware.stop if self.hardware else None),
            ("hub", hub.stop if hub else None),
        ]
        for name, step in steps:
            if step is None:
                continue
            try:
                step()
            except Exception:  # keep stopping the rest
                log.exception("stopping the %s failed", name)

    def _stop_agents(self) -> None:
        for agent in self.agents.values():
            if agent.running and self.proxies is not None and self.proxies.is_cut(agent.code):
                self.proxies.restore(agent.code)
        threads = [threading.Thread(target=agent.stop, daemon=True)
                   for agent in self.agents.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
