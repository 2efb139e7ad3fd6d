"""Schedules -> UTC validity windows over a horizon, in the site's time zone.

Windows are flat, sorted boundary tuples ``(s0, e0, s1, e1, ...)`` of UTC unix seconds with
``s < e`` and ``e_i < s_{i+1}`` (touching windows are merged), as in the compiled list.

**Wall-clock semantics.** An interval ``[a, b)`` of local date D covers exactly the
instants whose *local wall-clock time* lies in ``[D a, D b)``. Daylight saving then needs
no special cases: on a spring-forward day the wall times that do not exist cover no
instant (01:00-05:00 on 29 March 2026 in Europe/Bratislava is 3 h of real time, an
interval inside 02:00-03:00 is empty), and on a fall-back day the wall times that happen
twice cover both instants (01:00-05:00 on 25 October 2026 is 5 h; 02:00-02:30 is two
half-hour windows). :mod:`hub.compiler.reference` evaluates the same rule directly.

**How.** A :class:`ZoneClock` splits the horizon (plus two days each side) into UTC
segments of constant UTC offset. A wall range ``[wa, wb)`` (seconds on the "local epoch")
maps to ``[wa - off, wb - off)`` intersected with each segment whose offset is ``off``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from hub.compiler.rules import AccessRow, Interval, Schedule
from hub.compiler.siterules import SiteRules

Windows = tuple[int, ...]
NO_WINDOWS: Windows = ()
DAY = 86400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_MARGIN = 2 * DAY  # segments reach this far past the horizon: night shifts, far offsets
_PROBE = 3600  # offsets are sampled hourly; no zone changes twice within an hour


def wall_seconds(day: dt.date, minute: int = 0) -> int:
    """Seconds of local wall-clock time ``day`` + ``minute`` on the local epoch."""
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY + minute * 60


class ZoneClock:
    """The UTC-offset segments of one zone over one horizon ``[start, end)``."""

    def __init__(self, tz: str | zoneinfo.ZoneInfo, start: int, end: int) -> None:
        self.zone = tz if isinstance(tz, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(tz)
        self.start = start
        self.end = end
        self.segments = self._segments(start - _MARGIN, end + _MARGIN)

    def _offset(self, t: int) -> int:
        offset = dt.datetime.fromtimestamp(t, self.zone).utcoffset()
        assert offset is not None
        return int(offset.total_seconds())

    def _segments(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """(utc start, utc end, offset) runs covering [lo, hi)."""
        segments: list[tuple[int, int, int]] = []
        seg_start, offset = lo, self._offset(lo)
        t = lo
        while t < hi:
            nxt = min(t + _PROBE, hi)
            next_offset = self._offset(nxt)
            if next_offset != offset:
                # binary search the first second with the new offset
                a, b = t, nxt
                while b - a > 1:
                    mid = (a + b) // 2
                    if self._offset(mid) == offset:
                        a = mid
                    else:
                        b = mid
                segments.append((seg_start, b, offset))
                seg_start, offset = b, next_offset
            t = nxt
        segments.append((seg_start, hi, offset))
        return segments

    def local_date(self, t: int) -> dt.date:
        return dt.datetime.fromtimestamp(t, self.zone).date()

    def days(self) -> list[dt.date]:
        """Local dates whose intervals can reach the horizon (a day early for night shifts)."""
        first = self.local_date(self.start) - dt.timedelta(days=1)
        last = self.local_date(self.end)
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]

    def wall_to_utc(self, wall_start: int, wall_end: int) -> list[tuple[int, int]]:
        """The UTC pieces of the wall-clock range ``[wall_start, wall_end)``, in order."""
        pieces: list[tuple[int, int]] = []
        for seg_start, seg_end, offset in self.segments:
            lo = max(wall_start - offset, seg_start)
            hi = min(wall_end - offset, seg_end)
            if lo < hi:
                pieces.append((lo, hi))
        return pieces

    def dates_to_utc(self, first: dt.date | None, last: dt.date | None) -> Windows:
        """The instants whose local date is in ``first .. last`` (inclusive; None = open)."""
        lo = wall_seconds(first) if first is not None else wall_seconds(dt.date.min)
        hi = wall_seconds(last + dt.timedelta(days=1)) if last is not None and last < dt.date.max \
            else wall_seconds(dt.date.max)
        return self.clip(merge(self.wall_to_utc(lo, hi)))

    def clip(self, windows: Windows) -> Windows:
        return intersect(windows, (self.start, self.end))


def merge(pieces: Iterable[tuple[int, int]]) -> Windows:
    """Sorted, merged boundaries of possibly overlapping or touching ``(start, end)`` pieces."""
    out: list[int] = []
    for start, end in sorted(pieces):
        if start >= end:
            continue
        if out and start <= out[-1]:
            out[-1] = max(out[-1], end)
        else:
            out.extend((start, end))
    return tuple(out)


def pairs(windows: Windows) -> list[tuple[int, int]]:
    return [(windows[i], windows[i + 1]) for i in range(0, len(windows), 2)]


def union(many: Iterable[Windows]) -> Windows:
    """The union of several window sets."""
    sets = [w for w in many if w]
    if not sets:
        return NO_WINDOWS
    if len(sets) == 1:
        return sets[0]
    return merge(p for w in sets for p in pairs(w))


def intersect(a: Windows, b: Windows) -> Windows:
    """The intersection of two window sets (linear merge)."""
    out: list[int] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i], b[j])
        hi = min(a[i + 1], b[j + 1])
        if lo < hi:
            out.extend((lo, hi))
        if a[i + 1] < b[j + 1]:
            i += 2
        else:
            j += 2
    return tuple(out)


def contains(windows: Windows, t: int) -> bool:
    """Whether instant ``t`` is inside one of the windows (for tests)."""
    return bisect_right(windows, t) % 2 == 1


def _wall_ranges(day: dt.date, intervals: Sequence[Interval]) -> list[tuple[int, int]]:
    base = wall_seconds(day)
    ranges = []
    for start, end in intervals:
        stop = end if end > start else end + 1440  # end < start: a night shift into tomorrow
        ranges.append((base + start * 60, base + stop * 60))
    return ranges


RowKey = tuple[int, dt.date | None, int | None, int | None]
"""(schedule id, start date, holiday list id, holiday schedule id): all a row's windows need."""


