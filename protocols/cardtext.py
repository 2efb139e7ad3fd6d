"""Credentials as text, for people and command lines: ``H10301:12:3456`` or ``RAW32:305419896``.

``FORMAT:FACILITY:CARD`` for formats with a facility (company id for Corporate 1000),
``RAWn:VALUE`` or ``KEYPAD:CODE`` for the others; numbers are decimal or ``0x`` hex.
Parsing says exactly what is wrong, so a technician typing a card at a console, or an
import file with a bad badge, gets an answer rather than a wrong key.
"""

from __future__ import annotations

from protocols.portable import cardkey, wiegand
from protocols.portable.errors import ProtocolError

_BY_NAME = {name: fmt for fmt, name in cardkey.FORMAT_NAMES.items()}


def format_id(name: str) -> int:
    """The format id of a format name such as ``H10301`` or ``RAW32`` (case-insensitive)."""
    upper = name.strip().upper()
    if upper in _BY_NAME:
        return _BY_NAME[upper]
    if upper.startswith("RAW") and upper[3:].isdigit():
        return cardkey.raw_format(int(upper[3:]))
    known = ", ".join([*sorted(_BY_NAME), "RAW1..RAW56"])
    raise ProtocolError(f"unknown card format {name!r}; known: {known}")


def _number(text: str, what: str) -> int:
    try:
        value = int(text.strip(), 0)
    except ValueError:
        raise ProtocolError(
            f"{what} must be a whole number (decimal or 0x hex), got {text!r}"
        ) from None
    if value < 0:
        raise ProtocolError(f"{what} must not be negative, got {value}")
    return value


def parse(text: str) -> int:
    """The card key of a credential written as text."""
    parts = text.split(":")
    fmt = format_id(parts[0])
    has_facility = fmt in cardkey.FORMAT_NAMES and fmt != cardkey.KEYPAD
    if has_facility:
        if len(parts) != 3:
            raise ProtocolError(
                f"{parts[0].upper()} cards are written FORMAT:FACILITY:CARD, got {text!r}"
            )
        facility = _number(parts[1], "facility")
        return wiegand.card_key_for(fmt, facility, _number(parts[2], "card number"))
    if len(parts) != 2:
        raise ProtocolError(f"{parts[0].upper()} cards are written FORMAT:VALUE, got {text!r}")
    value = _number(parts[1], "card value")
    if fmt == cardkey.KEYPAD:
        return cardkey.card_key(fmt, value)
    return wiegand.card_key_for(fmt, None, value)


def to_text(key: int) -> str:
    """The text form of a card key (inverse of :func:`parse`)."""
    fmt, value = cardkey.split_key(key)
    name = cardkey.format_name(fmt)
    if fmt == cardkey.KEYPAD:
        return f"{name}:{value}"
    _, facility, card = wiegand.fields_of_key(key)
    if facility is None:
        return f"{name}:{card}"
    return f"{name}:{facility}:{card}"
