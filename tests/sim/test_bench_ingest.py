"""The ingest benchmark's quick run: both backends, each with its raw baseline and ratio."""

from __future__ import annotations

from sim.bench import registry


def test_quick_ingest_benchmark_reports_every_figure() -> None:
    bench = registry.get("ingest")
    figures = {f.name: f for f in bench.func(**bench.quick_kwargs)}
    assert set(figures) == {"ingest_sqlite", "ingest_sqlite_vs_raw", "ingest_postgresql",
                            "ingest_postgresql_vs_raw"}
    for backend in ("sqlite", "postgresql"):
        rate = figures[f"ingest_{backend}"]
        assert (rate.unit, rate.better, rate.baseline_name) == (
            "events/s", "higher", "raw batched INSERT")
        assert rate.value > 0 and rate.baseline is not None and rate.baseline > 0
        assert rate.params["events"] == 2048
        ratio = figures[f"ingest_{backend}_vs_raw"]
        assert ratio.goal == 0.5
        assert abs(ratio.value - rate.value / rate.baseline) < 1e-9
    assert figures["ingest_sqlite"].goal == 20_000
