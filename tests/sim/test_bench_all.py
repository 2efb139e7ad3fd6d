"""``vratnik bench all``: every registered benchmark runs in turn, a failing one is reported
while the others still run (exit 1), and ``--write-docs`` writes a page with the machine,
the date, a goals summary and a table per benchmark."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.bench import registry
from sim.bench.cli import bench


@registry.register("t-good", "a benchmark that measures", quick={"n": 1})
def _good(n: int = 5) -> Iterator[registry.Figure]:
    yield registry.Figure("t-good", "speed", 12.5 * n, "ops/s", better="higher", goal=10.0,
                          baseline=25.0, baseline_name="raw", params={"n": n})
    yield registry.Figure("t-good", "latency_p99", 7.0, "ms", goal=5.0)


@registry.register("t-bad", "a benchmark that breaks")
def _bad() -> Iterator[registry.Figure]:
    yield registry.Figure("t-bad", "first", 1.0, "s")
    raise RuntimeError("the rig fell over")


@pytest.fixture
def only_test_benches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "MODULES", {"t-good": __name__, "t-bad": __name__})


@pytest.mark.usefixtures("only_test_benches")
def test_all_runs_every_benchmark_and_writes_the_page(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "benchmarks.md"
    result = CliRunner().invoke(bench, ["all", "--quick", "--write-docs", str(page)])
    assert result.exit_code == 1  # t-bad failed
    assert "t-good     speed" in result.output and "(ratio 1.250, ok)" in result.output
    assert "t-bad FAILED: RuntimeError: the rig fell over" in result.output
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n")
    assert "**Machine:** " in text and " cores, " in text
    assert "quick runs" in text
    assert "| t-good | speed | 12.5 ops/s | >= 10 ops/s | 1.250 | met | n=1 |" in text
    assert "| t-good | latency_p99 | 7 ms | <= 5 ms | 1.400 | **missed** |  |" in text
    assert "- `t-bad`: RuntimeError: the rig fell over" in text
    assert "| speed | 12.5 | ops/s | >= 10 (met) | 1.250 | raw: 25 | 0.500 | n=1 |" in text
    assert "## t-bad" in text and "Failed: RuntimeError: the rig fell over" in text


@pytest.mark.usefixtures("only_test_benches")
def test_write_docs_needs_all_and_names_are_checked(tmp_path: Path) -> None:
    runner = CliRunner()
    one = runner.invoke(bench, ["t-good", "--write-docs", str(tmp_path / "x.md")])
    assert one.exit_code == 2 and "--write-docs needs 'all'" in one.output
    unknown = runner.invoke(bench, ["nope"])
    assert unknown.exit_code == 2 and "unknown benchmark 'nope'; known: t-bad, t-good" in \
        unknown.output
    ok = runner.invoke(bench, ["t-good", "--json"])
    assert ok.exit_code == 0 and '"goal_ratio": 6.25' in ok.output
