"""``vratnik demo --duration 20`` as a user runs it: the printed web address answers, the
hub's database fills with access events and photos with face counts from the simulated
factory, and when it ends no process it started is left."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path

from tests.sim.procs import Running, processes_mentioning


def test_demo_runs_and_stops_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    control = tmp_path / "control.sock"
    # a visit a second on average, so 20 s surely hold several (the default is 20 a minute)
    run = Running("demo", "--folder", str(folder), "--port", "0", "--duration", "20",
                  "--rate", "60", "--quiet", env={"VRATNIK_SIM_CONTROL": str(control)})
    try:
        line = run.wait_for("Vrátnik demo is running:", 150, stream="out")
        address = line.split("running:", 1)[1].strip()
        with urllib.request.urlopen(address, timeout=10) as response:
            assert response.status == 200
            body = response.read()
        api = run.wait_for("REST API:", 5, stream="out").split("OpenAPI:", 1)[1].strip(" )\n")
        with urllib.request.urlopen(api, timeout=10) as response:
            assert "paths" in json.loads(response.read())
        assert body
        status = json.loads(_control_status(control))
        assert status["ok"] is True
        assert run.finish(150) == 0, run.output()
    finally:
        run.kill()
    assert "demo stopped" in "".join(run.err)
    with sqlite3.connect(folder / "vratnik.db") as db:
        kinds = dict(db.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
        faces = db.execute("SELECT count(*), sum(faces) FROM events WHERE kind = 'photo' "
                           "AND faces IS NOT NULL").fetchone()
        controllers = {row[0] for row in db.execute(
            "SELECT DISTINCT c.code FROM events e JOIN controllers c ON c.id = e.controller_id")}
    assert kinds.get("access", 0) >= 3, kinds
    assert faces[0] >= 1 and faces[1] >= 1, faces  # the astronaut has a face
    assert controllers == {"admin", "gate", "ws1", "ws2"}  # every controller reported in
    assert processes_mentioning(str(folder)) == []
    assert not control.exists()


def _control_status(path: Path) -> str:
    from sim.control import request  # noqa: PLC0415 - after the subprocess test setup

    return json.dumps(request(path, {"cmd": "status"}))
