"""``vratnik bench door``'s quick run: the whole path runs, every figure is reported with
its unit, goal and baseline. Speeds are never asserted here."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sim.bench import registry
from sim.bench.cli import bench as bench_command


def test_quick_door_benchmark_reports_every_figure() -> None:
    bench = registry.get("door")
    figures = {f.name: f for f in bench.func(**bench.quick_kwargs)}
    assert set(figures) == {"card_to_relay_p50", "card_to_relay_p99", "card_to_relay_max",
                            "path_p99", "card_to_relay_p99_idle", "background_appends"}
    for name in ("card_to_relay_p50", "card_to_relay_p99", "card_to_relay_max", "path_p99",
                 "card_to_relay_p99_idle"):
        assert figures[name].unit == "ms"
        assert figures[name].value > 0
    for name in ("card_to_relay_p99", "path_p99", "card_to_relay_p99_idle"):
        assert figures[name].goal == 5.0
    p99 = figures["card_to_relay_p99"]
    assert p99.baseline_name == "bare decide() p99"
    assert p99.baseline is not None and p99.baseline > 0
    assert figures["card_to_relay_p50"].value <= p99.value <= figures["card_to_relay_max"].value
    assert p99.params["cards"] == 5000 and p99.params["swipes"] == 400
    granted = p99.params["granted"]
    assert isinstance(granted, int) and 0 < granted < 400  # denials run the path too
    assert figures["background_appends"].better == "higher"
    assert figures["background_appends"].value > 0  # the disk really was busy


def test_bench_door_is_a_registered_command() -> None:
    assert "door" in registry.names()
    result = CliRunner().invoke(bench_command, ["door", "--quick", "--json"])
    assert result.exit_code == 0, result.output
    names = {json.loads(line)["name"] for line in result.output.splitlines()}
    assert "card_to_relay_p99" in names
