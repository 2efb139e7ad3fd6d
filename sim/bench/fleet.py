"""The load generator behind ``vratnik bench sim``: a hub process, a broker, N edges.

* :func:`build_site` writes a site with N controllers (one door, two readers each) and a
  few people allowed everywhere into a fresh SQLite database, and returns each
  controller's device key (as provisioning would).
* :class:`HubProcess` runs ``vratnik hub serve`` on that database, as a separate process
  so its responsiveness is measured where users would meet it: over HTTP.
* :class:`Mosquitto` is a private broker on a free port (the production broker); without
  the binary the hub's embedded broker is used.
* :class:`Fleet` is N real sync clients (``edge.sync.EdgeSync``: the edge's MQTT link,
  list assembly and store), in a few worker processes.
* :class:`Prober` asks the hub's API the same question over and over and keeps each
  answer's latency.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hub.access.models import Controller
from hub.auth.config import AuthConfig
from hub.auth.passwords import Passwords
from hub.auth.sessions import create_token
from hub.auth.users import ensure_admin
from hub.db import make_engine, upgrade
from hub.sync.keys import current_key
from hub.transfer.importer import import_site
from sim.scenario import AccessGroup, InlineDoor, InlinePerson, InlineSite
from sim.sitedoc import document

START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def build_site(url: str, controllers: int, persons: int, code: str = "bench"
               ) -> tuple[dict[str, tuple[str, bytes]], str]:
    """A site of ``controllers`` controllers in the database at ``url``: each controller's
    (key id, key) by code, and an API token of the administrator (for the prober)."""
    doors = tuple(InlineDoor(f"Door {i}", f"c{i}") for i in range(controllers))
    site = InlineSite(code, "Benchmark", "Europe/Bratislava", doors,
                      (AccessGroup("Everyone", tuple(d.name for d in doors)),),
                      tuple(InlinePerson(f"Person {i}", f"H10301:1:{i + 1}", "Everyone")
                            for i in range(persons)))
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            import_site(session, document(site, dt.datetime.now(dt.UTC)))
            session.commit()
        with Session(engine) as session:
            keys = {}
            for ident, ctl in session.execute(select(Controller.id, Controller.code)):
                key = current_key(session, ident)
                keys[ctl] = (key.kid, key.key)
            admin = ensure_admin(session, Passwords(AuthConfig()), secrets.token_urlsafe(16))
            _row, token = create_token(session, admin.id, "bench sim")
            session.commit()
    finally:
        engine.dispose()
    return keys, token


def online_in_sync(url: str) -> int:
    """Controllers the hub sees online and running their desired list (read-only)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM controller_sync s JOIN list_snapshots l "
                "ON l.controller_id = s.controller_id "
                "WHERE s.online AND s.applied_hash = l.content_hash")).scalar_one())
    finally:
        engine.dispose()


def _wait_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start (status {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port}")


class Mosquitto:
    """A private, anonymous Mosquitto on a free loopback port (None if not installed)."""

    def __init__(self, folder: Path) -> None:
        binary = next((b for b in ("/usr/sbin/mosquitto", shutil.which("mosquitto"))
                       if b and Path(b).is_file()), None)
        if binary is None:
            raise FileNotFoundError("mosquitto is not installed")
        self.port = free_port()
        config = folder / "mosquitto.conf"
        lines = [f"listener {self.port} 127.0.0.1", "allow_anonymous true",
                 "persistence false", "max_queued_messages 100000", "log_dest none"]
        if os.geteuid() == 0:
            lines.append("user root")
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self._process = subprocess.Popen([binary, "-c", str(config)], start_new_session=True,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, self._process, "mosquitto")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)


class HubProcess:
    """``vratnik hub serve`` on ``database``, with sync, as a child process."""

    def __init__(self, database: str, folder: Path, broker_url: str | None) -> None:
        self.port = free_port()
        self.embedded_port = free_port()  # its own broker's, when broker_url is None
        env = {**os.environ, "VRATNIK_INSTANCE_PATH": str(folder.resolve()),
               "VRATNIK_MQTT_EMBEDDED_PORT": str(self.embedded_port)}
        env.pop("VRATNIK_MQTT_URL", None)
        if broker_url is not None:
            env["VRATNIK_MQTT_URL"] = broker_url
        self.log = folder / "hub.log"
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "vratnik", "hub", "serve", "--database", database,
                 "--port", str(self.port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        _wait_port(self.port, self._process, "the hub")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)


class Prober:
    """GET ``url`` back to back on a thread; ``latencies`` in ms (failures count as the
    timeout, so an unresponsive hub cannot look fast)."""

    def __init__(self, url: str, token: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self._headers = {"Authorization": f"Bearer {token}"}
        self.timeout_s = timeout_s
        self.latencies: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-prober", daemon=True)

    def start(self) -> Prober:
        self._thread.start()
        return self

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join(self.timeout_s + 5)
        return list(self.latencies)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                ask = urllib.request.Request(self.url, headers=self._headers)  # noqa: S310 - ours
                with urllib.request.urlopen(ask, timeout=self.timeout_s) as response:  # noqa: S310
                    response.read()
                elapsed = time.perf_counter() - started
            except (urllib.error.URLError, OSError):
                self.failures += 1
                elapsed = self.timeout_s
            self.latencies.append(elapsed * 1000)
            self._stop.wait(0.02)


class Fleet:
    """N edge sync clients, one per controller, in worker processes of ``per_process``
    (sim/bench/fleet_worker.py says why); :meth:`in_sync` sums their reports."""

    def __init__(self, keys: dict[str, tuple[str, bytes]], broker_url: str, folder: Path,
                 site: str = "bench", per_process: int = 150) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        items = sorted(keys.items())
        self.specs: list[Path] = []
        for start in range(0, len(items), per_process):
            spec = folder / f"worker-{len(self.specs)}.json"
            spec.write_text(json.dumps({
                "broker_url": broker_url, "site": site, "folder": str(folder),
                "edges": [[code, kid, base64.b64encode(key).decode()]
                          for code, (kid, key) in items[start:start + per_process]]}),
                encoding="utf-8")
            self.specs.append(spec)
        self._workers: list[subprocess.Popen[str]] = []
        self._counts: list[tuple[int, int]] = [(0, 0)] * len(self.specs)
        self._readers: list[threading.Thread] = []

    def start(self) -> None:
        for index, spec in enumerate(self.specs):
            worker = subprocess.Popen(
                [sys.executable, "-m", "sim.bench.fleet_worker", str(spec)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                start_new_session=True)
            self._workers.append(worker)
            reader = threading.Thread(target=self._read, args=(index, worker), daemon=True)
            reader.start()
            self._readers.append(reader)

    def _read(self, index: int, worker: subprocess.Popen[str]) -> None:
        assert worker.stdout is not None
        for line in worker.stdout:
            try:
                report = json.loads(line)
                self._counts[index] = (int(report["connected"]), int(report["in_sync"]))
            except (ValueError, KeyError, TypeError):
                continue

    def connected(self) -> int:
        return sum(c for c, _s in self._counts)

    def in_sync(self) -> int:
        return sum(s for _c, s in self._counts)

    def stop(self) -> None:
        for worker in self._workers:
            if worker.stdin is not None:
                worker.stdin.close()  # the worker stops its edges cleanly
        for worker in self._workers:
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)
        for reader in self._readers:
            reader.join(5)
        for worker in self._workers:
            if worker.stdout is not None:
                worker.stdout.close()
