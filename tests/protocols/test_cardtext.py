from __future__ import annotations

import pytest

from protocols import cardtext
from protocols.portable import cardkey
from protocols.portable.errors import ProtocolError


@pytest.mark.parametrize(
    "text",
    ["H10301:12:3456", "H10306:65535:1", "CORP1000-35:1337:2137", "H10304:42:69",
     "CORP1000-48:12345:12345", "RAW32:305419896", "RAW56:1", "KEYPAD:1234"],
)
def test_round_trip(text: str) -> None:
    assert cardtext.to_text(cardtext.parse(text)) == text


def test_parse_gives_the_wiegand_payload_key() -> None:
    key = cardtext.parse("h10301:0x0c:3456")
    assert cardkey.split_key(key) == (cardkey.H10301_26, (12 << 16) | 3456)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("H10301:12", "FORMAT:FACILITY:CARD"),
        ("RAW32:1:2", "FORMAT:VALUE"),
        ("MIFARE:1", "unknown card format 'MIFARE'"),
        ("H10301:256:1", "out of range"),
        ("H10301:x:1", "facility must be a whole number"),
        ("RAW8:256", "8"),
        ("RAW57:1", "1 to 56 bits"),
        ("H10301:-1:5", "must not be negative"),
    ],
)
def test_bad_text_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        cardtext.parse(text)
