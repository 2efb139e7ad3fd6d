"""The push benchmark's quick run: a real snapshot transfer, installed by the edge."""

from __future__ import annotations

from sim.bench import registry


def test_quick_push_benchmark_reports_seconds_and_rate() -> None:
    bench = registry.get("push")
    figures = {f.name: f for f in bench.func(**bench.quick_kwargs)}
    assert set(figures) == {"snapshot_push_seconds", "snapshot_push_rate"}
    seconds, rate = figures["snapshot_push_seconds"], figures["snapshot_push_rate"]
    assert (seconds.unit, rate.unit) == ("s", "MB/s")
    assert seconds.params["cards"] == 2000
    size = seconds.params["bytes"]
    assert isinstance(size, int) and size > 2000  # random serials: bytes per card
    assert seconds.value > 0
    assert abs(rate.value - size / seconds.value / 1e6) < 1e-9
