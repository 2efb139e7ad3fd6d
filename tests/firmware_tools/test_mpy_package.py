"""The board package really runs on MicroPython: compiled .mpy files only, no sources."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

from click.testing import CliRunner

from firmware_tools.cli import tools
from firmware_tools.mpy_package import find_mpy_cross

PROGRAM = """
from protocols.portable.accesslist import AccessListBuilder, encode_snapshot, decode_snapshot
from protocols.portable import cardkey, wiegand
from edge.core.decide import decide
from edge.core import reasons
b = AccessListBuilder(3, site="s", controller="c", horizon_start=0, horizon_end=10000)
b.reader(1)
p = b.profile({1: b.schedule([(100, 200)])})
bits, value = wiegand.encode(cardkey.H10301_26, 12, 3456)
key = wiegand.card_key_of(bits, value)
b.card(key, p)
lst = decode_snapshot(encode_snapshot(b.build()))
print(reasons.name(decide(key, 1, lst, 150)), reasons.name(decide(key, 1, lst, 250)))
"""


def test_package_runs_on_micropython(tmp_path: Path) -> None:
    out = tmp_path / "board"
    result = CliRunner().invoke(tools, ["package-mpy", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    targets = {f["target"] for f in manifest["files"]}
    assert "edge/core/decide.mpy" in targets
    assert "protocols/portable/cbor.mpy" in targets
    assert not list(out.rglob("*.py")), "only compiled files go to the board"
    for entry in manifest["files"]:
        data = (out / entry["target"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]

    micropython = str(Path(find_mpy_cross()).with_name("micropython"))
    run = subprocess.run(
        [micropython, "-c", PROGRAM],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
        env=dict(os.environ, MICROPYPATH=str(out)),
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["granted", "outside", "schedule"]


def test_source_package_copies_python_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(tools, ["package-mpy", "--out", str(tmp_path), "--source"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "edge/core/decide.py").read_bytes() == (
        Path(__file__).resolve().parents[2] / "edge/core/decide.py"
    ).read_bytes()
