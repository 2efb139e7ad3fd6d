"""Services of schedules and holiday lists.

Intervals are given per day of the cycle as ``(start_minute, end_minute)`` pairs, or as
text ``"09:00-18:00"``; ``"22:00-06:00"`` is a night shift into the next day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.errors import Conflict, Invalid
from hub.policies.models import AccessRule
from hub.schedules.models import (
    MINUTES_PER_DAY,
    WEEK_DAYS,
    Holiday,
    HolidayList,
    Schedule,
    ScheduleInterval,
    ScheduleKind,
)
from hub.sites.models import Site

IntervalSpec = tuple[int, int] | str
# Day number (1-based) -> intervals starting that day.
DaysSpec = Mapping[int, Sequence[IntervalSpec]] | Sequence[Sequence[IntervalSpec]]
DayIntervals = dict[int, list[tuple[int, int]]]


def parse_interval(spec: IntervalSpec, field: str = "intervals") -> tuple[int, int]:
    """``(start, end)`` minutes from a pair or from ``"HH:MM-HH:MM"`` (24:00 allowed as end)."""
    if isinstance(spec, str):
        try:
            start_text, end_text = spec.split("-")
            start, end = _minute(start_text), _minute(end_text)
        except ValueError as err:
            raise Invalid(field, f"{spec!r} is not an interval like '09:00-18:00'") from err
    elif isinstance(spec, (tuple, list)) and len(spec) == 2:
        start = check.integer(field, spec[0], 0, MINUTES_PER_DAY - 1)
        end = check.integer(field, spec[1], 0, MINUTES_PER_DAY)
    else:
        raise Invalid(field, f"{spec!r} is not an interval (start minute, end minute)")
    if not 0 <= start < MINUTES_PER_DAY or not 0 <= end <= MINUTES_PER_DAY:
        raise Invalid(field, f"{spec!r}: times are 00:00 to 24:00, and 24:00 only as an end")
    if start == end:
        raise Invalid(field, f"{spec!r} is empty (it starts when it ends)")
    return start, end


def _minute(text: str) -> int:
    hours, minutes = text.strip().split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(text)
    return value


def format_interval(start: int, end: int) -> str:
    """``"HH:MM-HH:MM"`` of an interval."""
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _days(kind: ScheduleKind, days: DaysSpec, cycle_days: int | None) -> tuple[int, DayIntervals]:
    if isinstance(days, Mapping):
        table: dict[int, list[IntervalSpec]] = {
            check.integer("days", d, 1): list(v) for d, v in days.items()
        }
        length = cycle_days if cycle_days is not None else max(table, default=1)
    else:
        table = {number: list(v) for number, v in enumerate(days, start=1)}
        length = cycle_days if cycle_days is not None else len(table)
    if kind is ScheduleKind.WEEKLY and length != WEEK_DAYS:
        raise Invalid("days", f"a weekly schedule has 7 days (Monday first), got {length}")
    if kind is ScheduleKind.HOLIDAY and length != 1:
        raise Invalid("days", f"a holiday schedule has one day, got {length}")
    if length < 1:
        raise Invalid("cycle_days", "a cyclic schedule has at least one day")
    for number in table:
        if number > length:
            raise Invalid("days", f"day {number} is past the schedule's {length} days")
    intervals = {
        number: sorted(parse_interval(spec, f"days.{number}") for spec in specs)
        for number, specs in table.items()
    }
    return length, intervals


def create_schedule(
    session: Session,
    site_id: int,
    *,
    name: str,
    kind: ScheduleKind | str,
    days: DaysSpec,
    cycle_days: int | None = None,
) -> Schedule:
    """A weekly (7 days, Monday first), cyclic (N days) or one-day holiday schedule."""
    check.get(session, Site, site_id, "site")
    schedule_kind = _kind(kind)
    schedule_name = check.name("name", name)
    _unique_name(session, Schedule, site_id, schedule_name)
    length, intervals = _days(schedule_kind, days, cycle_days)
    schedule = Schedule(site_id=site_id, name=schedule_name, kind=schedule_kind, cycle_days=length)
    session.add(schedule)
    session.flush()
    _put_intervals(session, schedule, intervals)
    return schedule


def set_days(
    session: Session, schedule_id: object, days: DaysSpec, cycle_days: int | None = None
) -> Schedule:
    """Replace a schedule's intervals (and, for a cyclic one, its number of days)."""
    schedule = get_schedule(session, schedule_id)
    length, intervals = _days(schedule.kind, days, cycle_days)
    schedule.cycle_days = length
    schedule.intervals.clear()
    session.flush()
    _put_intervals(session, schedule, intervals)
    return schedule


