"""What the outbox finds on disk when it opens, before anything is changed.

:func:`survey` reads every segment, validates headers and records, and works out what
a crash or damage left behind: a torn tail on the active segment, damaged spans inside
files, an interrupted segment creation, leftover rewrite temporaries. Each damaged span
becomes a *lost range* of sequence numbers, so the outbox can tell the hub exactly which
seqs will never arrive (an ``outbox_lost`` marker) instead of leaving an unexplained gap.
The outbox then applies the repairs (see ``Outbox._recover``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from edge.store import records, segment
from edge.store.records import Found
from edge.store.segment import HEADER_SIZE, Segment


@dataclass
class SegmentScan:
    """One segment file as found: its summary, and the bytes of its valid records."""

    seg: Segment
    keep: list[tuple[Found, bytes]]
    damaged: bool = False  # needs a rewrite without the damaged bytes
    torn_at: int | None = None  # the active segment's torn tail starts here
    recreate: bool = False  # an interrupted creation: rewrite the bare header


@dataclass
class Survey:
    """Everything :func:`survey` found."""

    scans: list[SegmentScan] = field(default_factory=list)
    lost: list[tuple[int, int, str]] = field(default_factory=list)  # first, last, reason
    notes: list[str] = field(default_factory=list)  # notices: normal after a crash
    problems: list[str] = field(default_factory=list)  # warnings: damage was found
    last_seq: int = 0  # the highest seq ever handed out, as far as the files tell
    leftovers: list[Path] = field(default_factory=list)


def _read_synced(path: Path) -> bytes:
    """The file's bytes, fsynced first: after a kill, data may sit only in the page cache."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
        size = os.fstat(fd).st_size
        return os.pread(fd, size, 0)
    finally:
        os.close(fd)


def survey(directory: Path) -> Survey:
    """Read every segment in ``directory`` and decide what recovery must do."""
    out = Survey()
    bases: list[tuple[int, Path]] = []
    for path in directory.iterdir():
        if path.name.endswith(segment.TEMP_SUFFIX):
            out.leftovers.append(path)
            continue
        base = segment.base_of(path.name)
        if base is not None:
            bases.append((base, path))
    bases.sort()
    last = 0  # the last good seq seen so far
    damage_pending = False  # damage seen since ``last``
    for i, (base, path) in enumerate(bases):
        is_active = i == len(bases) - 1
        data = _read_synced(path)
        scan = SegmentScan(Segment(path, base), [])
        head_problem = segment.header_problem(data, base)
        found, damage = records.scan(data, HEADER_SIZE, max(last, base - 1))
        if head_problem and is_active and not found and (
                len(data) < HEADER_SIZE or not any(data)):
            # Killed while creating the segment: no record was ever written to it.
            scan.recreate = True
            out.notes.append(f"{path.name}: rewrote the header of a segment whose "
                             f"creation was interrupted ({len(data)} bytes)")
            out.scans.append(scan)
            continue
        if head_problem:
            scan.damaged = True
            out.problems.append(f"{path.name}: damaged header ({head_problem})")
            damage_pending = True
        if is_active and damage and damage[-1].end == len(data) and not head_problem:
            torn = damage.pop()
            scan.torn_at = torn.offset
            out.notes.append(
                f"{path.name}: discarded {torn.end - torn.offset} bytes of a record torn by "
                "a crash mid-append (its caller was never told it was stored)")
        inner = list(damage)  # damage other than a torn tail: the file needs a rewrite
        for rec in found:
            in_damage = any(d.end <= rec.offset for d in damage)
            if (damage_pending or in_damage) and rec.seq > last + 1:
                out.lost.append((last + 1, rec.seq - 1, "damaged"))
            damage = [d for d in damage if d.end > rec.offset]
            damage_pending = False
            scan.keep.append((rec, data[rec.offset:rec.end]))
            last = rec.seq
        if damage:
            damage_pending = True
        if inner or (head_problem and found):
            scan.damaged = True
            spans = ", ".join(f"bytes {d.offset}..{d.end}" for d in inner)
            if spans:
                out.problems.append(f"{path.name}: damaged records at {spans}")
        if scan.torn_at is not None:
            # The seq the torn record carried may have touched the disk: never reuse it.
            last = max(last + 1, base)
            out.lost.append((last, last, "torn"))
        scan.seg = segment.summarize(path, base, [f for f, _raw in scan.keep])
        if scan.torn_at is not None:
            scan.seg.size = scan.torn_at
        out.scans.append(scan)
    if damage_pending and bases:
        # Damage with no good record after it: everything up to the active segment's
        # base (or one seq, if the damage is in the active segment) is gone.
        active_base = bases[-1][0]
        end = max(last + 1, active_base if out.scans[-1].damaged else active_base - 1)
        out.lost.append((last + 1, end, "damaged"))
        last = end
    out.last_seq = max([last] + [b - 1 for b, _p in bases[-1:]])
    return out
