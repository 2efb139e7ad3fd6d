"""The loader: one site's database rows -> the compiler's input (hub.compiler.rules).

Column queries, not ORM objects, so a site of 100,000 persons loads in a few queries.
How the database model maps onto the rules (docs/hub-model.md, "The compiler's view"):

* an access point of the compiler is a reader: a database access point with no reader is
  not installed, so it is left out, and so are rows and group memberships naming it;
* a one-day holiday schedule becomes a 1-day cyclic schedule;
* issued badges belong to their holder; a withdrawn badge is given to the holder it was
  withdrawn from (from its history), with ``withdrawn_at``, so the edges that knew the
  card are told "withdrawn"; cards never issued are not loaded;
* PINs are opened with the hub's PIN vault; ``pins=None`` loads no PINs (cards on PIN
  readers then fail closed: the edge asks for a PIN it cannot check).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.access.models import (
    AccessPoint,
    AccessPointGroup,
    AccessPointGroupMember,
    Controller,
    ControllerKind,
    Reader,
)
from hub.badges.models import Badge, BadgeAction, BadgeEvent, BadgeState
from hub.badges.pins import PinVault
from hub.compiler import rules
from hub.compiler.siterules import SiteRules
from hub.people.models import Group, Person
from hub.policies.models import AccessPolicy, AccessRule, PersonPolicy
from hub.schedules.models import Holiday, HolidayList, Schedule, ScheduleInterval, ScheduleKind
from hub.sites.models import Site
from protocols.portable import cardkey

BadgesByHolder = dict[tuple[str, int], list[rules.Badge]]


def load_site_rules(
    session: Session,
    site_id: int,
    *,
    pins: PinVault | None,
    person_ids: Collection[int] | None = None,
) -> SiteRules:
    """The site's rules for the compiler; ``person_ids`` limits the persons loaded (all
    groups, policies and hardware are always loaded: a person's access depends on them)."""
    site = check.get(session, Site, site_id, "site")
    points = _access_points(session, site_id)
    installed = set(points)
    badges = _badges(session, site_id, pins, person_ids)
    return SiteRules.build(
        rules.Site(id=site.code, tz=site.time_zone),
        controllers=_controllers(session, site),
        access_points=points.values(),
        point_groups=_point_groups(session, site_id, installed),
        schedules=_schedules(session, site_id),
        holiday_lists=_holiday_lists(session, site_id),
        policies=_policies(session, site_id, installed),
        groups=_groups(session, site_id, badges),
        persons=_persons(session, site_id, badges, person_ids),
    )


def _controllers(session: Session, site: Site) -> list[rules.Controller]:
    readers: dict[int, list[int]] = defaultdict(list)
    query = (
        select(Reader.controller_id, Reader.reader_no)
        .join(Controller, Controller.id == Reader.controller_id)
        .where(Controller.site_id == site.id)
    )
    for controller_id, reader_no in session.execute(query):
        readers[controller_id].append(reader_no)
    rows = session.execute(
        select(Controller.id, Controller.code, Controller.kind).where(Controller.site_id == site.id)
    )
    return [
        rules.Controller(
            id=code,
            site_id=site.code,
            readers=tuple(sorted(readers[ident])),
            concentrator=kind is ControllerKind.CONCENTRATOR,
        )
        for ident, code, kind in rows
    ]


def _access_points(session: Session, site_id: int) -> dict[int, rules.AccessPoint]:
    query = (
        select(
            AccessPoint.id, AccessPoint.name, Controller.code, Reader.reader_no, Reader.requires_pin
        )
        .join(Reader, Reader.access_point_id == AccessPoint.id)
        .join(Controller, Controller.id == Reader.controller_id)
        .where(AccessPoint.site_id == site_id)
    )
    return {
        ident: rules.AccessPoint(
            id=ident, name=name, controller_id=code, reader_id=reader_no, pin_required=requires_pin
        )
        for ident, name, code, reader_no, requires_pin in session.execute(query)
    }


