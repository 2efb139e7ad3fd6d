"""Access policies and who holds them (SPEC.md sections 1 and 4).

An access policy is an access table: rows of (access point or access point group,
schedule, start date) with holiday exceptions. A group uses its own policy or its
parent's; a person has a main policy (by default the group's) and any number of
additional policies, each with an optional validity in site-local dates.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base


class AccessPolicy(Base):
    """A named access table, shared by groups and persons."""

    __tablename__ = "access_policies"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")

    rules: Mapped[list[AccessRule]] = relationship(
        back_populates="policy",
        cascade="all, delete-orphan",
        order_by="(AccessRule.position, AccessRule.id)",
    )


class AccessRule(Base):
    """One row: an access point or group of them, a schedule, and the schedule's start date.

    For a cyclic schedule the start date is its day 1; for a weekly one it is the first day
    the row applies (None: always). Holiday exception: on the dates of ``holiday_list_id``
    the one-day ``holiday_schedule_id`` applies instead (no holiday schedule: no access on
    those dates).
    """

    __tablename__ = "access_rules"
    __table_args__ = (
        CheckConstraint(
            "(access_point_id IS NULL) <> (access_point_group_id IS NULL)", name="one_target"
        ),
        CheckConstraint(
            "holiday_schedule_id IS NULL OR holiday_list_id IS NOT NULL",
            name="holiday_schedule_needs_list",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("access_policies.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    access_point_id: Mapped[int | None] = mapped_column(ForeignKey("access_points.id"))
    access_point_group_id: Mapped[int | None] = mapped_column(ForeignKey("access_point_groups.id"))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"))
    start_date: Mapped[date | None] = mapped_column(Date)
    holiday_list_id: Mapped[int | None] = mapped_column(ForeignKey("holiday_lists.id"))
    holiday_schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"))

    policy: Mapped[AccessPolicy] = relationship(back_populates="rules")


class PersonPolicy(Base):
    """An additional policy of a person, valid on [valid_from, valid_to] (dates, inclusive).

    No dates: always valid. A start only: valid from then on. An end without a start is
    rejected (by the services, and by the database).
    """

    __tablename__ = "person_policies"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_from IS NOT NULL", name="end_needs_start"),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to",
            name="validity_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("access_policies.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    policy: Mapped[AccessPolicy] = relationship()
