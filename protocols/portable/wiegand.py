"""Wiegand card formats: encode, decode and parity checks, the same on hub and edge.

A frame is ``(bits, value)``: how many bits the reader sent and their value as an unsigned
integer whose most significant bit is the first bit transmitted. Bit positions in this
module and in its error messages are 1-based in transmission order, as HID's format
sheets number them ("bit 1" is the leading parity bit).

Formats: H10301 (26 bits), H10306 (34), Corporate 1000 (35 and 48), H10304 (37) and raw
N-bit frames (1-56, no parity). docs/wiegand.md tables their fields and parity bits and
says where each definition and test vector comes from.

The card key (cardkey.py) of a decoded frame is its payload without parity bits, i.e.
``(facility << card_bits) | card``; a raw frame's key is its whole value. A frame of a
known length whose parity fails is always an error, never re-read as raw: a corrupted
read must not turn into some other card's key.
"""

from protocols.portable import cardkey
from protocols.portable.errors import WiegandError

# What decode() does with a length that matches no known format (the edge's reader
# config chooses): read the whole frame as a raw N-bit key, or reject it.
UNKNOWN_RAW = "raw"
UNKNOWN_ERROR = "error"

# Longest frame frame_from_bits()/decode() accept at all. Real readers send at most a few
# dozen bits (75 for PIV); anything longer is line noise, and bounding it keeps a noisy
# line from building huge integers on a small board.
MAX_FRAME_BITS = 128

_EVEN = 0
_ODD = 1
_KIND_NAMES = ("even", "odd")


def _mask(bits: int, positions: "range | list[int]") -> int:
    """Bit mask of 1-based transmission positions in a ``bits``-bit frame."""
    mask = 0
    for position in positions:
        mask |= 1 << (bits - position)
    return mask


def _span(bits: int, first: int, last: int) -> int:
    return _mask(bits, range(first, last + 1))


def _span_skipping(bits: int, first: int, last: int, remainder: int) -> int:
    """Positions first..last except those with ``position % 3 == remainder``.

    Corporate 1000 parity bits each cover two of every three bits; this is how HID's
    format sheets describe them.
    """
    return _mask(bits, [p for p in range(first, last + 1) if p % 3 != remainder])


class _Format:
    """One parity-checked format: field layout and parity checks in encode order."""

    def __init__(
        self, fmt: int, bits: int, *, label: str, facility_first: int, facility_bits: int,
        card_bits: int, checks: list[tuple[int, int, int]],
    ) -> None:
        self.fmt = fmt
        self.name = cardkey.format_name(fmt)
        self.bits = bits
        self.field_label = label  # "facility" or "company id", for error messages
        self.facility_bits = facility_bits
        self.card_bits = card_bits
        # The card number directly follows the facility, so the payload (card key value)
        # is one contiguous run of bits; these are its shifts within the frame value.
        self.card_shift = bits - (facility_first + facility_bits + card_bits - 1)
        self.facility_shift = self.card_shift + card_bits
        # (parity bit position, _EVEN or _ODD, mask of the bits it covers), computed in this
        # order: Corporate 1000's bit 35 covers bit 2, and its bit 1 covers everything.
        self.checks = checks


def _formats() -> "dict[int, _Format]":
    h26 = _Format(
        cardkey.H10301_26, 26, label="facility", facility_first=2, facility_bits=8,
        card_bits=16, checks=[(1, _EVEN, _span(26, 2, 13)), (26, _ODD, _span(26, 14, 25))],
    )
    h34 = _Format(
        cardkey.H10306_34, 34, label="facility", facility_first=2, facility_bits=16,
        card_bits=16, checks=[(1, _EVEN, _span(34, 2, 17)), (34, _ODD, _span(34, 18, 33))],
    )
    c35 = _Format(
        cardkey.CORP1000_35, 35, label="company id", facility_first=3, facility_bits=12,
        card_bits=20, checks=[
            # bit 2: even over 3,4,6,7,...,33,34 (skips 5, 8, ..., 32)
            (2, _EVEN, _span_skipping(35, 3, 34, 2)),
            # bit 35: odd over 2,3,5,6,...,32,33 (skips 4, 7, ..., 34); covers bit 2
            (35, _ODD, _span_skipping(35, 2, 34, 1)),
            (1, _ODD, _span(35, 2, 35)),
        ],
    )
    # Bit 19 (the first card bit) is covered by both parity bits: each covers 18 bits.
    h37 = _Format(
        cardkey.H10304_37, 37, label="facility", facility_first=2, facility_bits=16,
        card_bits=19, checks=[(1, _EVEN, _span(37, 2, 19)), (37, _ODD, _span(37, 19, 36))],
    )
    c48 = _Format(
        cardkey.CORP1000_48, 48, label="company id", facility_first=3, facility_bits=22,
        card_bits=23, checks=[
            # bit 2: even over 4,5,7,8,...,46,47 (skips 3, 6, ..., 45)
            (2, _EVEN, _span_skipping(48, 3, 47, 0)),
            # bit 48: odd over 3,4,6,7,...,45,46 (skips 5, 8, ..., 47)
            (48, _ODD, _span_skipping(48, 3, 47, 2)),
            (1, _ODD, _span(48, 2, 48)),
        ],
    )
    return {f.fmt: f for f in (h26, h34, c35, h37, c48)}


