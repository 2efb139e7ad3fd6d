"""Card keys from what text readers send: digit lines and EM4100 40-bit ids.

Keyboard-wedge and serial "line" readers send a card number as text; RDM6300-style
EM4100 modules send 40 bits as hex. The key choices here decide which hub badge a read
matches, so they are explicit per reader (docs/readers.md).
"""

from __future__ import annotations

from typing import Literal

from protocols.portable import cardkey, wiegand

EmKey = Literal["raw40", "raw32", "h10301"]

HEX_DIGITS = "0123456789abcdefABCDEF"


def text_problem(text: str, radix: int, key_bits: int) -> str | None:
    """Why ``text`` is not a card number of at most ``key_bits`` bits, or None."""
    if not text:
        return "empty"
    allowed = "0123456789" if radix == 10 else HEX_DIGITS
    if any(c not in allowed for c in text):
        return "not a base-" + str(radix) + " number"
    if int(text, radix) >> key_bits:
        return "larger than " + str(key_bits) + " bits"
    return None


def key_from_text(text: str, radix: int, key_bits: int) -> int:
    """The raw ``key_bits``-bit card key of a number sent as text (checked first)."""
    problem = text_problem(text, radix, key_bits)
    if problem is not None:
        raise ValueError("card number text is " + problem)
    return cardkey.card_key(cardkey.raw_format(key_bits), int(text, radix))


def em4100_key(value: int, mode: EmKey) -> int:
    """The card key of a 40-bit EM4100 id (version byte + 32-bit number).

    ``raw40`` keeps all 40 bits; ``raw32`` drops the version byte; ``h10301`` keeps the
    low 24 bits as facility (8) and card (16), which is what EM readers with a Wiegand-26
    output send, so one badge has one key on both kinds of reader.
    """
    if value < 0 or value >> 40:
        raise ValueError("an EM4100 id has 40 bits")
    if mode == "raw40":
        return cardkey.card_key(cardkey.raw_format(40), value)
    if mode == "raw32":
        return cardkey.card_key(cardkey.raw_format(32), value & 0xFFFFFFFF)
    return wiegand.card_key_for(cardkey.H10301_26, (value >> 16) & 0xFF, value & 0xFFFF)
