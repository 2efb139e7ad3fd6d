"""The event outbox: a durable, append-only, segmented log of events for the hub.

Every event gets the next per-controller sequence number; :meth:`Outbox.append`
returns it only once the record is on disk (``fdatasync``), and a sequence number is
never handed out twice, across restarts and crashes. The hub acknowledges the highest
contiguous seq it committed; :meth:`Outbox.ack` persists that and deletes segment files
that hold only acknowledged events. When the configured capacity is reached, the policy
in docs/edge-store.md applies: acknowledged records go first, then the *oldest
unacknowledged non-alarm* events are evicted and an ``outbox_dropped`` marker event
names them; alarms and markers are never evicted. Nothing is ever dropped silently.

Files in the outbox directory: ``seg-<base seq>.log`` (records.py, segment.py) and
``acked`` (ackfile.py). One process owns a directory; threads may share an instance.
"""

from __future__ import annotations

import bisect
import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import cbor2

from edge.store import records, recovery, segment
from edge.store.ackfile import AckFile
from edge.store.errors import (
    AckError,
    OutboxClosedError,
    OutboxError,
    OutboxFullError,
)
from edge.store.fsutil import datasync, fsync_dir, remove_if_exists, write_all
from edge.store.outbox_types import (
    DEFAULT_ALARM_KINDS,
    MARKER_DROPPED,
    MARKER_KINDS,
    MARKER_LOST,
    MARKER_REJECTED,
    OutboxConfig,
    OutboxStats,
    OutboxStatus,
    open_status,
)
from edge.store.records import Event
from edge.store.segment import Segment
from protocols.portable.names import is_word

log = logging.getLogger(__name__)
ACK_FILE = "acked"

__all__ = ["DEFAULT_ALARM_KINDS", "Event", "Outbox", "OutboxConfig", "OutboxStats",
           "OutboxStatus"]

