"""docs/wire.md stays true: every channel and every message field is documented as coded."""

from __future__ import annotations

import re
from pathlib import Path

from protocols.portable import topics
from protocols.portable.message_types import SCHEMAS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "wire.md").read_text("utf-8")


def _section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n### ", start + len(title))
    return DOC[start:end if end != -1 else None]


def test_every_message_has_a_section_listing_exactly_its_fields() -> None:
    for msg_type, fields in SCHEMAS.items():
        section = _section("### `" + msg_type + "`")
        documented = re.findall(r"^\| `([a-z0-9_]+)` \|", section, re.MULTILINE)
        assert documented == [name for name, _spec in fields], msg_type


def test_topic_table_matches_the_code() -> None:
    rows = re.findall(r"^\| `([a-z/]+)` \| (edge|hub) \| (\d) \| ([^|]+?) \| ([^|]+) \|",
                      DOC, re.MULTILINE)
    table = {channel: (who, int(qos), retained, types) for channel, who, qos, retained, types
             in rows}
    assert sorted(table) == sorted(topics.CHANNELS)
    for channel, (who, qos, retained, types) in table.items():
        publisher, code_qos, code_retained, code_types = topics.CHANNELS[channel]
        assert who == publisher, channel
        assert qos == code_qos, channel
        assert (retained == "yes") == code_retained, channel
        assert re.findall(r"`(\w+)`", types) == list(code_types), channel
