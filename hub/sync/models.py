"""What the hub keeps about syncing each controller: presence, lists, keys, counters, commands.

* :class:`ControllerSync`: one row per controller that has ever been synced: online or not
  (with the session counters that make a late will harmless), the list it runs and the
  one it should run, what its birth said, and counts of rejected messages.
* :class:`ListSnapshot` / :class:`ListDelta`: the desired list per controller (its
  canonical snapshot, so a restarted hub continues the same versions) and the recent
  deltas that let an edge a few versions behind catch up without a snapshot.
* :class:`DeviceKey`: per-controller MAC keys (docs/wire.md, "Authentication");
  :class:`SealCounter`: counters persisted so a restart never reuses or re-accepts one.
* :class:`DoorCommand`: unlock / lock / pulse requests and what became of them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base
from hub.dbtypes import EnumText, UTCDateTime, enum_check

KEY_BYTES = 32
HASH_BYTES = 32


class ControllerSync(Base):
    """The hub's view of one controller's link (GET /api/sites/<site>/controllers/<id>/sync)."""

    __tablename__ = "controller_sync"

    controller_id: Mapped[int] = mapped_column(
        ForeignKey("controllers.id", ondelete="CASCADE"), primary_key=True
    )
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    # Session of the latest birth and of the latest death (last will) seen: online means
    # birth_session > death_session, so a late will of an older session changes nothing.
    birth_session: Mapped[int | None] = mapped_column(BigInteger)
    death_session: Mapped[int | None] = mapped_column(BigInteger)
    applied_version: Mapped[int | None] = mapped_column(BigInteger)
    applied_hash: Mapped[bytes | None] = mapped_column(LargeBinary(HASH_BYTES))
    horizon_left: Mapped[int | None] = mapped_column(BigInteger)
    # Edge clock minus hub clock at the last birth, seconds (flags a drifting clock).
    clock_offset: Mapped[int | None] = mapped_column(Integer)
    firmware: Mapped[str] = mapped_column(String(64), default="")
    readers: Mapped[str] = mapped_column(Text, default="[]")  # JSON list from the birth
    pending_events: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_birth_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_death_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Messages on this controller's topics that failed authentication / were replays,
    # and the last list error the edge reported.
    auth_failures: Mapped[int] = mapped_column(BigInteger, default=0)
    replays: Mapped[int] = mapped_column(BigInteger, default=0)
    last_problem: Mapped[str] = mapped_column(Text, default="")
    # Broker account of the controller (vratnik hub broker-config writes it out).
    broker_password: Mapped[str] = mapped_column(String(64), default="")


class ListSnapshot(Base):
    """The list a controller should run: version, content hash and canonical snapshot."""

    __tablename__ = "list_snapshots"

    controller_id: Mapped[int] = mapped_column(
        ForeignKey("controllers.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(HASH_BYTES))
    snapshot: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class ListDelta(Base):
    """One encoded delta ``base -> version`` of a controller's list (only recent ones kept)."""

    __tablename__ = "list_deltas"
    __table_args__ = (UniqueConstraint("controller_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    controller_id: Mapped[int] = mapped_column(
        ForeignKey("controllers.id", ondelete="CASCADE"), index=True
    )
    base: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class DeviceKey(Base):
    """A controller's MAC key; ``retired_at`` set: no longer accepted (after a rotation)."""

    __tablename__ = "device_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    controller_id: Mapped[int] = mapped_column(
        ForeignKey("controllers.id", ondelete="CASCADE"), index=True
    )
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    key: Mapped[bytes] = mapped_column(LargeBinary(KEY_BYTES))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SealCounter(Base):
    """A persisted counter: ``topic`` '' is the hub's own sealing counter for the controller
    (stored a block ahead), any other topic the last counter accepted from it there."""

    __tablename__ = "seal_counters"

    controller_id: Mapped[int] = mapped_column(
        ForeignKey("controllers.id", ondelete="CASCADE"), primary_key=True
    )
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    topic: Mapped[str] = mapped_column(String(255), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger)


class HubPresence(Base):
    """The hub's own session counter per site (``hub_status``), +1 at every start."""

    __tablename__ = "hub_presence"

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    session: Mapped[int] = mapped_column(BigInteger, default=0)


class CommandStatus(StrEnum):
    """Where a door command is."""

    SENT = "sent"  # published, no result yet
    OK = "ok"
    EXPIRED = "expired"  # the edge got it at or after its expiry and did nothing
    REJECTED = "rejected"  # the edge refused it (unknown door, ...)
    FAILED = "failed"  # the edge tried and the hardware failed
    TIMEOUT = "timeout"  # no result within the wait (it may still arrive)
    OFFLINE = "offline"  # not sent: the controller is offline
    DISABLED = "disabled"  # not sent: the controller is disabled


class DoorCommand(Base):
    """One unlock / lock / pulse of a door, its request id, expiry and result."""

    __tablename__ = "door_commands"
    __table_args__ = (
        CheckConstraint(enum_check("status", CommandStatus), name="status_known"),
        CheckConstraint("op IN ('unlock', 'lock', 'pulse')", name="op_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    req: Mapped[str] = mapped_column(String(64), unique=True)
    controller_id: Mapped[int] = mapped_column(
        ForeignKey("controllers.id", ondelete="CASCADE"), index=True
    )
    door_id: Mapped[int | None] = mapped_column(ForeignKey("doors.id", ondelete="SET NULL"))
    door_no: Mapped[int] = mapped_column(Integer)  # the door number on the controller
    op: Mapped[str] = mapped_column(String(8))
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[CommandStatus] = mapped_column(EnumText(CommandStatus))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
