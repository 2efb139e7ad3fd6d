"""Runs every portable test module on the real MicroPython binary and compiles every
portable source file with mpy-cross. Never skips: a missing binary is a failure."""

from __future__ import annotations

import importlib
import os
import subprocess
from pathlib import Path

import pytest

from firmware_tools.portable import ROOT, find_tool, portable_files

PORTABLE_TESTS = sorted(
    p.stem for p in (ROOT / "tests" / "portable").glob("test_*.py")
)


def _tool(name: str) -> str:
    found = find_tool(name)
    assert found, f"{name} is not installed: `pip install -e .[dev]` provides it"
    return found


def test_there_are_portable_tests() -> None:
    assert PORTABLE_TESTS, "no portable test modules found"


@pytest.mark.micropython
@pytest.mark.parametrize("module", PORTABLE_TESTS)
def test_module_passes_on_micropython(module: str) -> None:
    env = dict(os.environ, MICROPYPATH=f"{ROOT}:.frozen")
    result = subprocess.run(
        [_tool("micropython"), "-X", "heapsize=64M", str(ROOT / "tests/micropython/runner.py"),
         f"tests.portable.{module}"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600, check=False,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    ran = sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS "))
    cpython = importlib.import_module(f"tests.portable.{module}")
    expected = sorted(n for n in dir(cpython) if n.startswith("test_"))
    assert ran == expected, f"MicroPython ran {ran}, CPython has {expected}\n{out}"


@pytest.mark.micropython
@pytest.mark.parametrize("path", portable_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_compiles_with_mpy_cross(path: Path, tmp_path: Path) -> None:
    out = tmp_path / (path.stem + ".mpy")
    result = subprocess.run(
        [_tool("mpy-cross"), "-o", str(out), str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0
