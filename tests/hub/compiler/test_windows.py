"""Schedules -> UTC windows: weekly, cyclic, start dates, holidays, DST, night shifts."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.compiler.errors import RulesError
from hub.compiler.rules import AccessPoint, AccessRow, Controller, HolidayList, Schedule, Site
from hub.compiler.siterules import SiteRules
from hub.compiler.windows import (
    WindowCache,
    ZoneClock,
    contains,
    intersect,
    merge,
    pairs,
    union,
    wall_seconds,
)
from tests.hub.compiler.util import TZ, every_day, hm, local

H = 3600


def _rules(*schedules: Schedule, holidays: tuple[HolidayList, ...] = ()) -> SiteRules:
    return SiteRules.build(
        Site("s", TZ), controllers=[Controller("c", "s", (1,))],
        access_points=[AccessPoint(1, "door", "c", 1)],
        schedules=schedules, holiday_lists=holidays,
    )


def _cache(start: int, days: int = 35) -> WindowCache:
    return WindowCache(ZoneClock(TZ, start, start + days * 86400))


def _durations(windows: tuple[int, ...]) -> list[float]:
    return [(end - start) / H for start, end in pairs(windows)]


def test_spring_forward_day_is_three_hours_of_real_time() -> None:
    rules = _rules(every_day((hm(1), hm(5))))
    cache = _cache(local(2026, 3, 28))
    windows = cache.row(rules, AccessRow(1, point_id=1))
    day = [w for w in pairs(windows) if local(2026, 3, 29) <= w[0] < local(2026, 3, 30)]
    assert day == [(local(2026, 3, 29, 1), local(2026, 3, 29, 5))]
    assert (day[0][1] - day[0][0]) == 3 * H
    # the day before is the ordinary 4 hours
    assert _durations(windows)[0] == 4


def test_fall_back_day_is_five_hours_of_real_time() -> None:
    rules = _rules(every_day((hm(1), hm(5))))
    cache = _cache(local(2026, 10, 24))
    windows = cache.row(rules, AccessRow(1, point_id=1))
    day = [w for w in pairs(windows) if local(2026, 10, 25) <= w[0] < local(2026, 10, 26)]
    assert day == [(local(2026, 10, 25, 1), local(2026, 10, 25, 5))]
    assert day[0][1] - day[0][0] == 5 * H


def test_nonexistent_wall_time_covers_nothing() -> None:
    # 02:00-02:30 does not happen on 29 March 2026: no window that day
    rules = _rules(every_day((hm(2), hm(2, 30))))
    windows = _cache(local(2026, 3, 28)).row(rules, AccessRow(1, point_id=1))
    assert not [w for w in pairs(windows) if local(2026, 3, 29) <= w[0] < local(2026, 3, 30)]
    # 02:30-04:00 keeps only the real 03:00-04:00 part
    rules = _rules(every_day((hm(2, 30), hm(4))))
    windows = _cache(local(2026, 3, 28)).row(rules, AccessRow(1, point_id=1))
    day = [w for w in pairs(windows) if local(2026, 3, 29) <= w[0] < local(2026, 3, 30)]
    assert day == [(local(2026, 3, 29, 3), local(2026, 3, 29, 4))]
    assert day[0][1] - day[0][0] == H


def test_repeated_wall_time_covers_both_occurrences() -> None:
    rules = _rules(every_day((hm(2), hm(2, 30))))
    windows = _cache(local(2026, 10, 24)).row(rules, AccessRow(1, point_id=1))
    day = [w for w in pairs(windows) if local(2026, 10, 25) <= w[0] < local(2026, 10, 26)]
    assert day == [
        (local(2026, 10, 25, 2), local(2026, 10, 25, 2, 30)),
        (local(2026, 10, 25, 2, fold=1), local(2026, 10, 25, 2, 30, fold=1)),
    ]


def test_night_shift_across_midnight_and_across_dst() -> None:
    # 22:00-06:00 written on Saturdays only (end < start: into Sunday)
    saturday = tuple(((hm(22), hm(6)),) if d == 5 else () for d in range(7))
    rules = _rules(Schedule(1, "weekly", saturday))
    windows = _cache(local(2026, 3, 20)).row(rules, AccessRow(1, point_id=1))
    assert pairs(windows) == [
        (local(2026, 3, 21, 22), local(2026, 3, 22, 6)),   # 8 h
        (local(2026, 3, 28, 22), local(2026, 3, 29, 6)),   # spring forward inside: 7 h
        (local(2026, 4, 4, 22), local(2026, 4, 5, 6)),
        (local(2026, 4, 11, 22), local(2026, 4, 12, 6)),
        (local(2026, 4, 18, 22), local(2026, 4, 19, 6)),
    ]
    assert _durations(windows)[:2] == [8, 7]


def test_touching_windows_merge_and_24_hours_is_one_window() -> None:
    rules = _rules(every_day((0, hm(12)), (hm(12), 1440)))
    start = local(2026, 5, 4)
    windows = _cache(start, days=3).row(rules, AccessRow(1, point_id=1))
    assert windows == (start, start + 3 * 86400)


def test_cyclic_schedule_counts_days_from_the_start_date() -> None:
    rules = _rules(Schedule(1, "cyclic", (((hm(8), hm(9)),), (), ())))
    row = AccessRow(1, point_id=1, start_date=dt.date(2026, 5, 5))
    windows = _cache(local(2026, 5, 1), days=10).row(rules, row)
    # nothing before 5 May; then every third day
    assert pairs(windows) == [
        (local(2026, 5, 5, 8), local(2026, 5, 5, 9)),
        (local(2026, 5, 8, 8), local(2026, 5, 8, 9)),
    ]


def test_weekly_schedule_with_a_start_date_starts_then() -> None:
    rules = _rules(every_day((hm(9), hm(10))))
    row = AccessRow(1, point_id=1, start_date=dt.date(2026, 5, 3))
    windows = _cache(local(2026, 5, 1), days=4).row(rules, row)
    assert [w[0] for w in pairs(windows)] == [local(2026, 5, 3, 9), local(2026, 5, 4, 9)]


def test_holiday_uses_the_holiday_schedule_or_nothing() -> None:
    office = every_day((hm(9), hm(17)))
    short = Schedule(2, "cyclic", (((hm(10), hm(12)),),))  # a one-day holiday schedule
    holidays = HolidayList(1, frozenset({dt.date(2026, 5, 1)}))
    rules = _rules(office, short, holidays=(holidays,))
    cache = _cache(local(2026, 4, 30), days=3)
    with_schedule = cache.row(rules, AccessRow(1, point_id=1, holiday_list_id=1,
                                               holiday_schedule_id=2))
    assert pairs(with_schedule) == [
        (local(2026, 4, 30, 9), local(2026, 4, 30, 17)),
        (local(2026, 5, 1, 10), local(2026, 5, 1, 12)),
        (local(2026, 5, 2, 9), local(2026, 5, 2, 17)),
    ]
    closed = cache.row(rules, AccessRow(1, point_id=1, holiday_list_id=1))
    assert [w[0] for w in pairs(closed)] == [local(2026, 4, 30, 9), local(2026, 5, 2, 9)]


def test_night_shift_started_before_a_holiday_runs_to_its_end() -> None:
    nights = every_day((hm(22), hm(6)))
    holidays = HolidayList(1, frozenset({dt.date(2026, 5, 1)}))
    rules = _rules(nights, holidays=(holidays,))
    windows = _cache(local(2026, 4, 30), days=2).row(rules, AccessRow(1, point_id=1,
                                                                      holiday_list_id=1))
    assert contains(windows, local(2026, 5, 1, 5))  # the 30 April shift
    assert not contains(windows, local(2026, 5, 1, 23))  # no shift starts on the holiday


def test_policy_validity_by_local_dates() -> None:
    cache = _cache(local(2026, 3, 1))
    validity = cache.validity(dt.date(2026, 3, 10), dt.date(2026, 3, 29))
    # from local midnight of the first day to local midnight after the last (DST inside)
    assert validity == (local(2026, 3, 10), local(2026, 3, 30))
    assert cache.validity(None, None) == (local(2026, 3, 1), local(2026, 3, 1) + 35 * 86400)
    assert cache.validity(dt.date(2027, 1, 1), None) == ()


def test_window_algebra() -> None:
    assert merge([(5, 7), (1, 3), (3, 4), (6, 9)]) == (1, 4, 5, 9)
    assert union([(1, 4), (), (4, 6, 8, 9)]) == (1, 6, 8, 9)
    assert intersect((1, 4, 6, 10), (3, 7)) == (3, 4, 6, 7)
    assert intersect((1, 4), ()) == ()
    assert contains((1, 4, 6, 10), 1) and not contains((1, 4, 6, 10), 4)
    assert wall_seconds(dt.date(1970, 1, 2), 30) == 86400 + 1800


def test_bad_intervals_are_refused_with_a_message() -> None:
    with pytest.raises(RulesError, match="interval start 1440"):
        Schedule(1, "weekly", (((1440, 10),),) + ((),) * 6)
    with pytest.raises(RulesError, match="empty"):
        Schedule(1, "cyclic", (((60, 60),),))
    with pytest.raises(RulesError, match="7 days"):
        Schedule(1, "weekly", ((),))
