"""Hypothesis strategies: small random sites with every feature of the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from hub.compiler.rules import (
    AccessPoint,
    AccessPointGroup,
    AccessRow,
    Badge,
    Controller,
    Group,
    HolidayList,
    Interval,
    Person,
    Policy,
    PolicyGrant,
    Schedule,
    Site,
)
from hub.compiler.siterules import SiteRules

ZONES = ["Europe/Bratislava", "America/New_York", "Australia/Lord_Howe", "UTC"]
# horizon starts just before daylight-saving changes of these zones (and one quiet month)
STARTS = [dt.date(2026, 3, 20), dt.date(2026, 10, 20), dt.date(2026, 3, 1),
          dt.date(2026, 9, 25), dt.date(2026, 6, 1)]
HORIZON_DAYS = 35

Draw = Any  # hypothesis' draw callable


def _interval(draw: Draw) -> Interval:
    # minutes on a 30-minute grid plus odd ones, so DST edges (02:00, 02:30) get hit
    minute = st.one_of(st.integers(0, 47).map(lambda h: h * 30), st.integers(0, 1439))
    start = draw(minute)
    end = draw(st.one_of(minute, st.just(1440)).filter(lambda e: e != start))
    return (start, end)


def _schedule(draw: Draw, ident: int) -> Schedule:
    kind = draw(st.sampled_from(["weekly", "cyclic"]))
    count = 7 if kind == "weekly" else draw(st.integers(1, 5))
    days = tuple(
        tuple(_interval(draw) for _ in range(draw(st.integers(0, 2)))) for _ in range(count)
    )
    return Schedule(ident, kind, days)


def _date_near(draw: Draw, start: dt.date, before: int = 5, after: int = 40) -> dt.date:
    return start + dt.timedelta(days=draw(st.integers(-before, after)))


def _moment(draw: Draw, start: dt.date) -> dt.datetime:
    day = _date_near(draw, start, 10, 40)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(
        seconds=draw(st.integers(0, 86399)))


def draw_rows(
    draw: Draw, start: dt.date, schedules: list[Schedule], point_ids: list[int],
    point_groups: list[AccessPointGroup],
) -> tuple[AccessRow, ...]:
    """1-3 access rows on random targets, schedules, start dates and holidays."""
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        schedule = draw(st.sampled_from(schedules))
        start_date = _date_near(draw, start) if schedule.kind == "cyclic" or draw(
            st.booleans()) else None
        holiday_list = draw(st.sampled_from([None, 1, 2]))
        holiday_schedule = draw(st.sampled_from([None, *(s.id for s in schedules)]))
        hs = next(s for s in schedules if s.id == holiday_schedule) if holiday_schedule \
            else None
        if hs is not None and hs.kind == "cyclic" and len(hs.days) > 1 and start_date is None:
            holiday_schedule = None
        if point_groups and draw(st.booleans()):
            target = {"point_group_id": draw(st.sampled_from(point_groups)).id}
        else:
            target = {"point_id": draw(st.sampled_from(point_ids))}
        rows.append(AccessRow(schedule.id, start_date=start_date, holiday_list_id=holiday_list,
                              holiday_schedule_id=holiday_schedule, **target))
    return tuple(rows)


def draw_badges(draw: Draw, start: dt.date, key_base: int) -> tuple[Badge, ...]:
    """1-2 badges with keys above ``key_base``: issued or withdrawn, validity, PIN."""
    badges = []
    key = key_base
    for _ in range(draw(st.integers(1, 2))):
        key += draw(st.integers(1, 400))
        state = draw(st.sampled_from(["issued", "issued", "issued", "withdrawn"]))
        badges.append(Badge(
            key, state,
            valid_from=_moment(draw, start) if draw(st.booleans()) else None,
            valid_to=_moment(draw, start) if draw(st.booleans()) else None,
            pin=draw(st.sampled_from([None, "1234", "987"])),
            withdrawn_at=_moment(draw, start) if state == "withdrawn" else None,
        ))
    return tuple(badges)


def draw_person(
    draw: Draw, ident: int, start: dt.date, group_ids: list[int], policy_ids: list[int],
    key_base: int,
) -> Person:
    grants = []
    for _ in range(draw(st.integers(0, 2))):
        first = _date_near(draw, start) if draw(st.booleans()) else None
        last = _date_near(draw, start) if draw(st.booleans()) else None
        grants.append(PolicyGrant(draw(st.sampled_from(policy_ids)), first, last))
    return Person(ident, draw(st.sampled_from(group_ids)),
                  draw(st.sampled_from([None, None, *policy_ids])), tuple(grants),
                  draw_badges(draw, start, key_base))


def draw_holidays(draw: Draw, ident: int, start: dt.date) -> HolidayList:
    return HolidayList(ident, frozenset(_date_near(draw, start, 2, 36)
                                        for _ in range(draw(st.integers(0, 4)))))


def draw_schedule(draw: Draw, ident: int) -> Schedule:
    return _schedule(draw, ident)


@st.composite
def sites(draw: Draw) -> tuple[SiteRules, int]:
    """(rules, horizon start) of a random small site."""
    tz = draw(st.sampled_from(ZONES))
    start = draw(st.sampled_from(STARTS))
    site = Site("s", tz)
    controllers: list[Controller] = []
    points: list[AccessPoint] = []
    for c in range(draw(st.integers(1, 3))):
        readers = tuple(range(1, draw(st.integers(1, 3)) + 1))
        controllers.append(Controller(f"c{c}", "s", readers))
        for r in readers:
            points.append(AccessPoint(len(points) + 1, f"p{len(points) + 1}", f"c{c}", r,
                                      draw(st.booleans())))
    point_ids = [p.id for p in points]
    point_groups: list[AccessPointGroup] = []
    for g in range(1, draw(st.integers(0, 3)) + 1):
        members = tuple(draw(st.lists(st.sampled_from(point_ids), max_size=3, unique=True)))
        nested = tuple(draw(st.lists(st.integers(1, g - 1), max_size=1, unique=True))) if g > 1 \
            else ()
        point_groups.append(AccessPointGroup(g, f"g{g}", members, nested))
    schedules = [_schedule(draw, s) for s in range(1, draw(st.integers(1, 4)) + 1)]
    holiday_lists = [draw_holidays(draw, h, start) for h in (1, 2)]
    policies = [Policy(p, draw_rows(draw, start, schedules, point_ids, point_groups))
                for p in range(1, draw(st.integers(1, 4)) + 1)]
    policy_ids = [p.id for p in policies]
    groups = []
    for g in range(1, draw(st.integers(1, 5)) + 1):
        parent = draw(st.sampled_from([None, *range(1, g)]))
        groups.append(Group(g, parent, draw(st.sampled_from([None, *policy_ids]))))
    persons = [draw_person(draw, n, start, [g.id for g in groups], policy_ids, 1000 * n)
               for n in range(1, draw(st.integers(1, 6)) + 1)]
    rules = SiteRules.build(
        site, controllers=controllers, access_points=points, point_groups=point_groups,
        schedules=schedules, holiday_lists=holiday_lists, policies=policies, groups=groups,
        persons=persons,
    )
    return rules, horizon_start(start)


def horizon_start(start: dt.date) -> int:
    return int(dt.datetime(start.year, start.month, start.day, 5, 17, tzinfo=dt.UTC).timestamp())


def start_of(hs: int) -> dt.date:
    """The strategies' reference date of a horizon start."""
    return dt.datetime.fromtimestamp(hs, dt.UTC).date()
