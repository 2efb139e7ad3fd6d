"""``vratnik bench decide --quick --json`` runs end to end (MicroPython included) and reports
every figure with its unit, goal and sane values. Speeds are never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

UNITS = {
    "resident_per_card": "bytes/card",
    "decide_p50": "us",
    "decide_p99": "us",
    "hub_build": "s",
    "hub_encode": "s",
    "hub_diff": "s",
    "edge_decode": "s",
    "snapshot_per_card": "bytes/card",
    "micropython_decide_p50": "us",
    "micropython_decide_p99": "us",
    "micropython_decode": "s",
    "micropython_resident_per_card": "bytes/card",
}
GOALS = {"decide_p99": 20.0, "resident_per_card": 32.0, "micropython_decide_p99": 1000.0}


def test_quick_decide_benchmark_reports_every_figure() -> None:
    vratnik = Path(sys.executable).parent / "vratnik"
    result = subprocess.run(
        [str(vratnik), "bench", "decide", "--quick", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert {f["name"] for f in figures} == set(UNITS)
    for f in figures:
        assert f["bench"] == "decide"
        assert f["unit"] == UNITS[f["name"]], f
        assert f["better"] == "lower"
        assert f["value"] > 0, f
        if f["name"] in GOALS:
            assert f["goal"] == GOALS[f["name"]]

    def one(name: str, **params: object) -> dict[str, object]:
        found = [f for f in figures
                 if f["name"] == name and all(f["params"].get(k) == v for k, v in params.items())]
        assert len(found) == 1, (name, params, figures)
        return found[0]

    for cards in (2000, 5000):  # the quick sizes
        p50 = one("decide_p50", cards=cards)["value"]
        p99 = one("decide_p99", cards=cards)["value"]
        assert p50 <= p99
        resident = one("resident_per_card", cards=cards)
        assert resident["value"] >= 8  # a key alone is 8 bytes
        assert resident["baseline_name"] == "dict of tuples"
    clustered = one("snapshot_per_card", keys="H10301 26-bit clustered")
    random32 = one("snapshot_per_card", keys="raw 32-bit random")
    assert (clustered["goal"], random32["goal"]) == (4.0, 8.0)
    assert 1 < clustered["value"] < random32["value"]
    diff = one("hub_diff")
    assert diff["params"]["ops"] > 0 and diff["params"]["delta_bytes"] > 0
    mp = one("micropython_decide_p99")
    assert mp["params"] == {"cards": 5000, "decisions": 1000}
    assert one("micropython_decide_p50")["value"] <= mp["value"]