def row_key(row: AccessRow) -> RowKey:
    return (row.schedule_id, row.start_date, row.holiday_list_id, row.holiday_schedule_id)


def row_day_intervals(
    rules: SiteRules, row: AccessRow | RowKey, day: dt.date
) -> tuple[Interval, ...]:
    """The intervals a row grants starting on local ``day`` (holidays applied)."""
    schedule_id, start_date, holiday_list_id, holiday_schedule_id = (
        row_key(row) if isinstance(row, AccessRow) else row
    )
    if holiday_list_id is not None and day in rules.holiday_lists[holiday_list_id].dates:
        if holiday_schedule_id is None:
            return ()
        return rules.schedules[holiday_schedule_id].day_intervals(day, start_date)
    schedule: Schedule = rules.schedules[schedule_id]
    return schedule.day_intervals(day, start_date)


class WindowCache:
    """Row windows by :data:`RowKey`: thousands of rows share a handful of keys."""

    def __init__(self, clock: ZoneClock) -> None:
        self.clock = clock
        self._days = clock.days()
        self._rows: dict[RowKey, Windows] = {}
        self._validity: dict[tuple[dt.date | None, dt.date | None], Windows] = {}

    def row(self, rules: SiteRules, row: AccessRow | RowKey) -> Windows:
        """The UTC windows of a row over the horizon."""
        key = row_key(row) if isinstance(row, AccessRow) else row
        cached = self._rows.get(key)
        if cached is None:
            pieces: list[tuple[int, int]] = []
            for day in self._days:
                for wa, wb in _wall_ranges(day, row_day_intervals(rules, key, day)):
                    pieces.extend(self.clock.wall_to_utc(wa, wb))
            cached = self.clock.clip(merge(pieces))
            self._rows[key] = cached
        return cached

    def validity(self, first: dt.date | None, last: dt.date | None) -> Windows:
        """The windows of local dates ``first .. last`` (a policy grant's validity)."""
        key = (first, last)
        cached = self._validity.get(key)
        if cached is None:
            cached = self.clock.dates_to_utc(first, last)
            self._validity[key] = cached
        return cached

    def forget(
        self, schedule_ids: Iterable[int] = (), holiday_list_ids: Iterable[int] = ()
    ) -> None:
        """Drop rows that use a changed schedule or holiday list."""
        schedules = set(schedule_ids)
        holidays = set(holiday_list_ids)
        for key in [
            k for k in self._rows
            if k[0] in schedules or k[3] in schedules or k[2] in holidays
        ]:
            del self._rows[key]
