"""What the dashboard, the live events and the presence pages show, in a few queries each.

Events are attributed to the badge's current holder (a live view; reports that need the
holder at the time of an old event read the badge history). The request's session shows
only persons the user may see, so an event of anybody else has no person here; users
without the controllers module see only events that have one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from hub.access.models import AccessPoint, Controller, Direction, Door, Reader, Room
from hub.badges.models import Badge
from hub.events.models import Event
from hub.people.models import Person
from hub.photos.models import AccessPhoto
from hub.sync.models import ControllerSync, ListSnapshot
from protocols.portable import cardkey

# Door alarms (the edge's ALARM_KINDS, edge/door/events.py; the hub cannot import edge).
ALARM_KINDS = ("door_forced", "door_held", "tamper")
PRESENCE_HOURS = 24
DAY = 86400


@dataclass(frozen=True)
class EventRow:
    """One event as the events page shows it."""

    id: int
    ts: int
    controller: str
    reader: int | None
    point: str | None
    kind: str
    granted: bool
    reason: int
    faces: int | None
    card: str | None
    person_id: int | None
    person: str | None
    photo_id: int | None
    historical: bool


def _controller_ids(session: Session, site_id: int) -> list[int]:
    return list(session.scalars(select(Controller.id).where(Controller.site_id == site_id)))


def recent_events(session: Session, site_id: int, *, after_id: int = 0, limit: int = 50,
                  with_unassigned: bool = False, alarms_only: bool = False,
                  event_id: int | None = None) -> list[EventRow]:
    """The site's newest events (after ``after_id``; or just ``event_id``), newest first."""
    controllers = _controller_ids(session, site_id)
    if not controllers:
        return []
    query = (
        select(Event, Controller.code, AccessPoint.name, Person.id, Person.surname,
               Person.name, AccessPhoto.id)
        .join(Controller, Controller.id == Event.controller_id)
        .outerjoin(Reader, and_(Reader.controller_id == Event.controller_id,
                                Reader.reader_no == Event.reader))
        .outerjoin(AccessPoint, AccessPoint.id == Reader.access_point_id)
        .outerjoin(Badge, and_(Badge.site_id == site_id, Badge.card_format == Event.card_format,
                               Badge.card_value == Event.card_value))
        .outerjoin(Person, Person.id == Badge.person_id)
        .outerjoin(AccessPhoto, and_(AccessPhoto.controller_id == Event.controller_id,
                                     AccessPhoto.photo == Event.photo,
                                     AccessPhoto.complete.is_(True)))
        .where(Event.controller_id.in_(controllers), Event.id > after_id)
    )
    if not with_unassigned:
        query = query.where(Person.id.is_not(None))
    if alarms_only:
        query = query.where(Event.kind.in_(ALARM_KINDS))
    if event_id is not None:
        query = query.where(Event.id == event_id)
    rows = []
    for event, controller, point, person_id, surname, name, photo_id in session.execute(
            query.order_by(Event.id.desc()).limit(limit)):
        card = None
        if event.card_format is not None and event.card_value is not None:
            card = cardkey.masked(cardkey.card_key(event.card_format, event.card_value))
        rows.append(EventRow(
            id=event.id, ts=event.ts, controller=controller, reader=event.reader, point=point,
            kind=event.kind, granted=event.granted, reason=event.reason, faces=event.faces,
            card=card, person_id=person_id,
            person=f"{surname} {name}" if person_id is not None else None,
            photo_id=photo_id, historical=event.historical,
        ))
    return rows


def event_photo(session: Session, site_id: int, event_id: int, *,
                with_unassigned: bool) -> AccessPhoto | None:
    """The access photo of an event the user may see, else None."""
    found = recent_events(session, site_id, event_id=event_id, limit=1,
                          with_unassigned=with_unassigned)
    if not found or found[0].photo_id is None:
        return None
    return session.get(AccessPhoto, found[0].photo_id)


@dataclass(frozen=True)
class ControllerState:
    """One controller on the dashboard."""

    id: int
    code: str
    name: str
    enabled: bool
    online: bool
    applied: int | None
    desired: int | None
    last_seen: object
    firmware: str
    problem: str

    @property
    def lag(self) -> int | None:
        """How many list versions the controller is behind (None: unknown)."""
        if self.desired is None:
            return None
        return self.desired - (self.applied or 0)


def controller_states(session: Session, site_id: int,
                      desired: dict[int, int] | None = None) -> list[ControllerState]:
    """Every controller of the site with its link state and list versions (``desired``:
    fresher versions from the running sync service, by controller id)."""
    query = (
        select(Controller, ControllerSync, ListSnapshot.version)
        .outerjoin(ControllerSync, ControllerSync.controller_id == Controller.id)
        .outerjoin(ListSnapshot, ListSnapshot.controller_id == Controller.id)
        .where(Controller.site_id == site_id).order_by(Controller.code)
    )
    states = []
    for controller, sync, version in session.execute(query):
        wanted = (desired or {}).get(controller.id, version)
        states.append(ControllerState(
            id=controller.id, code=controller.code, name=controller.name,
            enabled=controller.enabled, online=bool(sync and sync.online),
            applied=sync.applied_version if sync else None, desired=wanted,
            last_seen=sync.last_seen if sync else None,
            firmware=sync.firmware if sync else "", problem=sync.last_problem if sync else "",
        ))
    return states


@dataclass(frozen=True)
class Presence:
    """A person and the room his latest passage led into."""

    person_id: int
    person: str
    room: str | None  # None: a room the site has not named (or outside)
    since: int


def presence(session: Session, site_id: int, now: int | None = None) -> list[Presence]:
    """Who is in now: persons whose latest granted passage in the last day led into a room
    (a passage out of the site counts as gone). Sorted by room, then name."""
    since = (now or int(time.time())) - PRESENCE_HOURS * 3600
    controllers = _controller_ids(session, site_id)
    if not controllers:
        return []
    latest = (
        select(func.max(Event.id).label("id"))
        .where(Event.controller_id.in_(controllers), Event.kind == "access",
               Event.granted.is_(True), Event.ts >= since, Event.card_value.is_not(None))
        .group_by(Event.card_format, Event.card_value).subquery()
    )
    query = (
        select(Person.id, Person.surname, Person.name, Event.ts, AccessPoint.direction,
               Door.from_room_id, Door.to_room_id)
        .select_from(Event)
        .join(latest, latest.c.id == Event.id)
        .join(Reader, and_(Reader.controller_id == Event.controller_id,
                           Reader.reader_no == Event.reader))
        .join(AccessPoint, AccessPoint.id == Reader.access_point_id)
        .join(Door, Door.id == AccessPoint.door_id)
        .join(Badge, and_(Badge.site_id == site_id, Badge.card_format == Event.card_format,
                          Badge.card_value == Event.card_value))
        .join(Person, Person.id == Badge.person_id)
    )
    rooms = dict(session.execute(select(Room.id, Room.name).where(Room.site_id == site_id)).all())
    latest_of: dict[int, tuple[int, int | None, str]] = {}  # person -> (ts, room, name)
    for person_id, surname, name, ts, direction, from_room, to_room in session.execute(query):
        into = to_room if direction is Direction.ENTRY else from_room
        seen = latest_of.get(person_id)
        if seen is None or seen[0] < ts:  # a person with two cards: his newest passage
            latest_of[person_id] = (ts, into, f"{surname} {name}")
    present = [Presence(person_id, name, rooms.get(into), ts)
               for person_id, (ts, into, name) in latest_of.items() if into is not None]
    return sorted(present, key=lambda p: (p.room or "", p.person))
