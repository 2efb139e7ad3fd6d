"""``vratnik sim run`` of the tiny scenario, for real: two controllers as agent processes,
OSDP readers, people, a forced and a held door, a network cut and a power cycle. The
summary must show grants, the four expected denial reasons, both alarms, nothing lost,
duplicated or left in an outbox; the technicians' commands work against the running
simulator; and no process outlives the run."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sim.procs import ROOT, Running, processes_mentioning, vratnik

TINY = ROOT / "sim" / "scenarios" / "tiny.toml"


def test_tiny_site_end_to_end(tmp_path: Path) -> None:
    workdir, control = tmp_path / "run", tmp_path / "control.sock"
    run = Running("sim", "run", str(TINY), "--workdir", str(workdir), "--control",
                  str(control), "--json", "--quiet")
    try:
        run.wait_for("controllers online and in sync", 120)
        doors = vratnik("sim", "door-status", "--json", "--control", str(control))
        assert doors.returncode == 0, doors.stderr
        listed = {(d["controller"], d["number"]): d for d in json.loads(doors.stdout)}
        assert set(listed) == {("c1", 1), ("c1", 3), ("c2", 1)}
        assert listed[("c1", 3)]["door"] == "Lab"
        swipe = vratnik("sim", "swipe", "--controller", "c1", "--reader", "3", "--card",
                        "H10301:12:1002", "--control", str(control))
        assert swipe.returncode == 0, swipe.stderr
        assert swipe.stdout.startswith("GRANTED at Lab (entry); hub: granted"), swipe.stdout
        bad = vratnik("sim", "swipe", "--controller", "c1", "--reader", "9", "--card",
                      "H10301:12:1002", "--control", str(control))
        assert bad.returncode == 1 and "controller c1 has readers 1, 2, 3, 4" in bad.stderr
        assert run.finish(180) == 0, run.output()
    finally:
        run.kill()
    report = json.loads("".join(run.out))
    assert report["ok"] is True
    assert report["granted"] >= 5
    assert report["denials"] == {"unknown card": 1, "no access on this reader": 1,
                                 "expired": 1, "not yet valid": 1}
    assert report["alarms"]["door_forced"] >= 1 and report["alarms"]["door_held"] >= 1
    assert report["missing_alarms"] == {}
    assert (report["lost"], report["duplicated"], report["sequence_gaps"]) == (0, 0, 0)
    assert report["undelivered"] == {} and report["unacknowledged"] == {}
    assert report["answered"] == report["presented"] >= 11
    assert report["faults"] == {"network cuts": 1, "power cycles": 1}
    assert report["historical"] >= 1  # events held back by the cut or the power loss
    assert report["moves"]["tailgates"] == 1
    assert report["hub_kinds"]["exit_button"] == 1
    assert report["hub_kinds"]["access"] == report["presented"]
    assert processes_mentioning(str(workdir)) == []
    assert not control.exists()