def _put_intervals(session: Session, schedule: Schedule, intervals: DayIntervals) -> None:
    for number in sorted(intervals):
        for start, end in intervals[number]:
            schedule.intervals.append(
                ScheduleInterval(day=number, start_minute=start, end_minute=end)
            )
    session.flush()


def day_table(schedule: Schedule) -> list[list[tuple[int, int]]]:
    """The schedule's intervals as a list of days (day 1 first), each sorted."""
    days: list[list[tuple[int, int]]] = [[] for _ in range(schedule.cycle_days)]
    for interval in schedule.intervals:
        days[interval.day - 1].append((interval.start_minute, interval.end_minute))
    return [sorted(day) for day in days]


def get_schedule(session: Session, schedule_id: object) -> Schedule:
    """The schedule, or NotFound."""
    return check.get(session, Schedule, schedule_id, "schedule")


def list_schedules(session: Session, site_id: int) -> list[Schedule]:
    """The site's schedules, by name."""
    query = select(Schedule).where(Schedule.site_id == site_id).order_by(Schedule.name)
    return list(session.scalars(query))


def rename_schedule(session: Session, schedule_id: object, name: str) -> Schedule:
    """Rename a schedule."""
    schedule = get_schedule(session, schedule_id)
    new_name = check.name("name", name)
    if new_name != schedule.name:
        _unique_name(session, Schedule, schedule.site_id, new_name)
    schedule.name = new_name
    session.flush()
    return schedule


def delete_schedule(session: Session, schedule_id: object) -> None:
    """Delete a schedule no access rule uses."""
    schedule = get_schedule(session, schedule_id)
    used = session.scalar(
        select(AccessRule.id)
        .where(
            or_(
                AccessRule.schedule_id == schedule.id, AccessRule.holiday_schedule_id == schedule.id
            )
        )
        .limit(1)
    )
    if used is not None:
        raise Conflict(f"schedule {schedule.name!r} is used by access rules")
    session.delete(schedule)
    session.flush()


def create_holiday_list(
    session: Session, site_id: int, *, name: str, dates: Iterable[object] = ()
) -> HolidayList:
    """A named list of holiday dates."""
    check.get(session, Site, site_id, "site")
    list_name = check.name("name", name)
    _unique_name(session, HolidayList, site_id, list_name)
    holidays = HolidayList(site_id=site_id, name=list_name)
    session.add(holidays)
    session.flush()
    for day in dates:
        add_holiday(session, holidays.id, day)
    return holidays


def get_holiday_list(session: Session, list_id: object) -> HolidayList:
    """The holiday list, or NotFound."""
    return check.get(session, HolidayList, list_id, "holiday list")


def add_holiday(session: Session, list_id: object, day: object, name: str = "") -> Holiday:
    """Add a date to a holiday list."""
    holidays = get_holiday_list(session, list_id)
    when = check.optional_date("day", day)
    if when is None:
        raise Invalid("day", "a holiday needs a date")
    if any(h.day == when for h in holidays.holidays):
        raise Conflict(f"{when.isoformat()} is already in holiday list {holidays.name!r}")
    holiday = Holiday(list_id=holidays.id, day=when, name=check.text("name", name, 200))
    holidays.holidays.append(holiday)
    session.flush()
    return holiday


def remove_holiday(session: Session, list_id: object, day: object) -> None:
    """Remove a date from a holiday list."""
    holidays = get_holiday_list(session, list_id)
    when = check.optional_date("day", day)
    for holiday in holidays.holidays:
        if holiday.day == when:
            holidays.holidays.remove(holiday)
            session.flush()
            return
    raise Invalid("day", f"{day!r} is not in holiday list {holidays.name!r}")


def holiday_dates(session: Session, list_id: object) -> list[date]:
    """The dates of a holiday list, sorted."""
    return [h.day for h in get_holiday_list(session, list_id).holidays]


def _kind(kind: object) -> ScheduleKind:
    try:
        return ScheduleKind(str(kind))
    except ValueError as err:
        raise Invalid("kind", f"{kind!r} is not weekly, cyclic or holiday") from err


def _unique_name(
    session: Session, model: type[Schedule] | type[HolidayList], site_id: int, name: str
) -> None:
    if session.scalar(select(model.id).where(model.site_id == site_id, model.name == name)):
        raise Conflict(f"the name {name!r} is taken", field="name")