_FORMATS = _formats()
_BY_LENGTH = {f.bits: f for f in _FORMATS.values()}
KNOWN_LENGTHS = tuple(sorted(_BY_LENGTH))


def _ones_parity(x: int) -> int:
    """1 if ``x`` (below 2**64) has an odd number of set bits, else 0."""
    # Fold halves together: six steps instead of one per set bit, which matters for
    # MicroPython's long ints above 30 bits.
    for shift in (32, 16, 8, 4, 2, 1):
        x ^= x >> shift
    return x & 1


def _positions_text(bits: int, mask: int) -> str:
    """``mask``'s positions as runs: "2-13" or "3-4,6-7,...,33-34"."""
    runs = []
    position = 1
    while position <= bits:
        if mask >> (bits - position) & 1:
            first = position
            while position < bits and mask >> (bits - position - 1) & 1:
                position += 1
            runs.append(str(first) if first == position else str(first) + "-" + str(position))
        position += 1
    return ",".join(runs)


def _check_count(bits: int) -> None:
    if bits < 1 or bits > MAX_FRAME_BITS:
        raise WiegandError(
            "a Wiegand frame has 1 to " + str(MAX_FRAME_BITS) + " bits, got " + str(bits)
        )


def _check_frame(bits: object, value: object) -> None:
    # Typed as object: frames come from readers and other runtimes, so check at run time.
    if not isinstance(bits, int) or not isinstance(value, int):
        raise WiegandError("a Wiegand frame is (bit count, value) as two integers")
    _check_count(bits)
    if value < 0 or value >> bits:
        raise WiegandError("frame value does not fit in " + str(bits) + " bits")


def _parity_errors(spec: _Format, value: int) -> list[str]:
    """Messages for every parity check the frame fails, in the format's check order."""
    errors = []
    for position, kind, mask in spec.checks:
        own = 1 << (spec.bits - position)
        if _ones_parity(value & (mask | own)) != kind:
            errors.append(
                _KIND_NAMES[kind] + " parity (bit " + str(position) + ") fails over bits "
                + _positions_text(spec.bits, mask)
            )
    return errors


def _raw_bits(fmt: int) -> int:
    """N for a raw N-bit format id, else 0."""
    if cardkey.RAW_BASE < fmt <= cardkey.RAW_BASE + cardkey.VALUE_BITS:
        return fmt - cardkey.RAW_BASE
    return 0


def _spec(format_id: int) -> _Format:
    spec = _FORMATS.get(format_id)
    if spec is None:
        name = cardkey.format_name(format_id) + " (id " + str(format_id) + ")"
        raise WiegandError("format " + name + " has no Wiegand encoding")
    return spec


def frame_bits(format_id: int) -> int:
    """How many bits a frame of ``format_id`` has (raw N-bit formats: N)."""
    return _raw_bits(format_id) or _spec(format_id).bits


def decode(
    bits: int, value: int, expected_format: int | None = None, unknown: str = UNKNOWN_RAW,
) -> tuple[int, int | None, int]:
    """Check a frame's length and parity; return ``(format id, facility, card)``.

    With ``expected_format`` (a format id from cardkey, raw ones included) the frame must
    have that format's length. Without it the length picks the format (26, 34, 35, 37,
    48 bits); other lengths follow ``unknown``: UNKNOWN_RAW reads the frame as a raw
    N-bit value (format ``RAW_BASE + N``, facility None, card = the whole value, at most
    56 bits), UNKNOWN_ERROR rejects it. Corporate 1000 "facility" is the company id.
    Raises WiegandError saying which check failed.
    """
    if unknown not in (UNKNOWN_RAW, UNKNOWN_ERROR):
        raise WiegandError("unknown-length policy must be 'raw' or 'error', got " + repr(unknown))
    _check_frame(bits, value)
    if expected_format is None:
        spec = _BY_LENGTH.get(bits)
        if spec is None:
            if unknown == UNKNOWN_ERROR:
                raise WiegandError(
                    "no known Wiegand format has " + str(bits) + " bits (known: "
                    + ", ".join(str(n) for n in KNOWN_LENGTHS) + "); this reader rejects "
                    "unknown lengths"
                )
            return _decode_raw(bits, value)
    else:
        raw = _raw_bits(expected_format)
        if raw:
            if bits != raw:
                raise _wrong_length(bits, cardkey.format_name(expected_format), raw)
            return _decode_raw(bits, value)
        spec = _spec(expected_format)
        if bits != spec.bits:
            raise _wrong_length(bits, spec.name, spec.bits)
    errors = _parity_errors(spec, value)
    if errors:
        raise WiegandError(spec.name + ": " + "; ".join(errors))
    facility = (value >> spec.facility_shift) & ((1 << spec.facility_bits) - 1)
    card = (value >> spec.card_shift) & ((1 << spec.card_bits) - 1)
    return spec.fmt, facility, card


