"""Outbox segment files: naming, header, the in-memory summary, and rewriting.

A segment is ``seg-<base seq, 20 digits>.log``: a 24-byte header (magic, format, base
seq, crc32) followed by records (see records.py). The base is the first seq the segment
was created for, so file names sort by seq and the newest name alone says which seqs
were ever handed out, even after every older segment has been pruned.
"""

from __future__ import annotations

import bisect
import os
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from edge.store import records
from edge.store.fsutil import fsync_dir, remove_if_exists, write_durable
from edge.store.records import Event, Found

MAGIC = b"VRTNK-OB"
FILE_FORMAT = 1
HEADER = struct.Struct(">8sIQ")  # magic, format, base seq; then crc32 of these 20 bytes
HEADER_SIZE = HEADER.size + 4
INDEX_EVERY = 64  # one (seq, offset) index entry per this many records
_NAME = re.compile(r"^seg-(\d{20})\.log$")
TEMP_SUFFIX = ".tmp"


def name_for(base_seq: int) -> str:
    return f"seg-{base_seq:020d}.log"


def base_of(name: str) -> int | None:
    """The base seq in a segment file name, None for any other name."""
    match = _NAME.match(name)
    return int(match.group(1)) if match else None


def header(base_seq: int) -> bytes:
    head = HEADER.pack(MAGIC, FILE_FORMAT, base_seq)
    return head + struct.pack(">I", zlib.crc32(head))


def header_problem(data: bytes, base_seq: int) -> str | None:
    """None when ``data`` starts with a valid header for ``base_seq``, else why not."""
    if len(data) < HEADER_SIZE:
        return f"{len(data)} bytes, shorter than the {HEADER_SIZE}-byte header"
    magic, fmt, base = HEADER.unpack_from(data)
    (crc,) = struct.unpack_from(">I", data, HEADER.size)
    if magic != MAGIC:
        return f"starts with {magic!r}, not {MAGIC!r}"
    if crc != zlib.crc32(data[:HEADER.size]):
        return "header checksum mismatch"
    if fmt != FILE_FORMAT:
        return f"segment format {fmt}, this agent reads format {FILE_FORMAT}"
    if base != base_seq:
        return f"header base seq {base} differs from the file name's {base_seq}"
    return None


@dataclass
class Segment:
    """What the outbox keeps in memory about one segment file."""

    path: Path
    base_seq: int
    size: int = HEADER_SIZE  # bytes in the file, all durable
    count: int = 0  # records in the file
    kept: int = 0  # of which alarms and markers
    first_seq: int = 0  # 0 while empty
    last_seq: int = 0  # 0 while empty
    index_seqs: list[int] = field(default_factory=list)
    index_offsets: list[int] = field(default_factory=list)

    def note(self, seq: int, offset: int, end: int, kept: bool) -> None:
        """Account for a record just appended (or found by a scan) at ``offset``."""
        if self.count % INDEX_EVERY == 0:
            self.index_seqs.append(seq)
            self.index_offsets.append(offset)
        if self.count == 0:
            self.first_seq = seq
        self.count += 1
        self.kept += kept
        self.last_seq = seq
        self.size = end

    def start_for(self, seq: int) -> tuple[int, int]:
        """``(offset, seq before it)`` of a record from which reading forward reaches ``seq``."""
        i = bisect.bisect_right(self.index_seqs, seq) - 1
        if i < 0:
            return HEADER_SIZE, self.base_seq - 1
        return self.index_offsets[i], self.index_seqs[i] - 1

    def reclaimable(self, acked_seq: int) -> bool:
        """Whether a rewrite would free anything: acked records or evictable ones."""
        return self.count > 0 and (self.first_seq <= acked_seq or self.count > self.kept)


def summarize(path: Path, base_seq: int, found: list[Found]) -> Segment:
    """A :class:`Segment` for a file whose valid records are ``found``."""
    seg = Segment(path, base_seq)
    for rec in found:
        seg.note(rec.seq, rec.offset, rec.end, rec.kept)
    return seg


def create(directory: Path, base_seq: int) -> Segment:
    """Create an empty segment durably (header fsynced, name committed)."""
    path = directory / name_for(base_seq)
    write_durable(path, header(base_seq))
    fsync_dir(directory)
    return Segment(path, base_seq)


def rewrite(seg: Segment, keep: list[tuple[Found, bytes]]) -> Segment | None:
    """Atomically replace ``seg``'s file with only the records ``keep`` (in order).

    ``keep`` pairs each record with its raw bytes. Returns the new summary, or None
    when nothing is kept and the file was deleted. A crash leaves the old file or the
    new one, and at worst a ``.tmp`` that the next open removes.
    """
    directory = seg.path.parent
    if not keep:
        remove_if_exists(seg.path)
        fsync_dir(directory)
        return None
    tmp = seg.path.with_name(seg.path.name + TEMP_SUFFIX)
    parts = [header(seg.base_seq)]
    new = Segment(seg.path, seg.base_seq)
    offset = HEADER_SIZE
    for rec, raw in keep:
        parts.append(raw)
        new.note(rec.seq, offset, offset + len(raw), rec.kept)
        offset += len(raw)
    write_durable(tmp, b"".join(parts))
    os.replace(tmp, seg.path)
    fsync_dir(directory)
    return new


def read_events(seg: Segment, after_seq: int, limit: int) -> list[Event]:
    """Up to ``limit`` events of ``seg`` with seq > ``after_seq``, in order.

    Reads forward in growing chunks from the nearest index entry. Should the file have
    been damaged since it was opened, the whole segment is rescanned, damage skipped.
    """
    events: list[Event] = []
    start, last = seg.start_for(after_seq + 1)
    chunk = 1 << 16
    with seg.path.open("rb") as f:
        f.seek(start)
        buf, base, pos = b"", start, 0  # buf holds the file from offset ``base``
        while base + pos < seg.size and len(events) < limit:
            rec = records.parse_at(buf, pos, last)
            if rec is None:
                if base + len(buf) >= seg.size:
                    return _read_damaged(seg, after_seq, limit)
                buf = buf[pos:] + f.read(min(chunk, seg.size - base - len(buf)))
                base, pos, chunk = base + pos, 0, chunk * 2
                continue
            if rec.seq > after_seq:
                events.append(records.decode(buf, rec))
            pos, last = rec.end, rec.seq
    return events


def _read_damaged(seg: Segment, after_seq: int, limit: int) -> list[Event]:
    data = seg.path.read_bytes()[:seg.size]
    found, _damage = records.scan(data, HEADER_SIZE, seg.base_seq - 1)
    return [records.decode(data, rec) for rec in found if rec.seq > after_seq][:limit]
