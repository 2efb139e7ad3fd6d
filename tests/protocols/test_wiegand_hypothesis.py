"""Wiegand codec against an independent, bit-by-bit reference (CPython, Hypothesis).

The reference below is written from the formats' textual definitions (HID's format
sheets as docs/wiegand.md quotes them): every parity bit's covered positions are spelled
out as literal lists, and bits are handled as a Python list indexed by 1-based position.
It shares no code, masks or shift arithmetic with protocols/portable/wiegand.py, so a
wrong mask in either shows up as a disagreement.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.portable import cardkey, wiegand
from protocols.portable.errors import WiegandError

EVEN, ODD = "even", "odd"

# format id -> (frame bits, facility positions, card positions, parity checks in the order
# the bits are computed: (parity bit, kind, covered positions)).
REFERENCE: dict[int, tuple[int, range, range, list[tuple[int, str, list[int]]]]] = {
    cardkey.H10301_26: (26, range(2, 10), range(10, 26), [
        (1, EVEN, list(range(2, 14))),
        (26, ODD, list(range(14, 26))),
    ]),
    cardkey.H10306_34: (34, range(2, 18), range(18, 34), [
        (1, EVEN, list(range(2, 18))),
        (34, ODD, list(range(18, 34))),
    ]),
    cardkey.CORP1000_35: (35, range(3, 15), range(15, 35), [
        (2, EVEN, [3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19, 21, 22, 24, 25, 27, 28, 30, 31,
                   33, 34]),
        (35, ODD, [2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24, 26, 27, 29, 30,
                   32, 33]),
        (1, ODD, list(range(2, 36))),
    ]),
    cardkey.H10304_37: (37, range(2, 18), range(18, 37), [
        (1, EVEN, list(range(2, 20))),
        (37, ODD, list(range(19, 37))),
    ]),
    cardkey.CORP1000_48: (48, range(3, 25), range(25, 48), [
        (2, EVEN, [4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22, 23, 25, 26, 28, 29, 31, 32,
                   34, 35, 37, 38, 40, 41, 43, 44, 46, 47]),
        (48, ODD, [3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19, 21, 22, 24, 25, 27, 28, 30, 31,
                   33, 34, 36, 37, 39, 40, 42, 43, 45, 46]),
        (1, ODD, list(range(2, 49))),
    ]),
}


def _put(frame: list[int], positions: range, number: int) -> None:
    text = format(number, "b").zfill(len(positions))
    for position, digit in zip(positions, text, strict=True):
        frame[position] = int(digit)


def _get(frame: list[int], positions: range) -> int:
    return int("".join(str(frame[p]) for p in positions), 2)


def reference_encode(fmt: int, facility: int, card: int) -> list[int]:
    """The frame's bits; index 0 unused so that frame[p] is bit p."""
    bits, facility_at, card_at, checks = REFERENCE[fmt]
    frame = [0] * (bits + 1)
    _put(frame, facility_at, facility)
    _put(frame, card_at, card)
    for position, kind, covered in checks:
        ones = sum(frame[p] for p in covered)
        frame[position] = ones % 2 if kind == EVEN else 1 - ones % 2
    return frame


def reference_valid(fmt: int, frame: list[int]) -> bool:
    for position, kind, covered in REFERENCE[fmt][3]:
        total = sum(frame[p] for p in covered) + frame[position]
        if total % 2 != (0 if kind == EVEN else 1):
            return False
    return True


def as_value(frame: list[int]) -> int:
    return int("".join(str(b) for b in frame[1:]), 2)


def as_frame(bits: int, value: int) -> list[int]:
    return [0, *(int(d) for d in format(value, "b").zfill(bits))]


@st.composite
def cards(draw: st.DrawFn) -> tuple[int, int, int]:
    fmt = draw(st.sampled_from(sorted(REFERENCE)))
    _, facility_at, card_at, _ = REFERENCE[fmt]
    facility = draw(st.integers(0, (1 << len(facility_at)) - 1))
    card = draw(st.integers(0, (1 << len(card_at)) - 1))
    return fmt, facility, card


def test_reference_layouts_match_the_published_field_widths() -> None:
    # Guards the reference itself: widths from the format names and HID's sheets.
    widths = {fmt: (len(r[1]), len(r[2])) for fmt, r in REFERENCE.items()}
    assert widths == {
        cardkey.H10301_26: (8, 16), cardkey.H10306_34: (16, 16),
        cardkey.CORP1000_35: (12, 20), cardkey.H10304_37: (16, 19),
        cardkey.CORP1000_48: (22, 23),
    }
    # Every bit that is not a parity bit is a facility or card bit, exactly once.
    for bits, facility_at, card_at, checks in REFERENCE.values():
        parity = {c[0] for c in checks}
        assert sorted([*facility_at, *card_at, *parity]) == list(range(1, bits + 1))