def _wrong_length(bits: int, name: str, need: int) -> WiegandError:
    return WiegandError("wrong length: got " + str(bits) + " bits, " + name + " needs " + str(need))


def _decode_raw(bits: int, value: int) -> tuple[int, int | None, int]:
    if bits > cardkey.VALUE_BITS:
        raise WiegandError(
            "a raw card key holds at most " + str(cardkey.VALUE_BITS) + " bits, got a "
            + str(bits) + "-bit frame; configure this reader's format"
        )
    return cardkey.RAW_BASE + bits, None, value


def _fields(spec: _Format, facility: object, card: object) -> tuple[int, int]:
    """``(facility, card)`` checked against the format's field widths."""
    if not isinstance(facility, int) or not isinstance(card, int):
        raise WiegandError(spec.name + " needs an integer " + spec.field_label + " and card")
    top = (1 << spec.facility_bits) - 1
    if facility < 0 or facility > top:
        raise WiegandError(
            spec.field_label + " " + str(facility) + " is out of range for " + spec.name
            + ": 0.." + str(top)
        )
    top = (1 << spec.card_bits) - 1
    if card < 0 or card > top:
        raise WiegandError(
            "card number " + str(card) + " is out of range for " + spec.name + ": 0.."
            + str(top)
        )
    return facility, card


def _raw_value(format_id: int, facility: object, value: object) -> int:
    """``value`` checked against a raw format's width (raw formats have no facility)."""
    raw = _raw_bits(format_id)
    if facility is not None and facility != 0:
        raise WiegandError(cardkey.format_name(format_id) + " has no facility; pass None")
    if not isinstance(value, int) or value < 0 or value >> raw:
        raise WiegandError(
            "value " + str(value) + " is out of range for " + cardkey.format_name(format_id)
            + ": 0.." + str((1 << raw) - 1)
        )
    return value


def encode(format_id: int, facility: int | None, card: int) -> tuple[int, int]:
    """The frame ``(bits, value)`` of a card, parity bits set.

    For a raw N-bit format, ``facility`` is None and ``card`` is the whole value.
    Raises WiegandError for an unknown format or a field out of the format's range.
    """
    if _raw_bits(format_id):
        return _raw_bits(format_id), _raw_value(format_id, facility, card)
    spec = _spec(format_id)
    facility, card = _fields(spec, facility, card)
    value = (facility << spec.facility_shift) | (card << spec.card_shift)
    for position, kind, mask in spec.checks:
        value |= (_ones_parity(value & mask) ^ kind) << (spec.bits - position)
    return spec.bits, value


def card_key_for(format_id: int, facility: int | None, card: int) -> int:
    """The card key of a card given by its fields (what the hub stores for a badge)."""
    if _raw_bits(format_id):
        return cardkey.card_key(format_id, _raw_value(format_id, facility, card))
    spec = _spec(format_id)
    facility, card = _fields(spec, facility, card)
    return cardkey.card_key(format_id, (facility << spec.card_bits) | card)


def card_key_of(
    bits: int, value: int, expected_format: int | None = None, unknown: str = UNKNOWN_RAW,
) -> int:
    """The card key of a received frame (arguments and errors as for decode())."""
    fmt, facility, card = decode(bits, value, expected_format, unknown)
    if facility is None:
        return cardkey.card_key(fmt, card)
    return cardkey.card_key(fmt, (facility << _FORMATS[fmt].card_bits) | card)


def fields_of_key(key: int) -> tuple[int, int | None, int]:
    """``(format id, facility, card)`` of a card key: the inverse of card_key_for()."""
    fmt, payload = cardkey.split_key(key)
    if _raw_bits(fmt):
        return fmt, None, payload
    spec = _spec(fmt)
    if payload >> (spec.facility_bits + spec.card_bits):
        raise WiegandError("card key value does not fit " + spec.name)
    return fmt, payload >> spec.card_bits, payload & ((1 << spec.card_bits) - 1)


def frame_from_bits(seq: "list[int] | tuple[int, ...] | bytes") -> tuple[int, int]:
    """``(bits, value)`` of 0/1 bits in transmission order.

    The edge's Wiegand reader calls this with the bits it collected from the D0/D1 lines.
    """
    bits = len(seq)
    _check_count(bits)
    value = 0
    for index, bit in enumerate(seq):
        if bit == 1:
            value = (value << 1) | 1
        elif bit == 0:
            value <<= 1
        else:
            raise WiegandError("bit " + str(index + 1) + " is " + repr(bit) + ", not 0 or 1")
    return bits, value


bits_from_list = frame_from_bits  # the name issue 2 gives the same helper


def bits_of_frame(bits: int, value: int) -> list[int]:
    """The 0/1 bits of a frame in transmission order: the inverse of frame_from_bits()."""
    _check_frame(bits, value)
    return [(value >> (bits - i)) & 1 for i in range(1, bits + 1)]