def _point_groups(
    session: Session, site_id: int, installed: set[int]
) -> list[rules.AccessPointGroup]:
    points: dict[int, list[int]] = defaultdict(list)
    children: dict[int, list[int]] = defaultdict(list)
    query = (
        select(
            AccessPointGroupMember.group_id,
            AccessPointGroupMember.access_point_id,
            AccessPointGroupMember.child_group_id,
        )
        .join(AccessPointGroup, AccessPointGroup.id == AccessPointGroupMember.group_id)
        .where(AccessPointGroup.site_id == site_id)
    )
    for group_id, point_id, child_id in session.execute(query):
        if point_id is not None and point_id in installed:
            points[group_id].append(point_id)
        elif child_id is not None:
            children[group_id].append(child_id)
    groups = session.execute(
        select(AccessPointGroup.id, AccessPointGroup.name).where(
            AccessPointGroup.site_id == site_id
        )
    )
    return [
        rules.AccessPointGroup(
            id=ident,
            name=name,
            point_ids=tuple(sorted(points[ident])),
            group_ids=tuple(sorted(children[ident])),
        )
        for ident, name in groups
    ]


def _schedules(session: Session, site_id: int) -> list[rules.Schedule]:
    intervals: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    query = (
        select(
            ScheduleInterval.schedule_id,
            ScheduleInterval.day,
            ScheduleInterval.start_minute,
            ScheduleInterval.end_minute,
        )
        .join(Schedule, Schedule.id == ScheduleInterval.schedule_id)
        .where(Schedule.site_id == site_id)
    )
    for schedule_id, day, start, end in session.execute(query):
        intervals[schedule_id].append((day, start, end))
    result = []
    query_schedules = select(Schedule.id, Schedule.name, Schedule.kind, Schedule.cycle_days)
    for ident, name, kind, cycle_days in session.execute(
        query_schedules.where(Schedule.site_id == site_id)
    ):
        days: list[list[tuple[int, int]]] = [[] for _ in range(cycle_days)]
        for day, start, end in intervals[ident]:
            days[day - 1].append((start, end))
        result.append(
            rules.Schedule(
                id=ident,
                name=name,
                kind="weekly" if kind is ScheduleKind.WEEKLY else "cyclic",
                days=tuple(tuple(sorted(day)) for day in days),
            )
        )
    return result


def _holiday_lists(session: Session, site_id: int) -> list[rules.HolidayList]:
    dates: dict[int, set[dt.date]] = defaultdict(set)
    query = (
        select(Holiday.list_id, Holiday.day)
        .join(HolidayList, HolidayList.id == Holiday.list_id)
        .where(HolidayList.site_id == site_id)
    )
    for list_id, day in session.execute(query):
        dates[list_id].add(day)
    lists = session.execute(
        select(HolidayList.id, HolidayList.name).where(HolidayList.site_id == site_id)
    )
    return [
        rules.HolidayList(id=ident, name=name, dates=frozenset(dates[ident]))
        for ident, name in lists
    ]


def _policies(session: Session, site_id: int, installed: set[int]) -> list[rules.Policy]:
    rows: dict[int, list[rules.AccessRow]] = defaultdict(list)
    query = (
        select(
            AccessRule.policy_id,
            AccessRule.access_point_id,
            AccessRule.access_point_group_id,
            AccessRule.schedule_id,
            AccessRule.start_date,
            AccessRule.holiday_list_id,
            AccessRule.holiday_schedule_id,
        )
        .join(AccessPolicy, AccessPolicy.id == AccessRule.policy_id)
        .where(AccessPolicy.site_id == site_id)
        .order_by(AccessRule.policy_id, AccessRule.position, AccessRule.id)
    )
    for policy_id, point, group, schedule, start, holidays, holiday_schedule in session.execute(
        query
    ):
        if point is not None and point not in installed:
            continue  # an access point without a reader: nothing to compile
        rows[policy_id].append(
            rules.AccessRow(
                schedule_id=schedule,
                point_id=point,
                point_group_id=group,
                start_date=start,
                holiday_list_id=holidays,
                holiday_schedule_id=holiday_schedule,
            )
        )
    policies = session.execute(
        select(AccessPolicy.id, AccessPolicy.name).where(AccessPolicy.site_id == site_id)
    )
    return [rules.Policy(id=ident, name=name, rows=tuple(rows[ident])) for ident, name in policies]


