"""Idempotent event ingest: store each ``(controller, seq)`` once, know what to acknowledge.

The edge keeps every event until the hub acknowledges it and re-sends what was not
acknowledged, so the hub sees duplicates, events out of order, and gaps (a batch lost
on the way while later ones arrived). :func:`ingest` stores a batch with one
``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL dialect inserts, executed as
one batched statement) and moves the controller's :class:`EventCursor`:

* ``upto``: the highest seq with nothing missing below it. Only this is acknowledged,
  and only after the caller committed (the edge prunes what the ack covers).
* ``max_seq``: the highest seq stored. ``upto < max_seq`` is an open gap; the result
  says when to ask for the missing events again (an ack carrying ``upto``, at most once
  per ``replay_interval``: the edge re-sends from ``upto + 1``).

An event is stored as historical when the edge says so (sent late from its outbox), when
it fills a gap (a later event was already stored), or when it is older than
``late_after`` seconds by the hub's clock (corrected by the edge's known clock offset).

The caller owns the transaction: one per batch of messages (hub.sync.worker).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Dialect, Insert, Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub.events.models import Event, EventCursor
from protocols.portable.cardkey import VALUE_BITS, VALUE_MASK

log = logging.getLogger(__name__)

LATE_AFTER = 300  # seconds behind the clock after which an event counts as historical
REPLAY_INTERVAL = 2.0  # seconds between two requests for the same missing events

EventFields = Mapping[str, Any]
"""One event as ``protocols.portable.messages`` decodes it (docs/wire.md, ``event``)."""
EventRow = tuple[Any, ...]


@dataclass(frozen=True)
class IngestResult:
    """What one batch did to a controller's events."""

    controller_id: int
    upto: int  # highest contiguous seq stored: what to acknowledge
    max_seq: int  # highest seq stored
    received: int  # events in the batch
    new: int  # events in the batch above the previous upto (inserted unless already there)
    advanced: bool  # upto moved
    ask_replay: bool  # a gap is open and it is time to ask for it (send the ack now)

    @property
    def gap(self) -> bool:
        return self.upto < self.max_seq

    @property
    def should_ack(self) -> bool:
        """Acknowledge after the commit: new progress, a re-sent batch (the edge missed our
        ack) or a replay request."""
        return self.advanced or self.ask_replay or self.new < self.received


COLUMNS = ("controller_id", "seq", "ts", "reader", "door", "card_format", "card_value", "kind",
           "reason", "granted", "faces", "photo", "historical")
_EVENTS = cast(Table, Event.__table__)
_KEY = ["controller_id", "seq"]
_PARAMSTYLES = {"postgresql": "format", "sqlite": "qmark"}
_COMPILED: dict[str, str] = {}


def insert_sql(dialect: Dialect) -> str:
    """The dialect's ``INSERT ... ON CONFLICT (controller_id, seq) DO NOTHING`` for a batch,
    compiled once with positional parameters in :data:`COLUMNS` order: rows go to the
    driver's executemany as plain tuples, which costs a third of SQLAlchemy's per-row
    parameter processing (ingest is the hub's hottest path)."""
    name = dialect.name
    compiled = _COMPILED.get(name)
    if compiled is None:
        values: dict[str, Any] = {column: bindparam(column) for column in COLUMNS}
        statement: Insert
        if name == "postgresql":
            statement = pg_insert(_EVENTS).values(values).on_conflict_do_nothing(
                index_elements=_KEY).inline()
        elif name == "sqlite":
            statement = sqlite_insert(_EVENTS).values(values).on_conflict_do_nothing(
                index_elements=_KEY).inline()
        else:
            raise RuntimeError(f"event ingest supports sqlite and postgresql, not {name}")
        positional = cast(Any, type(dialect))(paramstyle=_PARAMSTYLES[name])
        result = statement.compile(dialect=positional)
        if tuple(result.positiontup or ()) != COLUMNS:
            raise RuntimeError("the compiled event insert does not take the columns in order")
        compiled = _COMPILED[name] = str(result)
    return compiled


