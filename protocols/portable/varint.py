"""LEB128 varints for strictly ascending integer sequences (card keys, schedule boundaries).

A sequence is written as its first value, then the difference to the previous value
(always >= 1). Sorted card keys issued in batches differ by 1, so most cost one byte.
Decoding is strict so equal content always has equal bytes: no zero difference, no
non-shortest varint (a last byte of 0 after a continuation byte), no truncation, nothing
above the array's range.
"""

from array import array

from protocols.portable.errors import AccessListError

_MAX = {"Q": (1 << 64) - 1, "I": 0xFFFFFFFF}


def encode_ascending(values: "list[int] | array[int]", what: str = "values") -> bytes:
    """The varint bytes of strictly ascending non-negative ``values``."""
    out = bytearray()
    prev = -1
    for value in values:
        if value <= prev or value < 0:
            raise AccessListError(
                what + " must be strictly ascending and >= 0; " + str(value)
                + " follows " + str(prev)
            )
        d = value - prev if prev >= 0 else value
        prev = value
        while d > 0x7F:
            out.append((d & 0x7F) | 0x80)
            d >>= 7
        out.append(d)
    return bytes(out)


def decode_ascending(data: bytes, typecode: str, what: str) -> "array[int]":
    """The array (``'Q'`` or ``'I'``) that :func:`encode_ascending` wrote as ``data``.

    Raises AccessListError naming ``what`` and the byte offset when the bytes are not
    the canonical encoding of a strictly ascending sequence within the array's range.
    """
    if not isinstance(data, bytes):
        raise AccessListError(what + " must be bytes, got " + type(data).__name__)
    limit = _MAX[typecode]
    out = array(typecode)
    acc = 0
    shift = 0
    prev = -1
    pos = 0
    for b in data:
        if shift and not b:
            raise AccessListError(what + ": non-shortest varint at byte " + str(pos))
        acc |= (b & 0x7F) << shift
        pos += 1
        if b & 0x80:
            shift += 7
            if shift > 63:
                raise AccessListError(what + ": varint longer than 64 bits at byte " + str(pos))
            continue
        if prev < 0:
            value = acc
        else:
            if not acc:
                raise AccessListError(
                    what + ": value " + str(prev) + " repeats (not strictly ascending) at item "
                    + str(len(out))
                )
            value = prev + acc
        if value > limit:
            raise AccessListError(
                what + ": value " + str(value) + " at item " + str(len(out))
                + " is above " + str(limit)
            )
        out.append(value)
        prev = value
        acc = 0
        shift = 0
    if shift:
        raise AccessListError(what + ": truncated varint at the end")
    return out


def encode_uints(values: "list[int] | array[int]") -> bytes:
    """Non-negative ints as plain varints, one after the other (no ordering implied)."""
    out = bytearray()
    for value in values:
        d = value
        while d > 0x7F:
            out.append((d & 0x7F) | 0x80)
            d >>= 7
        out.append(d)
    return bytes(out)


def decode_uints(data: bytes, limit: int, what: str) -> "list[int]":
    """The ints :func:`encode_uints` wrote, each at most ``limit``; strict like decode_ascending."""
    if not isinstance(data, bytes):
        raise AccessListError(what + " must be bytes, got " + type(data).__name__)
    out: list[int] = []
    acc = 0
    shift = 0
    pos = 0
    for b in data:
        if shift and not b:
            raise AccessListError(what + ": non-shortest varint at byte " + str(pos))
        acc |= (b & 0x7F) << shift
        pos += 1
        if b & 0x80:
            shift += 7
            if shift > 63:
                raise AccessListError(what + ": varint longer than 64 bits at byte " + str(pos))
            continue
        if acc > limit:
            raise AccessListError(
                what + ": value " + str(acc) + " at item " + str(len(out)) + " is above "
                + str(limit)
            )
        out.append(acc)
        acc = 0
        shift = 0
    if shift:
        raise AccessListError(what + ": truncated varint at the end")
    return out
