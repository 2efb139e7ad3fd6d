"""Schedules and holidays (SPEC.md section 2). Times are site-local wall-clock minutes.

A weekly schedule has days 1..7 = Monday..Sunday (ISO weekdays). A cyclic schedule of N
days has days 1..N, day 1 being the start date of the access rule that uses it. A holiday
schedule has one day (day 1), applied on the dates of a holiday list.

An interval is (start_minute, end_minute) with 0 <= start < 1440, 0 <= end <= 1440 and
end != start. end > start lies inside its day (1440 = midnight); end < start is a night
shift running into the next day: (1320, 360) is 22:00-06:00. An interval belongs to the
day it starts on. (The same convention as hub/compiler/rules.py.)
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base
from hub.dbtypes import EnumText, enum_check

MINUTES_PER_DAY = 1440
WEEK_DAYS = 7


class ScheduleKind(StrEnum):
    """How a schedule's days map onto dates."""

    WEEKLY = "weekly"
    CYCLIC = "cyclic"
    HOLIDAY = "holiday"  # one day, used for holiday exceptions


class Schedule(Base):
    """A named schedule with intervals per day of its cycle."""

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint(enum_check("kind", ScheduleKind), name="kind_known"),
        CheckConstraint(
            f"(kind = 'weekly' AND cycle_days = {WEEK_DAYS}) OR (kind = 'holiday' AND "
            "cycle_days = 1) OR (kind = 'cyclic' AND cycle_days >= 1)",
            name="cycle_fits_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ScheduleKind] = mapped_column(EnumText(ScheduleKind))
    cycle_days: Mapped[int] = mapped_column(Integer)

    intervals: Mapped[list[ScheduleInterval]] = relationship(
        cascade="all, delete-orphan",
        order_by="(ScheduleInterval.day, ScheduleInterval.start_minute)",
    )


class ScheduleInterval(Base):
    """An interval starting on day ``day`` (1-based) of the schedule's cycle."""

    __tablename__ = "schedule_intervals"
    __table_args__ = (
        CheckConstraint("day >= 1", name="day_positive"),
        CheckConstraint(
            f"start_minute >= 0 AND start_minute < {MINUTES_PER_DAY} AND end_minute >= 0 "
            f"AND end_minute <= {MINUTES_PER_DAY} AND end_minute <> start_minute",
            name="minutes_in_day",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedules.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class HolidayList(Base):
    """A named list of holiday dates."""

    __tablename__ = "holiday_lists"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    holidays: Mapped[list[Holiday]] = relationship(
        cascade="all, delete-orphan", order_by="Holiday.day"
    )


class Holiday(Base):
    """One date of a holiday list (a site-local calendar day)."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("list_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("holiday_lists.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200), default="")
