"""The benchmark registry and the figures a benchmark reports.

A benchmark is a function that takes its options and yields :class:`Figure` objects.
Each figure names what was measured, its unit, and what it is compared with: a goal
(the limit an issue sets) and, where it makes sense, a baseline measured in the same run
(for example a raw batched INSERT next to our ingest path).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Figure:
    """One measured number."""

    bench: str
    name: str
    value: float
    unit: str
    better: Better = "lower"
    goal: float | None = None
    baseline: float | None = None
    baseline_name: str | None = None
    params: dict[str, object] = field(default_factory=dict)

    @property
    def goal_ratio(self) -> float | None:
        """value / goal: at most 1.0 meets a "lower is better" goal, at least 1.0 a "higher" one."""
        if self.goal is None or self.goal == 0:
            return None
        return self.value / self.goal

    @property
    def meets_goal(self) -> bool | None:
        ratio = self.goal_ratio
        if ratio is None:
            return None
        return ratio <= 1.0 if self.better == "lower" else ratio >= 1.0

    @property
    def baseline_ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def as_json(self) -> dict[str, object]:
        return {
            "bench": self.bench,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "better": self.better,
            "goal": self.goal,
            "goal_ratio": self.goal_ratio,
            "meets_goal": self.meets_goal,
            "baseline": self.baseline,
            "baseline_name": self.baseline_name,
            "baseline_ratio": self.baseline_ratio,
            "params": self.params,
        }

    def as_text(self) -> str:
        params = " ".join(f"{k}={v}" for k, v in self.params.items())
        text = f"{self.bench:<10} {self.name:<28} {_fmt(self.value):>12} {self.unit:<10}"
        if params:
            text += f" [{params}]"
        if self.goal is not None:
            verdict = "ok" if self.meets_goal else "MISSES GOAL"
            op = "<=" if self.better == "lower" else ">="
            text += f"  goal {op} {_fmt(self.goal)} (ratio {self.goal_ratio:.3f}, {verdict})"
        if self.baseline is not None:
            ratio = self.baseline_ratio
            text += f"  vs {self.baseline_name}: {_fmt(self.baseline)} (ratio {ratio:.3f})"
        return text


def _fmt(value: float) -> str:
    if value == int(value) and abs(value) < 1e12:
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.3g}"


BenchFunc = Callable[..., Iterator[Figure]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    summary: str
    func: BenchFunc
    quick_kwargs: dict[str, object]


# name -> module that registers it; imported lazily so one benchmark's imports (Flask,
# TFLite, ...) never slow down another.
MODULES: dict[str, str] = {
    "compile": "sim.bench.compile",
    "decide": "sim.bench.decide",
    "ingest": "sim.bench.ingest",
    "outbox": "sim.bench.outbox",
    "door": "sim.bench.door",
    "faces": "sim.bench.faces",
    "activate": "sim.bench.activate",
    "push": "sim.bench.push",
    "sim": "sim.bench.sim",
}

_REGISTRY: dict[str, Benchmark] = {}


def register(
    name: str, summary: str, quick: dict[str, object] | None = None
) -> Callable[[BenchFunc], BenchFunc]:
    """Register a benchmark. ``quick`` are the options of the short run used by the tests."""

    def wrap(func: BenchFunc) -> BenchFunc:
        _REGISTRY[name] = Benchmark(name, summary, func, dict(quick or {}))
        return func

    return wrap


def get(name: str) -> Benchmark:
    """The benchmark called ``name``; KeyError lists the known ones."""
    if name not in MODULES:
        known = ", ".join(sorted(MODULES))
        raise KeyError(f"unknown benchmark {name!r}; known: {known}")
    importlib.import_module(MODULES[name])
    return _REGISTRY[name]


def names() -> list[str]:
    return sorted(MODULES)
