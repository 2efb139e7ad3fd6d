"""``vratnik edge install-list / list-info / decide`` against a real store on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli import edge
from protocols import cardtext
from protocols.portable.accesslist import READER_PIN, AccessListBuilder, encode_snapshot

T0 = 1_772_000_000  # 2026-02-25T06:13:20Z
HOUR = 3600


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    builder = AccessListBuilder(
        7, site="factory", controller="gate-1", horizon_start=T0, horizon_end=T0 + 35 * 24 * HOUR
    )
    builder.reader(1)
    builder.reader(2, READER_PIN)
    office_hours = builder.schedule([(T0, T0 + 8 * HOUR)])
    profile = builder.profile({1: office_hours, 2: office_hours})
    builder.card(cardtext.parse("H10301:12:3456"), profile, pin="1234")
    builder.card(cardtext.parse("H10301:12:3457"), profile, valid_to=T0 + HOUR)
    path = tmp_path / "list.cbor"
    path.write_bytes(encode_snapshot(builder.build()))
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(edge, list(args))
    return result.exit_code, result.output


def test_install_then_decide(snapshot: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    code, out = _run("install-list", str(snapshot), "--store", store)
    assert code == 0, out
    assert "installed list version 7" in out

    code, out = _run("list-info", "--store", store)
    assert code == 0, out
    assert "version 7" in out
    assert "2 cards" in out

    at = str(T0 + 2 * HOUR)
    cases = {
        ("H10301:12:3456", "1", None): "GRANT (granted)",
        ("H10301:12:3456", "2", None): "DENY (PIN required)",
        ("H10301:12:3456", "2", "1234"): "GRANT (granted)",
        ("H10301:12:3456", "2", "9999"): "DENY (wrong PIN)",
        ("H10301:12:3457", "1", None): "DENY (expired)",
        ("H10301:12:9999", "1", None): "DENY (unknown card)",
        ("H10301:12:3456", "3", None): "DENY (no access on this reader)",
    }
    for (card, reader, pin), expected in cases.items():
        args = ["decide", "--card", card, "--reader", reader, "--at", at, "--store", store]
        if pin:
            args += ["--pin", pin]
        code, out = _run(*args)
        assert code == 0, out
        assert out.startswith(expected), (card, reader, pin, out)

    code, out = _run("decide", "--card", "H10301:12:3456", "--reader", "1",
                     "--at", "2026-02-25T20:00+01:00", "--store", store)
    assert out.startswith("DENY (outside schedule)"), out


def test_bad_inputs_get_clear_messages(snapshot: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    code, out = _run("decide", "--card", "H10301:12", "--reader", "1", "--store", store)
    assert code == 2
    assert "FORMAT:FACILITY:CARD" in out

    code, out = _run("decide", "--card", "H10301:12:1", "--reader", "1", "--store", store)
    assert code == 1
    assert "no usable compiled list" in out

    bogus = tmp_path / "bogus.cbor"
    bogus.write_bytes(b"\xa1\x61f\x02")
    code, out = _run("install-list", str(bogus), "--store", store)
    assert code == 1
    assert "is not a valid compiled list" in out

    _run("install-list", str(snapshot), "--store", store)
    code, out = _run("decide", "--card", "H10301:12:3456", "--reader", "1",
                     "--at", "2026-02-25T20:00", "--store", store)
    assert code == 2
    assert "has no UTC offset" in out


def test_corrupt_current_list_falls_back_to_previous(snapshot: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert _run("install-list", str(snapshot), "--store", str(store))[0] == 0
    assert _run("install-list", str(snapshot), "--store", str(store))[0] == 0
    current = sorted(p for p in store.iterdir() if p.is_file())
    assert len(current) == 2, current
    cur = next(p for p in current if "cur" in p.name)
    data = bytearray(cur.read_bytes())
    data[-1] ^= 0xFF
    cur.write_bytes(bytes(data))
    code, out = _run("list-info", "--store", str(store))
    assert code == 0, out
    assert "previous" in out.lower()
    assert "version 7" in out
