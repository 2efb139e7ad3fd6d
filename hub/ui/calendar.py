"""The calendar preview of a schedule: the windows the compiler makes of it, day by day.

It goes through the compiler's own wall-clock-to-UTC mapping (hub.compiler.windows), so
the preview shows exactly the instants the edges will allow, daylight-saving days
included, and turns them back into the site's local time for reading.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hub.compiler import rules
from hub.compiler.windows import ZoneClock, merge, wall_seconds
from hub.schedules.models import Schedule, ScheduleKind

DAY = 86400


@dataclass(frozen=True)
class PreviewDay:
    """One local date and the windows starting on it, as local "HH:MM–HH:MM" texts."""

    day: dt.date
    windows: list[str]
    holiday: bool


def as_rules(schedule: Schedule) -> rules.Schedule:
    """The compiler's view of a stored schedule (a holiday schedule repeats its one day)."""
    days = tuple(
        tuple((i.start_minute, i.end_minute) for i in schedule.intervals if i.day == number)
        for number in range(1, schedule.cycle_days + 1)
    )
    kind: rules.ScheduleKind = "weekly" if schedule.kind is ScheduleKind.WEEKLY else "cyclic"
    return rules.Schedule(id=schedule.id, kind=kind, days=days, name=schedule.name)


def _utc_windows(clock: ZoneClock, day: dt.date,
                 intervals: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    base = wall_seconds(day)
    for start, end in intervals:
        stop = end if end > start else end + 1440  # a night shift runs into tomorrow
        pieces.extend(clock.wall_to_utc(base + start * 60, base + stop * 60))
    windows = merge(pieces)
    return [(windows[i], windows[i + 1]) for i in range(0, len(windows), 2)]


def preview(schedule: Schedule, time_zone: str, first: dt.date, days: int = 14, *,
            start_date: dt.date | None = None, holidays: frozenset[dt.date] = frozenset(),
            holiday_schedule: Schedule | None = None) -> list[PreviewDay]:
    """The windows of ``schedule`` on ``days`` local dates from ``first`` (a cyclic one
    counts its day 1 from ``start_date``; on ``holidays`` the holiday schedule applies)."""
    zone = ZoneInfo(time_zone)
    model = as_rules(schedule)
    holiday_model = as_rules(holiday_schedule) if holiday_schedule is not None else None
    begin = int(dt.datetime.combine(first, dt.time(), zone).timestamp()) - DAY
    clock = ZoneClock(zone, begin, begin + (days + 3) * DAY)
    cycle_start = start_date
    if model.kind == "cyclic" and len(model.days) > 1 and cycle_start is None:
        cycle_start = first
    out = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        is_holiday = day in holidays
        if is_holiday:
            intervals = holiday_model.day_intervals(day, None) if holiday_model else ()
        else:
            intervals = model.day_intervals(day, cycle_start)
        texts = []
        for start, end in _utc_windows(clock, day, intervals):
            local_start = dt.datetime.fromtimestamp(start, zone)
            local_end = dt.datetime.fromtimestamp(end, zone)
            end_text = f"{local_end:%H:%M}"
            if local_end.date() > day:
                # midnight closing the day reads 24:00; later times belong to the next day
                end_text = "24:00" if local_end.time() == dt.time() and (
                    local_end.date() - day).days == 1 else f"{end_text} (+1)"
            texts.append(f"{local_start:%H:%M}–{end_text}")
        out.append(PreviewDay(day, texts, is_holiday))
    return out