def _badges(
    session: Session, site_id: int, pins: PinVault | None, person_ids: Collection[int] | None
) -> BadgesByHolder:
    held: BadgesByHolder = defaultdict(list)
    issued = select(
        Badge.id,
        Badge.card_format,
        Badge.card_value,
        Badge.person_id,
        Badge.group_id,
        Badge.valid_from,
        Badge.valid_to,
        Badge.pin_sealed,
    ).where(Badge.site_id == site_id, Badge.state == BadgeState.ISSUED)
    if person_ids is not None:
        issued = issued.where((Badge.person_id.in_(person_ids)) | (Badge.group_id.is_not(None)))
    for ident, fmt, value, person_id, group_id, valid_from, valid_to, sealed in session.execute(
        issued
    ):
        pin = None if sealed is None or pins is None else pins.open(ident, sealed)
        holder = _holder(person_id, group_id)
        if holder is None:
            continue
        held[holder].append(
            rules.Badge(
                key=cardkey.card_key(fmt, value),
                state="issued",
                valid_from=valid_from,
                valid_to=valid_to,
                pin=pin,
            )
        )
    last = (
        select(func.max(BadgeEvent.id))
        .where(BadgeEvent.action == BadgeAction.WITHDRAWN)
        .group_by(BadgeEvent.badge_id)
    )
    withdrawn = (
        select(
            Badge.card_format,
            Badge.card_value,
            BadgeEvent.person_id,
            BadgeEvent.group_id,
            BadgeEvent.at,
        )
        .join(BadgeEvent, BadgeEvent.badge_id == Badge.id)
        .where(
            Badge.site_id == site_id, Badge.state == BadgeState.WITHDRAWN, BadgeEvent.id.in_(last)
        )
    )
    for fmt, value, person_id, group_id, at in session.execute(withdrawn):
        if person_id is not None and person_ids is not None and person_id not in person_ids:
            continue
        holder = _holder(person_id, group_id)
        if holder is None:
            continue
        held[holder].append(
            rules.Badge(
                key=cardkey.card_key(fmt, value),
                state="withdrawn",
                withdrawn_at=at,
            )
        )
    return held


def _holder(person_id: int | None, group_id: int | None) -> tuple[str, int] | None:
    if person_id is not None:
        return ("person", person_id)
    if group_id is not None:
        return ("group", group_id)
    return None


def _groups(session: Session, site_id: int, badges: BadgesByHolder) -> list[rules.Group]:
    query = select(Group.id, Group.parent_id, Group.policy_id, Group.name).where(
        Group.site_id == site_id
    )
    return [
        rules.Group(
            id=ident,
            parent_id=parent,
            policy_id=policy,
            name=name,
            badges=tuple(badges.get(("group", ident), ())),
        )
        for ident, parent, policy, name in session.execute(query)
    ]


def _persons(
    session: Session, site_id: int, badges: BadgesByHolder, person_ids: Collection[int] | None
) -> list[rules.Person]:
    grants: dict[int, list[rules.PolicyGrant]] = defaultdict(list)
    grant_query = (
        select(
            PersonPolicy.person_id,
            PersonPolicy.policy_id,
            PersonPolicy.valid_from,
            PersonPolicy.valid_to,
        )
        .join(Person, Person.id == PersonPolicy.person_id)
        .where(Person.site_id == site_id)
        .order_by(PersonPolicy.id)
    )
    person_query = select(
        Person.id, Person.group_id, Person.main_policy_id, Person.surname, Person.name
    ).where(Person.site_id == site_id)
    if person_ids is not None:
        grant_query = grant_query.where(PersonPolicy.person_id.in_(person_ids))
        person_query = person_query.where(Person.id.in_(person_ids))
    for person_id, policy_id, valid_from, valid_to in session.execute(grant_query):
        grants[person_id].append(
            rules.PolicyGrant(policy_id=policy_id, valid_from=valid_from, valid_to=valid_to)
        )
    return [
        rules.Person(
            id=ident,
            group_id=group_id,
            main_policy_id=main,
            additional=tuple(grants[ident]),
            badges=tuple(badges.get(("person", ident), ())),
            name=f"{surname}, {name}",
        )
        for ident, group_id, main, surname, name in session.execute(person_query)
    ]
