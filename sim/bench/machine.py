"""A one-line description of the machine a benchmark ran on (for docs/benchmarks.md)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def describe() -> str:
    """E.g. ``AMD EPYC, 2 cores, 23.4 GiB, Linux 6.18, CPython 3.11.7``."""
    memory = _memory_gib()
    parts = [_cpu_model(), f"{os.cpu_count()} cores"]
    if memory is not None:
        parts.append(f"{memory:.1f} GiB")
    parts.append(f"{platform.system()} {platform.release().split('-')[0]}")
    parts.append(f"{platform.python_implementation()} {platform.python_version()}")
    return ", ".join(parts)
