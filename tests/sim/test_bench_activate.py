"""The activate benchmark's quick run: real hub, edge and Mosquitto; p50/p99 both ways."""

from __future__ import annotations

from sim.bench import registry


def test_quick_activate_benchmark_reports_every_figure() -> None:
    bench = registry.get("activate")
    figures = {f.name: f for f in bench.func(**bench.quick_kwargs)}
    assert set(figures) == {"activate_p50", "activate_p99", "deactivate_p50",
                            "deactivate_p99"}
    for what in ("activate", "deactivate"):
        p50, p99 = figures[f"{what}_p50"], figures[f"{what}_p99"]
        assert p99.goal == 250.0 and p99.unit == "ms" and p99.better == "lower"
        assert 0 < p50.value <= p99.value
        assert p99.params == {"rounds": 5, "broker": "mosquitto"}
