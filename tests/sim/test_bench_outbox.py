"""The outbox benchmark's quick run: it runs and reports every figure, sensibly shaped."""

from __future__ import annotations

from sim.bench import registry


def test_quick_outbox_benchmark_reports_every_figure() -> None:
    bench = registry.get("outbox")
    figures = {f.name: f for f in bench.func(**bench.quick_kwargs)}
    assert set(figures) >= {"append_fsync_each", "append_p99", "append_batched",
                            "pending_read", "open_full_outbox", "ack"}
    for name in ("append_fsync_each", "append_batched"):
        figure = figures[name]
        assert figure.unit == "events/s"
        assert figure.better == "higher"
        assert figure.value > 0
        assert figure.goal is not None
        assert figure.baseline is not None
        assert figure.baseline > 0
        assert figure.baseline_name == "bare write+fdatasync"
    assert figures["append_batched"].params["batch"] == 50
    assert figures["open_full_outbox"].params["events"] == 3000
    assert figures["append_p99"].unit == "ms"
    if "write_amplification" in figures:  # Linux: /proc/self/io
        assert figures["write_amplification"].value > 0