def test_reference_agrees_with_published_frames() -> None:
    # The Tick PR #20 (35-bit) and Proxmark3 issue #1791 (48-bit), as in the portable test.
    assert as_value(reference_encode(cardkey.CORP1000_35, 1337, 2137)) == 0x4A72010B3
    assert as_value(reference_encode(cardkey.CORP1000_48, 12345, 12345)) == 0x803039006072
    assert as_value(reference_encode(cardkey.H10301_26, 42, 69)) == 0b10010101000000000010001010


@settings(max_examples=400, deadline=None)
@given(cards())
def test_encode_matches_reference(card: tuple[int, int, int]) -> None:
    fmt, facility, number = card
    expected = reference_encode(fmt, facility, number)
    bits, value = wiegand.encode(fmt, facility, number)
    assert bits == len(expected) - 1
    assert value == as_value(expected)
    assert wiegand.bits_of_frame(bits, value) == expected[1:]


@settings(max_examples=400, deadline=None)
@given(cards())
def test_decode_and_key_round_trip(card: tuple[int, int, int]) -> None:
    fmt, facility, number = card
    frame = reference_encode(fmt, facility, number)
    bits, value = len(frame) - 1, as_value(frame)
    assert wiegand.decode(bits, value) == (fmt, facility, number)
    key = wiegand.card_key_of(bits, value)
    _, facility_at, card_at, _ = REFERENCE[fmt]
    payload = _get(frame, range(facility_at.start, card_at.stop))
    assert key == cardkey.card_key(fmt, payload)
    assert wiegand.card_key_for(fmt, facility, number) == key
    assert wiegand.fields_of_key(key) == (fmt, facility, number)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(sorted(REFERENCE)), st.data())
def test_random_frames_accepted_exactly_when_reference_parity_holds(
    fmt: int, data: st.DataObject
) -> None:
    bits, facility_at, card_at, _ = REFERENCE[fmt]
    value = data.draw(st.integers(0, (1 << bits) - 1))
    frame = as_frame(bits, value)
    if reference_valid(fmt, frame):
        assert wiegand.decode(bits, value) == (fmt, _get(frame, facility_at), _get(frame, card_at))
    else:
        try:
            wiegand.decode(bits, value)
        except WiegandError as err:
            assert " parity (bit " in str(err)
        else:
            raise AssertionError("accepted a frame whose parity fails: " + hex(value))


@settings(max_examples=400, deadline=None)
@given(cards(), st.data())
def test_any_single_bit_flip_is_rejected(card: tuple[int, int, int], data: st.DataObject) -> None:
    fmt, facility, number = card
    bits, value = wiegand.encode(fmt, facility, number)
    position = data.draw(st.integers(1, bits))
    flipped = as_frame(bits, value)
    flipped[position] ^= 1
    assert not reference_valid(fmt, flipped)
    try:
        wiegand.decode(bits, as_value(flipped))
    except WiegandError:
        pass
    else:
        raise AssertionError("bit " + str(position) + " flipped went unnoticed")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=1, max_size=wiegand.MAX_FRAME_BITS))
def test_frame_from_bits_round_trip(seq: list[int]) -> None:
    bits, value = wiegand.frame_from_bits(seq)
    assert bits == len(seq)
    assert value == int("".join(map(str, seq)), 2)
    assert wiegand.bits_of_frame(bits, value) == seq


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 56).filter(lambda n: n not in wiegand.KNOWN_LENGTHS), st.data())
def test_unknown_lengths_are_raw_keys_or_errors(bits: int, data: st.DataObject) -> None:
    value = data.draw(st.integers(0, (1 << bits) - 1))
    assert wiegand.decode(bits, value) == (cardkey.RAW_BASE + bits, None, value)
    assert wiegand.card_key_of(bits, value) == cardkey.card_key(cardkey.raw_format(bits), value)
    try:
        wiegand.decode(bits, value, unknown=wiegand.UNKNOWN_ERROR)
    except WiegandError as err:
        assert "no known Wiegand format has " + str(bits) + " bits" in str(err)
    else:
        raise AssertionError("unknown length accepted under the error policy")
