"""Access photos as the edges upload them (docs/photos.md), one row per photo.

A row is created by chunk 0 (which carries the photo's record) and grows one chunk at a
time, in order, in the same transaction that acknowledges it: an upload interrupted by
a hub restart goes on from ``received``. ``complete`` is set once the size and SHA-256
of the whole JPEG are checked. ``retention_until`` (unix seconds) is when the GDPR job
(hub.photos.retention) deletes it: the earlier of the edge's tag and the hub's N days
after the photo was taken (SPEC §9).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base
from hub.dbtypes import UTCDateTime

PhotoId = BigInteger().with_variant(Integer(), "sqlite")


class AccessPhoto(Base):
    """One access photo of one controller, complete or still arriving."""

    __tablename__ = "access_photos"
    __table_args__ = (UniqueConstraint("controller_id", "photo"),)

    id: Mapped[int] = mapped_column(PhotoId, primary_key=True)
    controller_id: Mapped[int] = mapped_column(ForeignKey("controllers.id", ondelete="CASCADE"))
    photo: Mapped[str] = mapped_column(String(64))  # the wire id, "ev" + the event seq
    seq: Mapped[int] = mapped_column(BigInteger)  # the event the photo belongs to
    # The event row, when it has arrived (events and photos travel separately).
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True)
    taken_at: Mapped[int] = mapped_column(BigInteger)  # unix seconds, the edge's clock
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    faces: Mapped[int | None] = mapped_column(SmallInteger)
    boxes: Mapped[list[Any]] = mapped_column(JSON)  # [[x0, y0, x1, y1, score], ...]
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    chunk_count: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)  # chunks stored, from 0
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    retention_until: Mapped[int] = mapped_column(BigInteger, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
