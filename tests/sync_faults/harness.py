"""A rig of real processes for fault tests and the soak: one SQLite hub database, a real
Mosquitto, the hub as a process, one edge as a process, and the checks every fault ends
with (every event exactly once, seqs exactly 1..N, the list converged)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.db import make_engine, make_session_factory, upgrade
from hub.events.models import Event
from hub.sync.keys import current_key
from hub.sync.models import ControllerSync, ListSnapshot
from tests.hub.sync.conftest import Plant, build_plant
from tests.mqtt import MosquittoBroker

ROOT = Path(__file__).resolve().parents[2]
LOST_KINDS = ("outbox_gap", "outbox_lost", "outbox_dropped", "outbox_invalid")


class Process:
    """One runner process (tests.sync_faults.runners)."""

    def __init__(self, role: str, spec: dict[str, Any], log: Path) -> None:
        self.role, self.spec, self.log = role, spec, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.sync_faults.runners", self.role,
                 json.dumps(self.spec)], cwd=ROOT, env=env, stdout=out, stderr=out,
                start_new_session=True)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to save or say goodbye."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM: a clean stop."""
        self._end(signal.SIGTERM)

    def _end(self, sig: int) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_for(check: Callable[[], object], timeout: float, what: str) -> Any:
    """Poll ``check`` until truthy; AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class Rig:
    """Database, broker, hub process and one edge process (controller door-1)."""

    directory: Path
    broker: MosquittoBroker
    persons: int = 50
    hub_settings: dict[str, Any] = field(default_factory=dict)
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)
    plant: Plant = field(init=False)
    hub: Process = field(init=False)
    edge: Process = field(init=False)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{self.directory / 'hub.db'}"
        upgrade(url)
        self.engine = make_engine(url)
        self.sessions = make_session_factory(self.engine)
        self.plant = build_plant(self.sessions, persons=self.persons)
        self.controller_id = self.plant.controllers["door-1"]
        with self.sessions() as db:
            key = current_key(db, self.controller_id)
            db.commit()
        settings = {"broker_url": self.broker.url, "client_id": "hub-faults",
                    "reconcile_interval": 3600.0, "chunk_size": 256, "embedded_port": 0,
                    "replay_interval": 0.5, **self.hub_settings}
        self.hub = Process("hub", {"database_url": url, "settings": settings},
                           self.directory / "hub.log")
        self.status_file = self.directory / "edge-status.json"
        self.edge_spec: dict[str, Any] = {
            "broker_url": self.broker.url, "site": self.plant.site, "controller": "door-1",
            "kid": key.kid, "key": key.key.hex(), "data_dir": str(self.directory / "edge"),
            "status_file": str(self.status_file)}
        self.edge = Process("edge", dict(self.edge_spec), self.directory / "edge.log")

    # -- processes ------------------------------------------------------------------------
    _hub_starts: int = field(init=False, default=0)

    def _hub_ready(self) -> bool:
        return self.hub.log.read_text(errors="replace").count("ready") >= self._hub_starts

    def restart_hub(self, kill: bool = True) -> None:
        self.hub.kill() if kill else self.hub.stop()
        self.hub.start()
        self._wait_hub_ready()

    def boot_hub(self) -> None:
        self.hub.start()
        self._wait_hub_ready()

    def _wait_hub_ready(self) -> None:
        self._hub_starts += 1
        wait_for(self._hub_ready, 30, "the hub to connect")

    def start_edge(self, events: int = 0, rate: float = 0.0) -> None:
        self.status_file.unlink(missing_ok=True)
        self.edge = Process("edge", {**self.edge_spec, "events": events, "rate": rate},
                            self.edge.log)
        self.edge.start()
        wait_for(self.status, 30, "the edge to write its status")

    def status(self) -> dict[str, Any] | None:
        try:
            value = json.loads(self.status_file.read_text())
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def close(self) -> None:
        self.edge.stop()
        self.hub.stop()
        self.engine.dispose()

    # -- checks ------------------------------------------------------------------------------
    def seqs(self) -> list[int]:
        with self.sessions() as db:
            return list(db.scalars(select(Event.seq).where(
                Event.controller_id == self.controller_id).order_by(Event.seq)))

    def settled(self, expected: int, timeout: float = 60) -> None:
        """Wait until the hub holds ``expected`` events and the edge has its acks."""
        def done() -> bool:
            status = self.status()
            return bool(status) and status is not None and status["acked_seq"] >= expected \
                and len(self.seqs()) >= expected
        wait_for(done, timeout, f"{expected} events stored and acknowledged")

    def check_events(self, expected: int) -> None:
        """Every seq 1..expected exactly once, none a placeholder for a lost event."""
        seqs = self.seqs()
        assert len(seqs) == len(set(seqs)), "duplicated events in the hub"
        assert seqs == list(range(1, expected + 1)), (
            f"hub holds {len(seqs)} events, expected 1..{expected}; missing: "
            f"{sorted(set(range(1, expected + 1)) - set(seqs))[:10]}")
        with self.sessions() as db:
            lost = db.scalar(select(func.count()).select_from(Event).where(
                Event.controller_id == self.controller_id, Event.kind.in_(LOST_KINDS)))
        assert lost == 0, f"{lost} events stand for lost ones"

    def converged(self) -> bool:
        """The edge runs the desired list and the hub knows it."""
        status = self.status()
        with self.sessions() as db:
            desired = db.get(ListSnapshot, self.controller_id)
            row = db.get(ControllerSync, self.controller_id)
        return bool(status and desired and row) and desired is not None and \
            row is not None and status is not None and \
            status["list_hash"] == desired.content_hash.hex() and \
            row.applied_hash == desired.content_hash

    def wait_converged(self, timeout: float = 60) -> None:
        wait_for(self.converged, timeout, "the list to converge")
