"""Field checks shared by the builder, the snapshot decoder and the delta code.

Each raises AccessListError whose message starts with ``what`` (the field, e.g.
``snapshot 'vx'[3] valid_to``) so a technician can find the offending value.
"""

from array import array

from protocols.portable.accesslist_model import (
    CARD_FLAGS,
    READER_FLAGS,
    READER_MAX,
    TIME_MAX,
)
from protocols.portable.errors import AccessListError
from protocols.portable.varint import decode_ascending


def uint(value: object, limit: int, what: str) -> int:
    """``value`` if it is an int in ``0..limit``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise AccessListError(what + " must be an integer, got " + type(value).__name__)
    if value < 0 or value > limit:
        raise AccessListError(what + " must be 0.." + str(limit) + ", got " + str(value))
    return value


def index(value: object, count: int, what: str, table: str) -> int:
    """``value`` if it is a valid index into a table of ``count`` entries called ``table``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise AccessListError(what + " must be an integer, got " + type(value).__name__)
    if value < 0 or value >= count:
        raise AccessListError(
            what + " refers to " + table + " " + str(value) + " but there are only "
            + str(count)
        )
    return value


def text(value: object, limit: int, what: str) -> str:
    if not isinstance(value, str):
        raise AccessListError(what + " must be text, got " + type(value).__name__)
    if len(value) > limit:
        raise AccessListError(what + " is longer than " + str(limit) + " characters")
    return value


def raw(value: object, what: str, size: int = -1, limit: int = -1) -> bytes:
    """``value`` if it is bytes of exactly ``size`` (or at most ``limit``) bytes."""
    if not isinstance(value, bytes):
        raise AccessListError(what + " must be bytes, got " + type(value).__name__)
    if size >= 0 and len(value) != size:
        raise AccessListError(what + " must be " + str(size) + " bytes, got " + str(len(value)))
    if 0 <= limit < len(value):
        raise AccessListError(what + " must be at most " + str(limit) + " bytes")
    return value


def array_of(value: object, what: str, size: int = -1) -> "list[object]":
    """``value`` if it is a list (of exactly ``size`` items when given)."""
    if not isinstance(value, list):
        raise AccessListError(what + " must be an array, got " + type(value).__name__)
    if size >= 0 and len(value) != size:
        raise AccessListError(
            what + " must have " + str(size) + " items, got " + str(len(value))
        )
    return value


def card_flags(value: object, what: str) -> int:
    flags = uint(value, 0xFF, what)
    if flags & ~CARD_FLAGS:
        raise AccessListError(what + " has unknown card flag bits " + hex(flags & ~CARD_FLAGS))
    return flags


def reader_flags(value: object, what: str) -> int:
    flags = uint(value, 0xFF, what)
    if flags & ~READER_FLAGS:
        raise AccessListError(
            what + " has unknown reader flag bits " + hex(flags & ~READER_FLAGS)
        )
    return flags


def validity(valid_from: object, valid_to: object, what: str) -> "tuple[int, int]":
    """A badge validity ``[valid_from, valid_to)``: both 32-bit times, not empty."""
    vf = uint(valid_from, TIME_MAX, what + " valid_from")
    vt = uint(valid_to, TIME_MAX, what + " valid_to")
    if vf >= vt:
        raise AccessListError(
            what + " validity [" + str(vf) + ", " + str(vt) + ") is empty; a card that can"
            " never open is left out of the list"
        )
    return vf, vt


def horizon(start: object, end: object, what: str) -> "tuple[int, int]":
    hs = uint(start, TIME_MAX, what + " horizon start")
    he = uint(end, TIME_MAX, what + " horizon end")
    if hs >= he:
        raise AccessListError(
            what + " horizon [" + str(hs) + ", " + str(he) + ") is empty"
        )
    return hs, he


def schedule_bytes(data: object, what: str) -> "array[int]":
    """The boundaries array ('I') of a schedule encoded as varints; pairs, strictly ascending."""
    boundaries = decode_ascending(raw(data, what), "I", what)
    if len(boundaries) & 1:
        raise AccessListError(
            what + " has an odd number of boundaries (" + str(len(boundaries))
            + "); every window needs a start and an end"
        )
    return boundaries


def profile_pairs(
    flat: object, what: str, readers: "dict[int, int]", schedule_count: int
) -> "dict[int, int]":
    """A profile ``[reader, schedule, ...]`` (readers ascending) as ``{reader: schedule}``.

    Every reader must be a key of ``readers``; every schedule an index below
    ``schedule_count``.
    """
    items = array_of(flat, what)
    if len(items) & 1:
        raise AccessListError(what + " must hold reader, schedule pairs (odd length)")
    out = {}
    prev = -1
    for j in range(0, len(items), 2):
        rid = uint(items[j], READER_MAX, what + " reader")
        if rid <= prev:
            raise AccessListError(what + " readers must be ascending; " + str(rid)
                                  + " follows " + str(prev))
        if rid not in readers:
            raise AccessListError(what + " names reader " + str(rid) + ", which is not listed")
        out[rid] = index(items[j + 1], schedule_count, what + " reader " + str(rid), "schedule")
        prev = rid
    return out
