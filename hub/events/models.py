"""Events as the edges report them, and each controller's ingest cursor.

An event is unique per ``(controller, seq)``: the edge numbers its events and re-sends
whatever the hub has not acknowledged, so the same event can arrive twice (or out of
order) and must be stored once. The card is kept as format + value like a badge
(``badges.card_format/card_value``), because a 64-bit card key does not fit a signed
BIGINT and the pair joins straight onto the badge.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base
from hub.dbtypes import UTCDateTime

# SQLite gives a rowid alias only to a column declared exactly INTEGER PRIMARY KEY.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    """One access or door event of one controller."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("controller_id", "seq"),)

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    controller_id: Mapped[int] = mapped_column(ForeignKey("controllers.id", ondelete="CASCADE"))
    # The edge's per-controller sequence number (1..2**63-1).
    seq: Mapped[int] = mapped_column(BigInteger)
    # When it happened, unix seconds UTC as the edge's clock said (wire field "ts").
    ts: Mapped[int] = mapped_column(BigInteger, index=True)
    reader: Mapped[int | None] = mapped_column(Integer)
    door: Mapped[int | None] = mapped_column(Integer)
    card_format: Mapped[int | None] = mapped_column(SmallInteger)
    card_value: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[int] = mapped_column(SmallInteger)
    granted: Mapped[bool] = mapped_column(Boolean)
    faces: Mapped[int | None] = mapped_column(SmallInteger)
    photo: Mapped[str | None] = mapped_column(String(64))
    # Reported late: recorded while offline, re-sent to fill a gap, or far behind the clock.
    historical: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class EventCursor(Base):
    """How far one controller's events are stored: ``upto`` is the highest seq below
    which nothing is missing (what the hub acknowledges), ``max_seq`` the highest stored."""

    __tablename__ = "event_cursors"

    controller_id: Mapped[int] = mapped_column(
        ForeignKey("controllers.id", ondelete="CASCADE"), primary_key=True
    )
    upto: Mapped[int] = mapped_column(BigInteger, default=0)
    max_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set while a gap (upto < max_seq) is open: when the hub last asked for a replay.
    replay_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