class Outbox:
    """The durable event log in ``directory``; see the module docstring."""

    def __init__(self, directory: Path | str, config: OutboxConfig | None = None) -> None:
        self.directory = Path(directory)
        self.config = config or OutboxConfig()
        self.config.check()
        self._lock = threading.RLock()
        self._segments: list[Segment] = []
        self._fd: int | None = None
        self._next_seq = 1
        self._acked = 0
        self._dropped = self._rejected = self._rejected_pending = 0
        self._broken: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._ackfile = AckFile(self.directory / ACK_FILE)
            self.status = self._recover()
        except OSError as err:
            self.close()
            raise OutboxError(f"cannot open the outbox in {self.directory}: "
                              f"{err.strerror or err}") from err

    # -- opening ---------------------------------------------------------------------

    def _recover(self) -> OutboxStatus:
        found = recovery.survey(self.directory)
        notes, problems = list(found.notes), list(found.problems)
        for path in found.leftovers:
            remove_if_exists(path)
            notes.append(f"{path.name}: removed a leftover of an interrupted rewrite")
        if self._ackfile.problem:
            problems.append(self._ackfile.problem)
        self._acked = self._ackfile.acked
        self._next_seq = found.last_seq + 1
        if self._acked >= self._next_seq:
            problems.append(f"acknowledged seq {self._acked} is beyond the last stored event "
                            f"{found.last_seq}: events are missing from the outbox files")
            self._next_seq = self._acked + 1
        self._segments = [scan.seg for scan in found.scans]
        for scan in found.scans:
            if scan.torn_at is not None:
                os.truncate(scan.seg.path, scan.torn_at)
            if scan.recreate:
                scan.seg = segment.create(self.directory, scan.seg.base_seq)
                self._segments[-1] = scan.seg
        active = self._segments[-1] if self._segments else None
        if active is None or found.scans[-1].damaged:
            # Damaged segments are rewritten only after the markers naming their lost
            # seqs are durable, so the active segment must be a fresh one.
            self._segments.append(segment.create(self.directory, self._next_seq))
        self._open_active()
        for first, last, reason in found.lost:
            self._write_marker(MARKER_LOST, {"first": first, "last": last, "reason": reason})
        for scan in found.scans:
            if scan.damaged:
                self._replace(scan.seg, segment.rewrite(scan.seg, scan.keep))
        fsync_dir(self.directory)
        self._prune()
        return open_status(notes, problems, found.lost)

    def _open_active(self) -> None:
        self._close_fd()
        self._fd = os.open(self._segments[-1].path, os.O_WRONLY | os.O_APPEND)

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # -- appending -------------------------------------------------------------------

    def append(self, kind: str, payload: bytes) -> int:
        """Store one event durably and return its sequence number."""
        return self.append_many([(kind, payload)])[0]

    def append_many(self, events: Iterable[tuple[str, bytes]]) -> list[int]:
        """Store a batch durably with one ``fdatasync``; their seqs, in order.

        All or nothing: on :class:`OutboxFullError` or any other error no seq is
        returned (after a crash, a prefix of the batch may be stored: each record
        stands alone, and none was reported).
        """
        items = [self._validated(kind, payload) for kind, payload in events]
        if not items:
            return []
        need = sum(records.record_size(kind, payload) for kind, payload, _kept in items)
        with self._lock:
            self._check_usable()
            try:
                self._make_room(need, len(items), all(kept for _k, _p, kept in items))
            except OutboxFullError:
                self._rejected += len(items)
                self._rejected_pending += len(items)
                raise
            if self._rejected_pending:
                self._write_marker(MARKER_REJECTED, {"n": self._rejected_pending,
                                                     "reason": "full"})
                self._rejected_pending = 0
            return self._write(items)

    def _validated(self, kind: str, payload: bytes) -> tuple[str, bytes, bool]:
        if not is_word(kind, records.MAX_KIND):
            raise OutboxError(f"event kind must be a lower-case word of 1..{records.MAX_KIND} "
                              f"characters [a-z0-9_] (as on the wire), got {kind!r}")
        if kind in MARKER_KINDS:
            raise OutboxError(f"event kind {kind!r} is reserved for the outbox's own markers")
        if not isinstance(payload, bytes | bytearray | memoryview):
            raise OutboxError(f"event payload must be bytes (CBOR), got {type(payload).__name__}")
        if len(payload) > self.config.max_payload:
            raise OutboxError(f"event payload of {len(payload)} bytes exceeds the "
                              f"{self.config.max_payload}-byte limit")
        return kind, bytes(payload), kind in self.config.alarm_kinds

    def _check_usable(self) -> None:
        if self._broken is not None:
            raise OutboxClosedError(self._broken)

    def _write(self, items: list[tuple[str, bytes, bool]]) -> list[int]:
        need = sum(records.record_size(kind, payload) for kind, payload, _kept in items)
        if self._segments[-1].count and self._segments[-1].size + need > self.config.segment_bytes:
            self._rotate()
        active, fd = self._segments[-1], self._fd
        assert fd is not None
        first, offset, blobs, notes = self._next_seq, active.size, [], []
        for i, (kind, payload, kept) in enumerate(items):
            raw = records.encode(first + i, kind, payload, kept)
            notes.append((first + i, offset, offset + len(raw), kept))
            blobs.append(raw)
            offset += len(raw)
        try:
            write_all(fd, b"".join(blobs))
            datasync(fd)
        except OSError as err:
            self._undo_write(active, err)
        for note in notes:
            active.note(*note)
        self._next_seq = first + len(items)
        return list(range(first, self._next_seq))

    def _undo_write(self, active: Segment, err: OSError) -> None:
        """Cut a failed append back to the last durable byte, or give up on the outbox."""
        what = f"cannot store events in {active.path}: {err.strerror or err}"
        try:
            assert self._fd is not None
            os.ftruncate(self._fd, active.size)
            datasync(self._fd)
        except OSError as err2:
            # The file's state is unknown (a failed fsync may have lost pages): reopening
            # rescans it; until then nothing more is written.
            self._broken = f"{what}; the outbox stopped and must be reopened ({err2})"
            log.error("%s", self._broken)
            raise OutboxClosedError(self._broken) from err
        raise OutboxError(what + "; nothing was stored") from err

    def _write_marker(self, kind: str, fields: dict[str, object]) -> int:
        """Append a marker event (never evicted, allowed past the capacity)."""
        fields = {**fields, "ts": int(time.time())}
        seq = self._write([(kind, cbor2.dumps(fields, canonical=True), True)])[0]
        log.warning("outbox marker %s seq %s: %s", kind, seq, fields)
        return seq

    def _rotate(self) -> None:
        self._segments.append(segment.create(self.directory, self._next_seq))
        self._open_active()

    # -- capacity --------------------------------------------------------------------

    def _make_room(self, need_bytes: int, need_events: int, alarms_only: bool) -> None:
        """Free space for a write, following the documented eviction order."""
        cfg = self.config
        max_bytes = cfg.max_bytes + (cfg.reserve_bytes if alarms_only else 0)
        max_events = cfg.max_events + (cfg.reserve_events if alarms_only else 0)
        while (sum(s.size for s in self._segments) + need_bytes > max_bytes
               or sum(s.count for s in self._segments) + need_events > max_events):
            sealed, active = self._segments[:-1], self._segments[-1]
            if self._prune():
                continue  # 1. whole segments already acknowledged
            with_acked = [s for s in sealed if s.count and s.first_seq <= self._acked]
            if with_acked:  # 2. acknowledged records inside a segment: no loss
                self._rewrite(with_acked[0], evict=False)
            elif active.count and active.first_seq <= self._acked:
                self._rotate()
            elif evictable := [s for s in sealed if s.count > s.kept]:
                self._rewrite(evictable[0], evict=True)  # 3. oldest non-alarm events
            elif active.count > active.kept:
                self._rotate()
            else:
                stored = sum(s.count for s in self._segments)
                raise OutboxFullError(
                    f"outbox full: {stored} unacknowledged alarms and markers fill it "
                    f"(limit {max_bytes} bytes / {max_events} events, reserve included) "
                    f"and none may be evicted; the hub has acknowledged up to seq "
                    f"{self._acked} of {self._next_seq - 1}")

    def _rewrite(self, seg: Segment, evict: bool) -> None:
        """Rewrite ``seg`` without acknowledged records (and, if ``evict``, non-alarms)."""
        data = seg.path.read_bytes()[:seg.size]
        found, damage = records.scan(data, segment.HEADER_SIZE, seg.base_seq - 1)
        if damage:
            log.error("%s: damaged since it was opened (bytes %s); its readable records "
                      "are kept", seg.path.name, [(d.offset, d.end) for d in damage])
        unacked = [r for r in found if r.seq > self._acked]
        dropped = [r.seq for r in unacked if not r.kept] if evict else []
        if dropped:
            # The marker is durable before the eviction: a crash in between can only
            # leave events the marker called dropped, never an unexplained gap.
            self._write_marker(MARKER_DROPPED, {"n": len(dropped), "first": dropped[0],
                                                "last": dropped[-1], "reason": "full"})
            self._dropped += len(dropped)
        keep = [(r, data[r.offset:r.end]) for r in unacked if r.kept or not evict]
        self._replace(seg, segment.rewrite(seg, keep))

    def _replace(self, old: Segment, new: Segment | None) -> None:
        i = self._segments.index(old)
        if new is None:
            del self._segments[i]
        else:
            self._segments[i] = new

    def _prune(self) -> bool:
        """Delete sealed segments holding only acknowledged records; True if any."""
        done = [s for s in self._segments[:-1] if s.count == 0 or s.last_seq <= self._acked]
        for seg in done:
            remove_if_exists(seg.path)
            self._segments.remove(seg)
        if done:
            fsync_dir(self.directory)
        return bool(done)

    # -- reading and acknowledging -----------------------------------------------------

    def pending(self, after_seq: int = 0, limit: int = 100) -> list[Event]:
        """Up to ``limit`` unacknowledged events with seq > ``after_seq``, in seq order."""
        with self._lock:
            self._check_usable()
            after = max(after_seq, self._acked)
            bases = [s.base_seq for s in self._segments]
            start = max(0, bisect.bisect_right(bases, after + 1) - 1)
            out: list[Event] = []
            try:
                for seg in self._segments[start:]:
                    if len(out) >= limit:
                        break
                    if seg.count and seg.last_seq > after:
                        out += segment.read_events(seg, after, limit - len(out))
            except OSError as err:
                raise OutboxError(f"cannot read the outbox: {err.strerror or err}") from err
            return out

    def ack(self, upto_seq: int) -> None:
        """The hub has committed every event up to ``upto_seq``: persist that, prune."""
        with self._lock:
            self._check_usable()
            if upto_seq >= self._next_seq:
                raise AckError(f"ack for seq {upto_seq}, but the last stored event is seq "
                               f"{self._next_seq - 1}")
            if upto_seq <= self._acked:
                return  # a repeated or late ack: nothing new
            try:
                self._ackfile.write(upto_seq)
                self._acked = upto_seq
                self._prune()
            except OSError as err:
                raise OutboxError(f"cannot persist ack {upto_seq}: {err.strerror or err}") from err

    @property
    def acked_seq(self) -> int:
        return self._acked

    @property
    def last_seq(self) -> int:
        """The last seq handed out (0 before the first event)."""
        return self._next_seq - 1

    def stats(self) -> OutboxStats:
        with self._lock:
            size = sum(s.size for s in self._segments)
            count = sum(s.count for s in self._segments)
            fill = max(size / self.config.max_bytes, count / self.config.max_events)
            return OutboxStats(self._next_seq - 1, self._acked, count, size,
                               len(self._segments), fill, self._dropped, self._rejected)

    def close(self) -> None:
        """Release the files; later calls raise :class:`OutboxClosedError`."""
        with self._lock:
            self._close_fd()
            if hasattr(self, "_ackfile"):
                self._ackfile.close()
            if self._broken is None:
                self._broken = "the outbox is closed"

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
