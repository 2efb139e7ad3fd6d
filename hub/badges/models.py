"""Badges and their history (SPEC.md section 3).

A badge row is never deleted: the ORM refuses (``before_delete``) and so does the database
(a trigger created by the first migration). Withdrawing a badge returns it to the pool.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base
from hub.dbtypes import EnumText, UTCDateTime, enum_check
from hub.errors import Conflict
from protocols.portable import cardkey

PIN_SEALED_MAX = 64


class BadgeState(StrEnum):
    """Where a badge is: in the pool (unused or withdrawn) or issued to a holder."""

    UNUSED = "unused"  # registered, never issued
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"  # returned: back in the pool, can be issued again


class BadgeAction(StrEnum):
    """What a history row records."""

    REGISTERED = "registered"
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"
    VALIDITY_CHANGED = "validity_changed"
    PIN_CHANGED = "pin_changed"


class Badge(Base):
    """A card: format and number (together its card key), holder, validity and PIN hash."""

    __tablename__ = "badges"
    __table_args__ = (
        UniqueConstraint("site_id", "card_format", "card_value"),
        CheckConstraint(enum_check("state", BadgeState), name="state_known"),
        CheckConstraint("card_format BETWEEN 1 AND 255", name="format_range"),
        CheckConstraint("card_value >= 0", name="value_range"),
        CheckConstraint("person_id IS NULL OR group_id IS NULL", name="one_holder"),
        # Issued exactly when somebody holds it: the pool is every badge without a holder.
        CheckConstraint(
            "(state = 'issued') = (person_id IS NOT NULL OR group_id IS NOT NULL)",
            name="issued_iff_held",
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to",
            name="validity_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    # Card format id of protocols/portable/cardkey.py and the value within it (56 bits).
    card_format: Mapped[int] = mapped_column(SmallInteger)
    card_value: Mapped[int] = mapped_column(BigInteger)
    # What is printed on the card, if anything.
    label: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[BadgeState] = mapped_column(EnumText(BadgeState), default=BadgeState.UNUSED)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    # Cards held by a group (e.g. alarm-reset cards) get the group's access.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("person_groups.id"), index=True)
    # [valid_from, valid_to): None is unbounded.
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The PIN, encrypted with the hub's PIN key (hub/badges/pins.py; docs/hub-model.md "PINs"):
    # compiling needs the digits (each list hashes them with its own salt), a database dump
    # without the key does not reveal them.
    pin_sealed: Mapped[bytes | None] = mapped_column(LargeBinary(PIN_SEALED_MAX))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())

    # passive_deletes="all": the ORM never touches history rows when a badge is deleted
    # (which is refused anyway), so the refusal names the badge, not its history.
    history: Mapped[list[BadgeEvent]] = relationship(
        back_populates="badge", order_by="BadgeEvent.id", passive_deletes="all"
    )

    @property
    def card_key(self) -> int:
        """The 64-bit key compiled lists and edges know this card by."""
        return cardkey.card_key(self.card_format, self.card_value)

    @property
    def masked(self) -> str:
        """The card for logs and messages: format and last digits only."""
        return cardkey.masked(self.card_key)

    def __repr__(self) -> str:
        return f"Badge(id={self.id!r}, card={self.masked}, state={self.state!r})"


class BadgeEvent(Base):
    """One change of a badge, with the state after it. Rows are only ever appended."""

    __tablename__ = "badge_history"
    __table_args__ = (
        CheckConstraint(enum_check("action", BadgeAction), name="action_known"),
        CheckConstraint(enum_check("state", BadgeState), name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[BadgeAction] = mapped_column(EnumText(BadgeAction, 20))
    state: Mapped[BadgeState] = mapped_column(EnumText(BadgeState))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("person_groups.id"))
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    # Who did it (a hub user id once rights exist); free text until then.
    actor: Mapped[str] = mapped_column(String(100), default="")

    badge: Mapped[Badge] = relationship(back_populates="history")


@event.listens_for(Badge, "before_delete")
def _refuse_badge_delete(_mapper: Any, _connection: Any, target: Badge) -> None:
    raise Conflict(f"badge {target.masked} cannot be deleted: withdraw it instead")


@event.listens_for(BadgeEvent, "before_delete")
def _refuse_history_delete(_mapper: Any, _connection: Any, target: BadgeEvent) -> None:
    raise Conflict("badge history is never deleted")


@event.listens_for(BadgeEvent, "before_update")
def _refuse_history_update(_mapper: Any, _connection: Any, target: BadgeEvent) -> None:
    raise Conflict("badge history is never changed")
