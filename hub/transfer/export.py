"""A site's configuration as a document (format 1): natural keys, stable order.

Order never depends on database ids: named things are sorted by name (groups by name among
their siblings, persons by surname, name, number and then their whole record), while
lists whose order means something (policy rows, group members, title elements,
locations) keep their order. So export -> import -> export gives the same bytes.
Not exported: events, badge history, PINs (never leave the hub) and, unless asked, photos.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from hub.access.models import (
    AccessPoint,
    AccessPointGroup,
    Controller,
    Direction,
    Door,
    Room,
)
from hub.badges.models import Badge, BadgeState
from hub.people.models import Group, Person, PersonClass, PersonTitle, Title, TitleElement
from hub.policies.models import AccessPolicy, PersonPolicy
from hub.schedules.models import HolidayList, Schedule, ScheduleKind
from hub.schedules.services import day_table, format_interval
from hub.sites.models import Site
from hub.transfer.document import FORMAT, WEEKDAYS
from protocols import cardtext


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


class Exporter:
    """Reads one site and builds its document."""

    def __init__(self, session: Session, site: Site, *, photos: bool = False) -> None:
        self.session = session
        self.site = site
        self.photos = photos
        sid = site.id
        self.classes = {c.id: c for c in self._all(PersonClass, PersonClass.site_id == sid)}
        self.rooms = {r.id: r.name for r in self._all(Room, Room.site_id == sid)}
        self.doors = {d.id: d for d in self._all(Door, Door.site_id == sid)}
        self.points = {p.id: p for p in self._all(AccessPoint, AccessPoint.site_id == sid)}
        self.point_groups = {
            g.id: g for g in self._all(AccessPointGroup, AccessPointGroup.site_id == sid)
        }
        self.schedules = {s.id: s for s in self._all(Schedule, Schedule.site_id == sid)}
        self.holiday_lists = {h.id: h for h in self._all(HolidayList, HolidayList.site_id == sid)}
        self.policies = {p.id: p for p in self._all(AccessPolicy, AccessPolicy.site_id == sid)}
        self.groups = {g.id: g for g in self._all(Group, Group.site_id == sid)}
        self.badges: dict[tuple[str, int | None], list[Badge]] = defaultdict(list)
        for badge in self._all(Badge, Badge.site_id == sid):
            if badge.person_id is not None:
                self.badges["person", badge.person_id].append(badge)
            elif badge.group_id is not None:
                self.badges["group", badge.group_id].append(badge)
            else:
                self.badges["pool", None].append(badge)

    def _all(self, model: Any, *where: Any) -> list[Any]:
        return list(self.session.scalars(select(model).where(*where)))

    def document(self) -> dict[str, Any]:
        """The whole document."""
        return {
            "format": FORMAT,
            "site": {"code": self.site.code, "name": self.site.name,
                     "time_zone": self.site.time_zone},
            "classes": [
                {"name": c.name, "badge_type": c.badge_type.value}
                for c in sorted(self.classes.values(), key=lambda c: c.name) if not c.builtin
            ],
            "titles": self.titles(),
            "schedules": [self.schedule(s) for s in _by_name(self.schedules.values())],
            "holiday_lists": [
                {"name": h.name,
                 "holidays": [{"day": d.day.isoformat(), "name": d.name} for d in h.holidays]}
                for h in _by_name(self.holiday_lists.values())
            ],
            "rooms": [
                {"name": r.name, "notes": r.notes}
                for r in _by_name(self._all(Room, Room.site_id == self.site.id))
            ],
            "doors": [self.door(d) for d in _by_name(self.doors.values())],
            "access_point_groups": [
                {"name": g.name, "members": [self.member(m.access_point_id, m.child_group_id)
                                             for m in g.members]}
                for g in _by_name(self.point_groups.values())
            ],
            "controllers": [
                self.controller(c)
                for c in sorted(self._all(Controller, Controller.site_id == self.site.id),
                                key=lambda c: c.code)
            ],
            "policies": [self.policy(p) for p in _by_name(self.policies.values())],
            "groups": self.group_tree(None),
            "persons": self.persons(),
            "pool": [
                {"card": _card(b), "label": b.label, "state": b.state.value}
                for b in _by_card(self.badges["pool", None])
            ],
        }

    def titles(self) -> list[dict[str, Any]]:
        titles = self._all(Title, Title.site_id == self.site.id)
        return [
            {"name": t.name, "classes": sorted(c.name for c in t.classes),
             "elements": [e.value for e in t.elements]}
            for t in _by_name(titles)
        ]

    def schedule(self, schedule: Schedule) -> dict[str, Any]:
        table = day_table(schedule)
        if schedule.kind is ScheduleKind.WEEKLY:
            keys = list(WEEKDAYS)
        else:
            keys = [str(n) for n in range(1, schedule.cycle_days + 1)]
        result: dict[str, Any] = {"name": schedule.name, "kind": schedule.kind.value}
        if schedule.kind is ScheduleKind.CYCLIC:
            result["cycle_days"] = schedule.cycle_days
        result["days"] = {
            key: [format_interval(start, end) for start, end in intervals]
            for key, intervals in zip(keys, table, strict=True) if intervals
        }
        return result

    def door(self, door: Door) -> dict[str, Any]:
        names = {p.direction: p.name for p in door.access_points}
        return {
            "name": door.name,
            "from_room": self.rooms.get(door.from_room_id) if door.from_room_id else None,
            "to_room": self.rooms.get(door.to_room_id) if door.to_room_id else None,
            "entry_name": names.get(Direction.ENTRY),
            "exit_name": names.get(Direction.EXIT),
        }

    def point(self, point_id: int) -> dict[str, str]:
        point = self.points[point_id]
        return {"door": self.doors[point.door_id].name, "direction": point.direction.value}

    def member(self, point_id: int | None, group_id: int | None) -> dict[str, str]:
        if point_id is not None:
            return self.point(point_id)
        assert group_id is not None
        return {"group": self.point_groups[group_id].name}

    def controller(self, controller: Controller) -> dict[str, Any]:
        return {
            "code": controller.code, "name": controller.name, "kind": controller.kind.value,
            "enabled": controller.enabled, "notes": controller.notes,
            "readers": [
                {"reader_no": r.reader_no, **self.point(r.access_point_id),
                 "requires_pin": r.requires_pin, "name": r.name}
                for r in controller.readers
            ],
        }

    def policy(self, policy: AccessPolicy) -> dict[str, Any]:
        rows = []
        for rule in policy.rules:
            target: dict[str, Any] = (
                self.point(rule.access_point_id) if rule.access_point_id is not None
                else {"access_point_group": self.point_groups[
                    rule.access_point_group_id or 0].name}
            )
            rows.append({
                **target,
                "schedule": self.schedules[rule.schedule_id].name,
                "start_date": _day(rule.start_date),
                "holiday_list": self._name_of(self.holiday_lists, rule.holiday_list_id),
                "holiday_schedule": self._name_of(self.schedules, rule.holiday_schedule_id),
            })
        return {"name": policy.name, "notes": policy.notes, "rules": rows}

    @staticmethod
    def _name_of(table: dict[int, Any], ident: int | None) -> str | None:
        return None if ident is None else str(table[ident].name)

    def group_tree(self, parent_id: int | None) -> list[dict[str, Any]]:
        children = [g for g in self.groups.values() if g.parent_id == parent_id]
        return [
            {
                "name": g.name, "company": g.is_company,
                "policy": self._name_of(self.policies, g.policy_id), "notes": g.notes,
                "badges": [_held(b) for b in _by_card(self.badges["group", g.id])],
                "groups": self.group_tree(g.id),
            }
            for g in _by_name(children)
        ]

    def group_path(self, group_id: int) -> list[str]:
        path = []
        current: int | None = group_id
        while current is not None:
            path.append(self.groups[current].name)
            current = self.groups[current].parent_id
        return path[::-1]

    def persons(self) -> list[dict[str, Any]]:
        sid = self.site.id
        titles: dict[int, dict[str, str]] = defaultdict(dict)
        query = (
            select(PersonTitle.person_id, Title.name, TitleElement.value)
            .join(Title, Title.id == PersonTitle.title_id)
            .join(TitleElement, TitleElement.id == PersonTitle.element_id)
            .where(Title.site_id == sid)
        )
        for person_id, title, value in self.session.execute(query):
            titles[person_id][title] = value
        grants: dict[int, list[PersonPolicy]] = defaultdict(list)
        grant_query = select(PersonPolicy).join(Person, Person.id == PersonPolicy.person_id)
        for grant in self.session.scalars(grant_query.where(Person.site_id == sid)):
            grants[grant.person_id].append(grant)
        # Locations (and photos, when asked) in one more query each, not one per person.
        loads = [selectinload(Person.locations)]
        if self.photos:
            loads.append(undefer(Person.photo))
        persons = self.session.scalars(select(Person).where(Person.site_id == sid).options(*loads))
        records = [self.person(p, titles[p.id], grants[p.id]) for p in persons]
        # Natural order, then the whole record: two persons only tie if they are identical.
        return sorted(records, key=lambda r: (
            r["surname"], r["name"], r["personal_number"] or "",
            json.dumps(r, sort_keys=True, ensure_ascii=False),
        ))

    def person(
        self, person: Person, titles: dict[str, str], grants: list[PersonPolicy]
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "surname": person.surname, "name": person.name,
            "class": self.classes[person.class_id].name,
            "personal_number": person.personal_number, "external_code": person.external_code,
            "free_field": person.free_field, "notes": person.notes,
            "created_at": _instant(person.created_at),
            "group": self.group_path(person.group_id) if person.group_id is not None else [],
            "main_policy": self._name_of(self.policies, person.main_policy_id),
            "additional_policies": sorted(
                ({"policy": self.policies[g.policy_id].name, "valid_from": _day(g.valid_from),
                  "valid_to": _day(g.valid_to)} for g in grants),
                key=lambda g: (g["policy"], g["valid_from"] or "", g["valid_to"] or ""),
            ),
            "titles": dict(sorted(titles.items())),
            "locations": [
                {"name": loc.name, "room": self.rooms.get(loc.room_id) if loc.room_id else None,
                 "phone": loc.phone, "notes": loc.notes}
                for loc in person.locations
            ],
            "photo_ref": person.photo_ref,
            "badges": [_held(b) for b in _by_card(self.badges["person", person.id])],
        }
        if self.photos and person.photo_media_type is not None and person.photo is not None:
            record["photo"] = {
                "media_type": person.photo_media_type,
                "data": base64.b64encode(person.photo).decode("ascii"),
            }
        return record


def _by_name(items: Any) -> list[Any]:
    return sorted(items, key=lambda item: item.name)


def _by_card(badges: list[Badge]) -> list[Badge]:
    return sorted(badges, key=lambda b: (b.card_format, b.card_value))


def _card(badge: Badge) -> str:
    return cardtext.to_text(badge.card_key)


def _held(badge: Badge) -> dict[str, Any]:
    assert badge.state is BadgeState.ISSUED
    return {"card": _card(badge), "label": badge.label,
            "valid_from": _instant(badge.valid_from), "valid_to": _instant(badge.valid_to)}


def export_site(session: Session, site: Site, *, photos: bool = False) -> dict[str, Any]:
    """The document of ``site`` (photos as base64 only when ``photos``)."""
    return Exporter(session, site, photos=photos).document()


INLINE_WIDTH = 80


def dumps(document: dict[str, Any]) -> str:
    """The document as text: indented JSON with short lists and objects on one line (so a
    schedule day or an access point reads as one line), non-ASCII kept, a final newline."""
    return _render(document, 0) + "\n"


def _render(value: Any, depth: int) -> str:
    flat = json.dumps(value, ensure_ascii=False)
    nested = isinstance(value, dict | list) and any(
        isinstance(item, dict | list) and item
        for item in (value.values() if isinstance(value, dict) else value)
    )
    if not isinstance(value, dict | list) or (
        not nested and len(flat) + 2 * depth <= INLINE_WIDTH
    ):
        return flat
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {_render(v, depth + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    items = [pad + _render(item, depth + 1) for item in value]
    return "[\n" + ",\n".join(items) + "\n" + "  " * depth + "]"
