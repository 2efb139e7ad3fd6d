"""The examples of the ProxWay manual (seed 002) compiled and decided from the lists."""

from __future__ import annotations

import datetime as dt

from hub.compiler.compile import CompileOptions, compile_site
from hub.compiler.rules import (
    AccessPoint,
    AccessPointGroup,
    AccessRow,
    Badge,
    Controller,
    Group,
    HolidayList,
    Person,
    Policy,
    Schedule,
    Site,
)
from hub.compiler.siterules import SiteRules
from tests.hub.compiler.util import TZ, allows, every_day, hm, local, verdict

SITE = Site("factory", TZ)


def test_four_rotating_shifts_from_one_four_day_schedule() -> None:
    # "1-й день: 0:00-24:00, 2-4-й день: -" with start dates 1, 2, 3, 4 March
    rotation = Schedule(1, "cyclic", (((0, 1440),), (), (), ()))
    rules = SiteRules.build(
        SITE, controllers=[Controller("gate", "factory", (1,))],
        access_points=[AccessPoint(1, "gate in", "gate", 1)], schedules=[rotation],
        policies=[
            Policy(shift, (AccessRow(1, point_id=1, start_date=dt.date(2026, 3, shift)),))
            for shift in range(1, 5)
        ],
        groups=[Group(0, name="factory")]
        + [Group(shift, 0, shift, f"shift {shift}") for shift in range(1, 5)],
        persons=[Person(shift, shift, badges=(Badge(100 + shift),)) for shift in range(1, 5)],
    )
    lst = compile_site(rules, CompileOptions(local(2026, 3, 1)))["gate"]
    for day in range(35):
        date = dt.date(2026, 3, 1) + dt.timedelta(days=day)
        on_duty = day % 4 + 1
        for hour, minute in ((0, 0), (2, 30), (12, 0), (23, 59)):
            t = local(date.year, date.month, date.day, hour, minute)
            if (date, hour) == (dt.date(2026, 3, 29), 2):
                continue  # 02:30 does not exist on the spring-forward day
            granted = {s for s in range(1, 5) if allows(lst, 100 + s, 1, t)}
            assert granted == {on_duty}, (date, hour, minute, granted)
    # four shifts, four profiles, one shared schedule table entry each
    assert len(lst.profiles) == 4


def _factory(start: dt.date) -> SiteRules:
    """Factory -> administration, workshop 1 (-> planning department), workshop 2."""
    points = [
        AccessPoint(1, "main gate in", "gate", 1),
        AccessPoint(2, "main gate out", "gate", 2),
        AccessPoint(3, "workshop 1 door", "w1", 1),
        AccessPoint(4, "workshop 2 door", "w2", 1),
    ]
    office = every_day((hm(9), hm(18)), ident=1)
    always = every_day((0, 1440), ident=2)
    gate = (AccessRow(1, point_id=1, start_date=start), AccessRow(1, point_id=2, start_date=start))
    return SiteRules.build(
        SITE,
        controllers=[Controller("gate", "factory", (1, 2)), Controller("w1", "factory", (1,)),
                     Controller("w2", "factory", (1,))],
        access_points=points,
        point_groups=[AccessPointGroup(1, "everywhere", (1, 2, 3, 4))],
        schedules=[office, always],
        policies=[
            Policy(1, gate, "factory"),
            Policy(2, (*gate, AccessRow(1, point_id=3, start_date=start)), "workshop 1"),
            Policy(3, (*gate, AccessRow(1, point_id=4, start_date=start)), "workshop 2"),
            Policy(4, (AccessRow(2, point_group_id=1),), "head of workshop 1"),
        ],
        groups=[
            Group(1, None, 1, "factory"),
            Group(2, 1, None, "administration"),  # "use department access"
            Group(3, 1, 2, "workshop 1"),
            Group(4, 3, None, "planning department"),
            Group(5, 1, 3, "workshop 2"),
        ],
        persons=[
            Person(1, 2, badges=(Badge(11),)),  # administration
            Person(2, 2, badges=(Badge(12),)),  # administration
            Person(3, 3, badges=(Badge(13),)),  # workshop 1
            Person(4, 4, badges=(Badge(14),)),  # planning department
            Person(5, 5, badges=(Badge(15),)),  # workshop 2
            Person(6, 3, main_policy_id=4, badges=(Badge(16),)),  # head of workshop 1
        ],
    )


