"""The outbox's vocabulary: its configuration, marker kinds, status and counters.

Kept apart from outbox.py so the agent's config loader and status publisher can use
them without the log's machinery.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.store import records
from edge.store.errors import OutboxError

# Access alarms: kept even when the outbox is full (the names are the event kinds the
# agent uses for them).
DEFAULT_ALARM_KINDS = frozenset({"door_forced", "door_held", "tamper", "duress"})
MARKER_DROPPED = "outbox_dropped"  # events evicted because the outbox was full
MARKER_LOST = "outbox_lost"  # seqs lost to a torn write or damaged storage
MARKER_REJECTED = "outbox_rejected"  # events refused with OutboxFullError
MARKER_KINDS = frozenset({MARKER_DROPPED, MARKER_LOST, MARKER_REJECTED})


@dataclass(frozen=True)
class OutboxConfig:
    """Capacity and limits. ``reserve_*`` is extra room only alarms and markers may use."""

    max_bytes: int = 64 << 20
    max_events: int = 500_000
    segment_bytes: int = 1 << 20
    reserve_bytes: int = 8 << 20
    reserve_events: int = 60_000
    max_payload: int = 64 << 10
    alarm_kinds: frozenset[str] = DEFAULT_ALARM_KINDS

    def check(self) -> None:
        """Raise :class:`OutboxError` for a configuration that cannot work."""
        if self.segment_bytes < 4096:
            raise OutboxError(f"segment_bytes must be at least 4096, got {self.segment_bytes}")
        if self.max_bytes < 2 * self.segment_bytes:
            raise OutboxError(f"max_bytes ({self.max_bytes}) must be at least two segments "
                              f"({2 * self.segment_bytes} bytes)")
        if self.max_events < 1 or self.reserve_bytes < 0 or self.reserve_events < 0:
            raise OutboxError("max_events must be positive and the reserves not negative")
        if not 0 < self.max_payload <= records.MAX_BODY - 128:
            raise OutboxError(f"max_payload must be 1..{records.MAX_BODY - 128}")


@dataclass(frozen=True)
class OutboxStatus:
    """What opening the outbox found (a crash's leftovers, damage), for the agent to publish."""

    level: str  # "ok", "notice" (normal after a crash) or "warning" (damage found)
    message: str
    details: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"level": self.level, "message": self.message, "details": list(self.details)}


@dataclass(frozen=True)
class OutboxStats:
    """A snapshot of the outbox's counters."""

    last_seq: int
    acked_seq: int
    events: int  # records on disk, including acknowledged ones not yet pruned
    bytes: int
    segments: int
    fill: float  # the larger of bytes/max_bytes and events/max_events
    dropped: int  # events evicted since this instance opened (markers say which)
    rejected: int  # events refused with OutboxFullError since this instance opened


def open_status(notes: list[str], problems: list[str],
                lost: list[tuple[int, int, str]]) -> OutboxStatus:
    """The status of an open: ``warning`` if damage was found, ``notice`` for a crash's
    ordinary leftovers, else ``ok``."""
    details = tuple(problems + notes)
    if problems:
        seqs = ", ".join(f"{a}..{b}" for a, b, why in lost if why == "damaged")
        message = "outbox storage damaged; " + "; ".join(problems)
        if seqs:
            message += f"; lost seqs {seqs} (reported to the hub)"
        return OutboxStatus("warning", message, details)
    if notes:
        return OutboxStatus("notice", "recovered after an interrupted run: " + "; ".join(notes),
                            details)
    return OutboxStatus("ok", "outbox intact", ())
