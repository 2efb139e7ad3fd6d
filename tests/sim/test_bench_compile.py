"""``vratnik bench compile --quick --json`` runs end to end and reports every figure with its
unit, goal and sane values. Speeds are never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

UNITS = {
    "full_compile": "s",
    "compiled_site": "s",
    "change_p50": "ms",
    "change_p99": "ms",
    "change_everywhere": "ms",
    "delta_bytes": "bytes",
}
GOALS = {"full_compile": 30.0, "compiled_site": 30.0, "change_p50": 50.0, "change_p99": 50.0,
         "change_everywhere": 50.0}


def test_quick_compile_benchmark_reports_every_figure() -> None:
    vratnik = Path(sys.executable).parent / "vratnik"
    result = subprocess.run(
        [str(vratnik), "bench", "compile", "--quick", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = {f["name"]: f for f in map(json.loads, filter(None, result.stdout.splitlines()))}
    assert set(figures) == set(UNITS)
    for name, f in figures.items():
        assert f["bench"] == "compile"
        assert f["unit"] == UNITS[name]
        assert f["goal"] == GOALS.get(name)
        assert f["value"] > 0, name
    full = figures["full_compile"]["params"]
    assert full["persons"] == 3000 and full["controllers"] == 30
    assert full["cards"] >= full["persons"]  # every person has a card on the gates
    assert full["max_cards"] >= full["persons"]
    change = figures["change_p50"]
    assert change["baseline_name"] == "rebuild+diff" and change["baseline"] > 0
    assert figures["change_p99"]["value"] >= change["value"]
    assert figures["change_everywhere"]["params"]["controllers_touched"] == 30
    # one badge change is a delta of a few dozen bytes (hash and header included)
    assert 40 <= figures["delta_bytes"]["value"] <= 200
