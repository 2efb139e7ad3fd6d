"""The whole test suite in one command (what ``./run test`` and CI run).

Stages: ruff (lint), mypy (strict types), then pytest, which also runs the portable code
on the real MicroPython binary and compiles it with mpy-cross. Every stage runs even when
an earlier one failed, so one run shows everything that is wrong; the exit code is non-zero
if any stage failed. pytest runs last so that its summary line closes the output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _stage(name: str, argv: list[str]) -> int:
    print(f"\n===== {name}: {' '.join(argv)}", flush=True)
    started = time.monotonic()
    code = subprocess.call(argv)
    print(f"===== {name}: exit {code} in {time.monotonic() - started:.1f} s", flush=True)
    return code


def main(argv: list[str]) -> int:
    py = sys.executable
    os.environ.setdefault("VRATNIK_TEST_CI", os.environ.get("CI", ""))
    failures: list[str] = []
    if not argv:  # extra arguments mean "just this pytest selection"
        for name, cmd in (
            ("ruff", [py, "-m", "ruff", "check", "."]),
            ("mypy", [py, "-m", "mypy"]),
        ):
            if _stage(name, cmd) != 0:
                failures.append(name)
    workers = ["-n", "2", "--dist", "loadgroup"] if not argv else []
    code = _stage("pytest", [py, "-m", "pytest", *workers, *argv])
    if code != 0:
        failures.append("pytest")
    if failures:
        print(f"FAILED stages: {', '.join(failures)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
