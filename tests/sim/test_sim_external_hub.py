"""A scenario with ``[hub] database`` joins a hub that runs on its own (``vratnik hub
serve`` with its embedded broker) instead of starting one: the simulated controllers get
their keys from that hub's database, sync with it, and their events land in it."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sim.scenario import load
from sim.sitedoc import document
from tests.sim.procs import ROOT, processes_mentioning, vratnik

TINY = ROOT / "sim" / "scenarios" / "tiny.toml"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_simulated_controllers_join_a_running_hub(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'hub.db'}"
    site = load(TINY).site
    assert site is not None
    doc = tmp_path / "site.json"
    doc.write_text(json.dumps(document(site, dt.datetime.now(dt.UTC))), encoding="utf-8")
    imported = vratnik("hub", "import", "--database", database, str(doc))
    assert imported.returncode == 0, imported.stderr
    broker = _free_port()
    env = {**os.environ, "VRATNIK_MQTT_EMBEDDED_PORT": str(broker),
           "VRATNIK_INSTANCE_PATH": str(tmp_path)}
    env.pop("VRATNIK_MQTT_URL", None)
    with (tmp_path / "hub.log").open("wb") as log:
        hub = subprocess.Popen([sys.executable, "-m", "vratnik", "hub", "serve", "--database",
                                database, "--port", str(_free_port())], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", broker), timeout=1).close()
                break
            except OSError:
                assert hub.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "hub.log").read_text()
                time.sleep(0.2)
        scenario = tmp_path / "join.toml"
        scenario.write_text(f"""
[sim]
name = "join"
speed = 10
duration = 20
reader = "osdp"
[camera]
enabled = false
[hub]
database = "{database}"
broker = "mqtt://127.0.0.1:{broker}"
site = "tiny"
[[script]]
at = 0
do = "badge"
who = "Alice Novak"
door = "Front"
[[script]]
at = 5
do = "badge"
card = "H10301:99:77"
door = "Store"
""", encoding="utf-8")
        run = vratnik("sim", "run", str(scenario), "--workdir", str(tmp_path / "run"),
                      "--control", str(tmp_path / "c.sock"), "--json", "--quiet",
                      timeout_s=180)
    finally:
        hub.terminate()
        hub.wait(30)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert (report["granted"], report["denials"]) == (1, {"unknown card": 1})
    assert (report["lost"], report["duplicated"]) == (0, 0)
    with sqlite3.connect(tmp_path / "hub.db") as db:
        rows = db.execute("SELECT c.code, e.granted, e.reason FROM events e JOIN controllers c "
                          "ON c.id = e.controller_id WHERE e.kind = 'access' ORDER BY e.id"
                          ).fetchall()
    assert rows == [("c1", 1, 0), ("c2", 0, 1)]
    assert processes_mentioning(str(tmp_path / "run")) == []