def test_factory_hierarchy_inherits_group_access() -> None:
    rules = _factory(dt.date(2026, 3, 1))  # a Sunday, as the manual asks
    lists = compile_site(rules, CompileOptions(local(2026, 2, 27)))
    gate, w1, w2 = lists["gate"], lists["w1"], lists["w2"]
    monday_10 = local(2026, 3, 2, 10)
    for key in (11, 12, 13, 14, 15, 16):
        assert allows(gate, key, 1, monday_10) and allows(gate, key, 2, monday_10)
        assert verdict(gate, key, 1, local(2026, 3, 2, 8, 59)) in ("outside schedule", "granted")
    for key in (11, 12, 13, 14, 15):
        assert verdict(gate, key, 1, local(2026, 3, 2, 8, 59)) == "outside schedule"
        assert verdict(gate, key, 2, local(2026, 3, 2, 18)) == "outside schedule"
    # nothing before the start date (Friday 27 and Saturday 28 February)
    assert verdict(gate, 11, 1, local(2026, 2, 27, 10)) == "outside schedule"
    assert allows(gate, 11, 1, local(2026, 3, 1, 10))
    # workshops: own people (and the planning department, which inherits workshop 1)
    assert allows(w1, 13, 1, monday_10) and allows(w1, 14, 1, monday_10)
    assert w1.lookup(11) is None and w1.lookup(15) is None
    assert allows(w2, 15, 1, monday_10) and w2.lookup(13) is None
    # the head of workshop 1 has individual access everywhere, all day
    assert allows(w2, 16, 1, local(2026, 3, 2, 3)) and allows(gate, 16, 2, local(2026, 3, 2, 23))
    # the administration and the whole factory share one profile at the gate
    profile = {key: gate.lookup(key)[0] for key in (11, 12)}  # type: ignore[index]
    assert profile[11] == profile[12]
    assert gate.profiles[profile[11]] == gate.profiles[gate.lookup(13)[0]]  # type: ignore[index]
    assert len(w1.profiles) == 2  # workshop 1 (+ planning), the head


def test_entry_all_day_exit_only_after_the_shift() -> None:
    rules = SiteRules.build(
        SITE, controllers=[Controller("gate", "factory", (1, 2))],
        access_points=[AccessPoint(1, "gate in", "gate", 1), AccessPoint(2, "gate out", "gate", 2)],
        schedules=[every_day((0, 1440), ident=1), every_day((hm(18), 1440), ident=2)],
        policies=[Policy(1, (AccessRow(1, point_id=1), AccessRow(2, point_id=2)))],
        groups=[Group(1, None, 1)], persons=[Person(1, 1, badges=(Badge(7),))],
    )
    gate = compile_site(rules, CompileOptions(local(2026, 4, 1)))["gate"]
    noon, evening, night = local(2026, 4, 2, 12), local(2026, 4, 2, 18, 1), local(2026, 4, 2, 3)
    assert allows(gate, 7, 1, noon) and not allows(gate, 7, 2, noon)
    assert allows(gate, 7, 2, evening) and allows(gate, 7, 1, night)


def test_holiday_exceptions() -> None:
    may_day = HolidayList(1, frozenset({dt.date(2026, 5, 1), dt.date(2026, 5, 8)}))
    rules = SiteRules.build(
        SITE, controllers=[Controller("gate", "factory", (1, 2))],
        access_points=[AccessPoint(1, "gate in", "gate", 1), AccessPoint(2, "gate out", "gate", 2)],
        schedules=[every_day((hm(9), hm(18)), ident=1),
                   Schedule(2, "cyclic", (((hm(10), hm(12)),),))],  # a one-day schedule
        holiday_lists=[may_day],
        policies=[Policy(1, (
            AccessRow(1, point_id=1, holiday_list_id=1, holiday_schedule_id=2),
            AccessRow(1, point_id=2, holiday_list_id=1),  # closed on holidays
        ))],
        groups=[Group(1, None, 1)], persons=[Person(1, 1, badges=(Badge(7),))],
    )
    gate = compile_site(rules, CompileOptions(local(2026, 4, 27)))["gate"]
    for day in (1, 8):
        assert allows(gate, 7, 1, local(2026, 5, day, 11))
        assert not allows(gate, 7, 1, local(2026, 5, day, 13))
        assert not allows(gate, 7, 2, local(2026, 5, day, 11))
    for day in (4, 7):
        assert allows(gate, 7, 1, local(2026, 5, day, 13))
        assert allows(gate, 7, 2, local(2026, 5, day, 11))
