"""A seeded synthetic site for benchmarks: a campus with gates, buildings and work areas.

The default size is issue 3's benchmark: 100,000 persons, 2,000 groups, 1,000 access
points on 250 controllers (4 readers each). The shape follows the manuals: a company tree
(company -> divisions -> departments -> teams) where most teams inherit their
department's access and some have their own; access by point groups (the campus gates,
building entrances, work areas, nested "whole building" groups); entry all day and exit
after the shift; office hours, night shifts and cyclic rotations with start dates; a
holiday list with a holiday schedule; a few heads with individual access; project
policies granted with a validity; visitors with short badge validity, PIN areas,
recently withdrawn cards.

Every controller of the campus gates lists every card, as a real turnstile bank does.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

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
    PolicyGrant,
    Schedule,
    Site,
)
from hub.compiler.siterules import SiteRules
from protocols.portable.cardkey import H10306_34, card_key

READERS = 4
GATE_CONTROLLERS = 10


@dataclass(frozen=True)
class Size:
    persons: int = 100_000
    groups: int = 2_000
    controllers: int = 250
    buildings: int = 20


def _week(*days: tuple[tuple[int, int], ...]) -> tuple[tuple[tuple[int, int], ...], ...]:
    return tuple(days)


def schedules() -> list[Schedule]:
    """Office hours, exit after the shift, nights, weekends, rotations, a holiday schedule."""
    h = 60
    work, free = ((7 * h, 19 * h),), ()
    return [
        Schedule(1, "weekly", (((0, 1440),),) * 7, "always"),
        Schedule(2, "weekly", _week(*(work,) * 5, free, free), "office"),
        Schedule(3, "weekly", _week(*(((15 * h, 1440),),) * 5, ((0, 1440),), ((0, 1440),)),
                 "exit after the shift"),
        Schedule(4, "weekly", _week(*(((22 * h, 6 * h),),) * 5, free, free), "nights"),
        Schedule(5, "weekly", _week(free, free, free, free, free, ((0, 1440),), ((0, 1440),)),
                 "weekends"),
        Schedule(6, "weekly", _week(*(((6 * h, 14 * h),),) * 6, free), "early"),
        Schedule(7, "weekly", _week(*(((14 * h, 22 * h),),) * 6, free), "late"),
        Schedule(8, "weekly", _week(*(((8 * h, 12 * h), (13 * h, 17 * h)),) * 5, free, free),
                 "office with lunch"),
        Schedule(9, "cyclic", (((0, 1440),), (), (), ()), "4-day rotation"),
        Schedule(10, "cyclic", (((6 * h, 18 * h),), ((6 * h, 18 * h),), (), ()), "2 on 2 off"),
        Schedule(11, "cyclic", (((6 * h, 14 * h),),) * 2 + (((14 * h, 22 * h),),) * 2
                 + (((22 * h, 6 * h),),) * 2 + ((),) * 2, "three shifts"),
        Schedule(12, "cyclic", (((8 * h, 12 * h),),), "holiday morning"),
    ]


HOLIDAYS = HolidayList(1, frozenset(dt.date(2026, m, d) for m, d in (
    (1, 1), (1, 6), (4, 3), (4, 6), (5, 1), (5, 8), (7, 5), (8, 29), (9, 1), (9, 15),
    (11, 1), (11, 17), (12, 24), (12, 25), (12, 26))), "public holidays")


def _key(facility: int, n: int) -> int:
    """A 34-bit HID card: facility codes from ``facility`` on, 65,536 cards each."""
    return card_key(H10306_34, ((facility + n // 65536) << 16) | (n % 65536))


def synthetic_site(
    size: Size | None = None, seed: int = 1, today: dt.date | None = None
) -> SiteRules:
    """The site's rules, the same for the same size and seed."""
    size = size or Size()
    today = today or dt.date(2026, 3, 20)
    rnd = random.Random(seed)  # noqa: S311 - test data, not secrets
    site = Site("campus", "Europe/Bratislava")
    controllers = [Controller(f"c{c:03d}", site.id, tuple(range(1, READERS + 1)))
                   for c in range(size.controllers)]
    points = [
        AccessPoint(c * READERS + r, f"{ctl.id}/{r}", ctl.id, r, pin_required=False)
        for c, ctl in enumerate(controllers) for r in range(1, READERS + 1)
    ]
    gate_points = points[: GATE_CONTROLLERS * READERS]
    groups_of_points: list[AccessPointGroup] = [
        AccessPointGroup(1, "gates in", tuple(p.id for p in gate_points if p.reader_id % 2)),
        AccessPointGroup(2, "gates out", tuple(p.id for p in gate_points if not p.reader_id % 2)),
    ]
    rest = points[GATE_CONTROLLERS * READERS:]
    per_building = len(rest) // size.buildings
    entrances: list[int] = []  # point group id per building
    areas: list[list[int]] = []  # point group ids per building
    for b in range(size.buildings):
        mine = rest[b * per_building:(b + 1) * per_building]
        ident = len(groups_of_points) + 1
        groups_of_points.append(AccessPointGroup(ident, f"building {b} entrances",
                                                 tuple(p.id for p in mine[:8])))
        entrances.append(ident)
        areas.append([])
        for a, start in enumerate(range(8, len(mine), 5)):
            ident = len(groups_of_points) + 1
            secure = a % 8 == 7
            chunk = mine[start:start + 5]
            if secure:
                for p in chunk:
                    points[p.id - 1] = AccessPoint(p.id, p.name, p.controller_id, p.reader_id,
                                                   True)
            groups_of_points.append(AccessPointGroup(ident, f"building {b} area {a}",
                                                     tuple(p.id for p in chunk)))
            areas[b].append(ident)
        groups_of_points.append(AccessPointGroup(len(groups_of_points) + 1, f"building {b}",
                                                 (), (entrances[b], *areas[b])))
    whole = [g.id for g in groups_of_points if g.name.startswith("building ") and g.group_ids]
    groups_of_points.append(AccessPointGroup(len(groups_of_points) + 1, "everywhere", (),
                                             (1, 2, *whole)))
    everywhere = groups_of_points[-1].id

    gates = (AccessRow(1, point_group_id=1), AccessRow(3, point_group_id=2))
    policies: list[Policy] = [Policy(1, gates, "campus gates")]

    def area_rows(b: int, count: int) -> tuple[AccessRow, ...]:
        rows = []
        for area in rnd.sample(areas[b], min(count, len(areas[b]))):
            schedule = rnd.choice([1, 2, 2, 2, 4, 6, 7, 8, 9, 10, 11])
            start = today - dt.timedelta(days=rnd.randrange(0, 12)) if schedule >= 9 else None
            holiday = rnd.random() < 0.3
            rows.append(AccessRow(schedule, point_group_id=area, start_date=start,
                                  holiday_list_id=1 if holiday else None,
                                  holiday_schedule_id=12 if holiday and rnd.random() < 0.5
                                  else None))
        return tuple(rows)

    def own_policy(b: int, areas_count: int, name: str) -> int:
        entrance = AccessRow(2, point_group_id=entrances[b], holiday_list_id=1,
                             holiday_schedule_id=12)
        policies.append(Policy(len(policies) + 1, (*gates, entrance,
                                                   *area_rows(b, areas_count)), name))
        return policies[-1].id

    divisions = max(1, size.groups // 200)
    departments = max(divisions, size.groups // 10)
    groups = [Group(0, None, 1, "company")]
    building_of: dict[int, int] = {}
    for g in range(1, size.groups):
        if g <= divisions:
            parent = 0
            building = (g - 1) * size.buildings // divisions
        elif g < departments:
            parent = rnd.randint(1, divisions)
            building = building_of[parent] + rnd.randrange(size.buildings // divisions or 1)
        else:
            parent = rnd.randrange(divisions + 1, departments)
            building = building_of[parent]
        building_of[g] = building % size.buildings
        own = g < departments or rnd.random() < 0.3
        policy = own_policy(building_of[g], rnd.randint(1, 3), f"group {g}") if own else None
        groups.append(Group(g, parent, policy, f"group {g}"))
    heads = [Policy(len(policies) + n + 1, (AccessRow(1, point_group_id=everywhere),),
                    f"head {n}") for n in range(20)]
    policies.extend(heads)
    projects = []
    for n in range(100):
        b = rnd.randrange(size.buildings)
        projects.append(Policy(len(policies) + 1, area_rows(b, 1), f"project {n}"))
        policies.append(projects[-1])

    persons = []
    teams = list(range(departments, size.groups)) or [0]
    weights = [rnd.random() ** 2 + 0.05 for _ in teams]
    homes = rnd.choices(teams, weights, k=size.persons)
    now = dt.datetime.combine(today, dt.time(8), dt.UTC)
    for n in range(size.persons):
        main = rnd.choice(heads).id if rnd.random() < 0.02 else None
        grants = tuple(
            PolicyGrant(rnd.choice(projects).id,
                        today + dt.timedelta(days=rnd.randint(-30, 20)),
                        today + dt.timedelta(days=rnd.randint(21, 90))
                        if rnd.random() < 0.8 else None)
            for _ in range(rnd.choice((1, 1, 2)) if rnd.random() < 0.1 else 0)
        )
        visitor = rnd.random() < 0.05
        badges = [Badge(
            _key(100, n),
            valid_from=now - dt.timedelta(days=rnd.randint(0, 3)) if visitor else None,
            valid_to=now + dt.timedelta(days=rnd.randint(1, 14)) if visitor else None,
            pin=f"{rnd.randrange(10000):04d}" if rnd.random() < 0.2 else None,
        )]
        if rnd.random() < 0.03:
            withdrawn_at = now - dt.timedelta(days=rnd.randint(0, 20))
            badges.append(Badge(_key(300, n), "withdrawn", withdrawn_at=withdrawn_at))
        persons.append(Person(n + 1, homes[n], main, grants, tuple(badges), f"person {n + 1}"))
    return SiteRules.build(
        site, controllers=controllers, access_points=points, point_groups=groups_of_points,
        schedules=schedules(), holiday_lists=[HOLIDAYS], policies=policies, groups=groups,
        persons=persons,
    )
