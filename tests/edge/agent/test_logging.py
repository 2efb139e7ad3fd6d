"""Structured log lines: one line per record, JSON or key=value, card numbers masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from edge.logging_setup import fields, setup_logging
from protocols.portable import cardkey, wiegand

CARD = wiegand.card_key_for(cardkey.H10301_26, 12, 34567)
FULL = (str(CARD), str(cardkey.split_key(CARD)[1]))  # the key and its value: never logged


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)


def emit(fmt: str) -> list[str]:
    out = io.StringIO()
    setup_logging(fmt, "info", out)
    log = logging.getLogger("edge.test")
    log.debug("not shown at info")
    log.info("event stored", extra=fields(seq=12, kind="access", card=CARD, pin="1234",
                                          granted=True, door=None, note="two words"))
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        log.exception("it failed for card %s", cardkey.masked(CARD))
    return out.getvalue().splitlines()


def test_json_lines(restore_root: None) -> None:
    lines = emit("json")
    assert len(lines) == 2  # the traceback stays inside its record's line
    first, second = (json.loads(line) for line in lines)
    assert first["msg"] == "event stored" and first["level"] == "info"
    assert first["logger"] == "edge.test" and first["ts"].endswith("Z")
    assert first["seq"] == 12 and first["granted"] is True and first["door"] is None
    assert first["card"] == "H10301:*0999" and first["pin"] == "****"
    assert second["level"] == "error" and second["msg"] == "it failed for card H10301:*0999"
    assert "ValueError: bad\nthing" in second["exc"]
    assert not any(number in line for number in FULL for line in lines)


def test_key_value_lines(restore_root: None) -> None:
    lines = emit("kv")
    assert len(lines) == 2
    first = lines[0]
    assert ' msg="event stored" ' in first and " seq=12 kind=access " in first
    assert " card=H10301:*0999 pin=**** granted=true door=null " in first
    assert first.endswith(' note="two words"')
    assert lines[1].startswith("ts=") and ' exc="Traceback' in lines[1]
    assert "\\n" in lines[1]  # newlines escaped, the record is one line
    assert not any(number in line for number in FULL for line in lines)
