"""``vratnik bench sim --quick --json``: 100 edge sync clients against a hub process all
converge, and the figures come with units, goals and the idle baseline. Speeds are
never asserted here."""

from __future__ import annotations

import json

from tests.sim.procs import vratnik


def test_quick_sim_benchmark_converges_and_reports() -> None:
    result = vratnik("bench", "sim", "--quick", "--json", timeout_s=300)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = {f["name"]: f for f in map(json.loads, result.stdout.splitlines())}
    assert set(figures) == {"converge_s", "api_p50_ms", "api_p99_ms"}
    converge = figures["converge_s"]
    assert converge["params"]["controllers"] == 100
    assert "converged" not in converge["params"]  # set only when the run timed out
    assert converge["unit"] == "s" and converge["goal"] == 60.0 and converge["value"] > 0
    p99 = figures["api_p99_ms"]
    assert p99["goal"] == 500.0 and p99["baseline"] > 0 and p99["baseline_name"]
    assert p99["params"]["requests"] >= 1
    assert figures["api_p50_ms"]["value"] <= p99["value"]