def cursor_for(session: Session, controller_id: int, *, lock: bool = True) -> EventCursor:
    """The controller's cursor (created at 0 on first use); locked for update on PostgreSQL
    so two hub processes cannot move one cursor at once."""
    query = select(EventCursor).where(EventCursor.controller_id == controller_id)
    if lock:
        query = query.with_for_update()
    cursor = session.scalar(query)
    if cursor is None:
        cursor = EventCursor(controller_id=controller_id, upto=0, max_seq=0)
        session.add(cursor)
        session.flush()
    return cursor


def event_row(controller_id: int, event: EventFields, historical: bool) -> EventRow:
    """The ``events`` row of one wire event, in :data:`COLUMNS` order."""
    card = event["card"]
    return (
        controller_id, event["seq"], event["ts"], event["reader"], event["door"],
        None if card is None else card >> VALUE_BITS,
        None if card is None else card & VALUE_MASK,
        event["kind"], event["reason"], event["granted"], event["faces"], event["photo"],
        historical,
    )


def ingest(
    session: Session,
    controller_id: int,
    events: Sequence[EventFields],
    *,
    now: dt.datetime,
    clock_offset: int = 0,
    late_after: int = LATE_AFTER,
    replay_interval: float = REPLAY_INTERVAL,
) -> IngestResult:
    """Store ``events`` of one controller (any order, duplicates allowed) in the session's
    transaction and move its cursor. Nothing is committed here."""
    cursor = cursor_for(session, controller_id)
    before_upto, before_max = cursor.upto, cursor.max_seq
    fresh = sorted((e for e in events if e["seq"] > before_upto), key=lambda e: int(e["seq"]))
    # The edge's clock is clock_offset ahead of ours: an event is late when it happened
    # more than late_after seconds before the hub's "now" on the edge's clock.
    late_before = int(now.timestamp()) + clock_offset - late_after
    rows = []
    last_seq = 0
    for event in fresh:
        seq = event["seq"]
        if seq == last_seq:
            continue  # the same event twice in one batch
        last_seq = seq
        historical = event["historical"] or seq < before_max or event["ts"] < late_before
        rows.append(event_row(controller_id, event, historical))
    if rows:
        connection = session.connection()
        connection.exec_driver_sql(insert_sql(connection.dialect), rows)
    new_max = max(before_max, last_seq)
    upto = _contiguous(session, controller_id, before_upto, before_max, rows)
    cursor.upto, cursor.max_seq = upto, new_max
    ask = False
    if upto < new_max:
        asked = cursor.replay_asked_at
        if asked is None or (now - asked).total_seconds() >= replay_interval:
            cursor.replay_asked_at = now
            ask = True
            log.info("controller %s: events %s..%s missing (have up to %s); asking again",
                     controller_id, upto + 1, new_max, new_max)
    else:
        cursor.replay_asked_at = None
    return IngestResult(
        controller_id=controller_id, upto=upto, max_seq=new_max, received=len(events),
        new=len(rows), advanced=upto > before_upto, ask_replay=ask,
    )


def _contiguous(
    session: Session, controller_id: int, upto: int, max_seq: int, rows: list[EventRow]
) -> int:
    """The new highest contiguous seq. Without an earlier gap the batch alone decides; with
    one, the stored seqs above ``upto`` are read (a gap is rare and bounded)."""
    if max_seq == upto:
        for row in rows:
            if row[1] != upto + 1:
                break
            upto += 1
        return upto
    stored = session.scalars(
        select(Event.seq)
        .where(Event.controller_id == controller_id, Event.seq > upto)
        .order_by(Event.seq)
    )
    for seq in stored:
        if seq != upto + 1:
            break
        upto += 1
    return upto


def ingest_batches(
    session: Session,
    batches: Mapping[int, Sequence[EventFields]],
    *,
    now: dt.datetime,
    clock_offsets: Mapping[int, int] | None = None,
    late_after: int = LATE_AFTER,
    replay_interval: float = REPLAY_INTERVAL,
) -> dict[int, IngestResult]:
    """:func:`ingest` for several controllers in one transaction (controller id order, so
    two hub processes lock cursors in the same order and cannot deadlock)."""
    offsets = clock_offsets or {}
    return {
        controller_id: ingest(
            session, controller_id, batches[controller_id], now=now,
            clock_offset=offsets.get(controller_id, 0), late_after=late_after,
            replay_interval=replay_interval,
        )
        for controller_id in sorted(batches)
    }
