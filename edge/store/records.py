"""Outbox record framing: length + CRC32 per record, and a scanner that finds damage.

One record, big-endian::

    u32 body length | u32 crc32(body) | body = u64 seq | u8 flags | u8 kind length
                                              | kind (ASCII) | payload (the caller's CBOR)

A crash mid-append leaves a *torn tail*: a record whose length runs past the end of the
file or whose CRC does not match. The scanner never reads such bytes as an event. It
also survives damage in the middle of a file (a bad SD-card sector): after an invalid
record it looks for the next valid one with a higher sequence number, so the records
behind the damage are not thrown away with it.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

FRAME = struct.Struct(">II")  # body length, crc32 of the body
BODY = struct.Struct(">QBB")  # seq, flags, kind length
OVERHEAD = FRAME.size + BODY.size  # 18 bytes + kind + payload
FLAG_KEPT = 0x01  # an alarm or a marker: never evicted when the outbox is full
MAX_KIND = 32  # the wire's limit on an event kind (a lower-case word)
MAX_BODY = 1 << 24  # sanity bound on a length field; real records are far smaller
# A record's seq is above the previous one's but not absurdly: a damaged byte that
# happens to give a valid CRC over garbage is then still rejected by this window.
MAX_SEQ_JUMP = 1 << 40


class Event(NamedTuple):
    """One stored event."""

    seq: int
    kind: str
    payload: bytes
    kept: bool  # an alarm or a marker (never evicted)


class Found(NamedTuple):
    """Where a valid record lies in a segment's bytes."""

    offset: int
    end: int
    seq: int
    kept: bool


class Damage(NamedTuple):
    """Bytes ``[offset, end)`` that hold no valid record."""

    offset: int
    end: int


def record_size(kind: str, payload: bytes) -> int:
    """Bytes one record takes on disk."""
    return OVERHEAD + len(kind) + len(payload)


def encode(seq: int, kind: str, payload: bytes, kept: bool) -> bytes:
    """The bytes of one record (kind and payload already validated by the caller)."""
    kind_bytes = kind.encode("ascii")
    body = BODY.pack(seq, FLAG_KEPT if kept else 0, len(kind_bytes)) + kind_bytes + payload
    return FRAME.pack(len(body), zlib.crc32(body)) + body


def parse_at(data: bytes | memoryview, pos: int, after_seq: int) -> Found | None:
    """The valid record starting at ``pos`` with seq > ``after_seq``, or None."""
    if pos + OVERHEAD > len(data):
        return None
    length, crc = FRAME.unpack_from(data, pos)
    end = pos + FRAME.size + length
    if length < BODY.size or length > MAX_BODY or end > len(data):
        return None
    seq, flags, kind_len = BODY.unpack_from(data, pos + FRAME.size)
    if not after_seq < seq <= after_seq + MAX_SEQ_JUMP or BODY.size + kind_len > length:
        return None
    if zlib.crc32(data[pos + FRAME.size:end]) != crc:
        return None
    return Found(pos, end, seq, bool(flags & FLAG_KEPT))


def decode(data: bytes | memoryview, found: Found) -> Event:
    """The event stored in a record that :func:`parse_at` accepted."""
    body = found.offset + FRAME.size
    _seq, _flags, kind_len = BODY.unpack_from(data, body)
    kind_at = body + BODY.size
    kind = bytes(data[kind_at:kind_at + kind_len]).decode("ascii", "replace")
    return Event(found.seq, kind, bytes(data[kind_at + kind_len:found.end]), found.kept)


def scan(data: bytes | memoryview, start: int, after_seq: int) -> tuple[list[Found], list[Damage]]:
    """Every valid record from ``start`` on (seqs strictly increasing) and the damage between.

    A :class:`Damage` at the very end is a torn tail when this is the segment being
    appended to; anywhere else it is corruption.
    """
    found: list[Found] = []
    damage: list[Damage] = []
    pos, last = start, after_seq
    while pos < len(data):
        record = parse_at(data, pos, last)
        if record is None:
            nxt = _resync(data, pos + 1, last)
            end = len(data) if nxt is None else nxt.offset
            damage.append(Damage(pos, end))
            if nxt is None:
                break
            record = nxt
        found.append(record)
        pos, last = record.end, record.seq
    return found, damage


def _resync(data: bytes | memoryview, pos: int, after_seq: int) -> Found | None:
    """The first valid record at or after ``pos`` (slow: only used past damage)."""
    while pos + OVERHEAD <= len(data):
        record = parse_at(data, pos, after_seq)
        if record is not None:
            return record
        pos += 1
    return None
