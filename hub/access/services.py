"""Services of rooms, doors and access points, and of nestable access point groups.

Creating a door creates its two access points, entry and exit, so each can get its own
schedule. Controllers and their readers are in hub/access/controllers.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.access.models import (
    AccessPoint,
    AccessPointGroup,
    AccessPointGroupMember,
    Direction,
    Door,
    Reader,
    Room,
)
from hub.db import atomic
from hub.errors import Conflict, Invalid
from hub.policies.models import AccessRule
from hub.sites.models import Site


def create_room(session: Session, site_id: int, *, name: str, notes: str = "") -> Room:
    """A new room or area."""
    check.get(session, Site, site_id, "site")
    room_name = check.name("name", name)
    if session.scalar(select(Room.id).where(Room.site_id == site_id, Room.name == room_name)):
        raise Conflict(f"a room named {room_name!r} already exists", field="name")
    room = Room(site_id=site_id, name=room_name, notes=check.text("notes", notes))
    session.add(room)
    session.flush()
    return room


def list_rooms(session: Session, site_id: int) -> list[Room]:
    """The site's rooms, by name."""
    return list(session.scalars(select(Room).where(Room.site_id == site_id).order_by(Room.name)))


def create_door(
    session: Session,
    site_id: int,
    *,
    name: str,
    from_room_id: int | None = None,
    to_room_id: int | None = None,
) -> Door:
    """A door from one room to another (None: outside), with its entry and exit points."""
    check.get(session, Site, site_id, "site")
    door_name = check.name("name", name)
    if session.scalar(select(Door.id).where(Door.site_id == site_id, Door.name == door_name)):
        raise Conflict(f"a door named {door_name!r} already exists", field="name")
    door = Door(site_id=site_id, name=door_name)
    _set_rooms(session, door, from_room_id, to_room_id)
    session.add(door)
    session.flush()
    for direction in Direction:
        session.add(
            AccessPoint(
                site_id=site_id,
                door_id=door.id,
                direction=direction,
                name=f"{door_name} ({direction.value})",
            )
        )
    session.flush()
    session.expire(door, ["access_points"])
    return door


def set_door_rooms(
    session: Session, door_id: object, from_room_id: int | None, to_room_id: int | None
) -> Door:
    """Change which room a door leads from and to (the door topology)."""
    door = check.get(session, Door, door_id, "door")
    _set_rooms(session, door, from_room_id, to_room_id)
    session.flush()
    return door


def _set_rooms(
    session: Session, door: Door, from_room_id: int | None, to_room_id: int | None
) -> None:
    rooms = []
    for room_id in (from_room_id, to_room_id):
        rooms.append(
            None
            if room_id is None
            else check.in_site(session, Room, room_id, "room", door.site_id).id
        )
    if rooms[0] is not None and rooms[0] == rooms[1]:
        raise Invalid("to_room_id", "a door leads from one room to a different one")
    door.from_room_id, door.to_room_id = rooms


def access_point(session: Session, door_id: object, direction: Direction | str) -> AccessPoint:
    """The entry or exit access point of a door."""
    door = check.get(session, Door, door_id, "door")
    try:
        wanted = Direction(direction)
    except ValueError as err:
        raise Invalid("direction", f"{direction!r} is not entry or exit") from err
    for point in door.access_points:
        if point.direction is wanted:
            return point
    raise Invalid("direction", f"door {door.name!r} has no {wanted.value} access point")


def rename_access_point(session: Session, point_id: object, name: str) -> AccessPoint:
    """Rename an access point."""
    point = check.get(session, AccessPoint, point_id, "access point")
    point.name = check.name("name", name)
    session.flush()
    return point


def door_topology(
    session: Session, site_id: int
) -> list[tuple[AccessPoint, int | None, int | None]]:
    """Every access point with the room it leads from and the room it leads into.

    Entry moves a person from the door's from_room into its to_room; exit the other way.
    """
    query = (
        select(AccessPoint, Door)
        .join(Door, Door.id == AccessPoint.door_id)
        .where(AccessPoint.site_id == site_id)
        .order_by(AccessPoint.id)
    )
    result = []
    for point, door in session.execute(query).all():
        if point.direction is Direction.ENTRY:
            result.append((point, door.from_room_id, door.to_room_id))
        else:
            result.append((point, door.to_room_id, door.from_room_id))
    return result


def create_point_group(session: Session, site_id: int, *, name: str) -> AccessPointGroup:
    """A new, empty access point group."""
    check.get(session, Site, site_id, "site")
    group_name = check.name("name", name)
    query = select(AccessPointGroup.id).where(
        AccessPointGroup.site_id == site_id, AccessPointGroup.name == group_name
    )
    if session.scalar(query):
        raise Conflict(f"an access point group named {group_name!r} already exists", field="name")
    group = AccessPointGroup(site_id=site_id, name=group_name)
    session.add(group)
    session.flush()
    return group


def add_to_point_group(
    session: Session,
    group_id: object,
    *,
    point_id: int | None = None,
    child_group_id: int | None = None,
) -> AccessPointGroupMember:
    """Add an access point or a nested group; a group never contains itself, at any depth."""
    group = check.get(session, AccessPointGroup, group_id, "access point group")
    if (point_id is None) == (child_group_id is None):
        raise Invalid("member", "add exactly one access point or one access point group")
    member = AccessPointGroupMember(group_id=group.id)
    if point_id is not None:
        member.access_point_id = check.in_site(
            session, AccessPoint, point_id, "access point", group.site_id
        ).id
        duplicate = any(m.access_point_id == point_id for m in group.members)
    else:
        child = check.in_site(
            session, AccessPointGroup, child_group_id, "access point group", group.site_id
        )
        if group.id in nested_group_ids(session, child.id) | {child.id}:
            raise Invalid(
                "child_group_id",
                f"group {child.name!r} contains {group.name!r}; groups cannot contain each other",
            )
        member.child_group_id = child.id
        duplicate = any(m.child_group_id == child.id for m in group.members)
    if duplicate:
        raise Conflict(f"it is already a member of group {group.name!r}")
    group.members.append(member)
    session.flush()
    return member


def remove_from_point_group(session: Session, member_id: object) -> None:
    """Remove one member from its group."""
    member = check.get(session, AccessPointGroupMember, member_id, "group member")
    group = check.get(session, AccessPointGroup, member.group_id, "access point group")
    group.members.remove(member)  # delete-orphan: the row goes at flush
    session.flush()


def nested_group_ids(session: Session, group_id: int) -> set[int]:
    """Every group nested inside ``group_id`` at any depth (not the group itself)."""
    found: set[int] = set()
    frontier = [group_id]
    while frontier:
        query = select(AccessPointGroupMember.child_group_id).where(
            AccessPointGroupMember.group_id.in_(frontier),
            AccessPointGroupMember.child_group_id.is_not(None),
        )
        children = {c for c in session.scalars(query) if c is not None} - found
        found |= children
        frontier = list(children)
    return found


def points_of_group(session: Session, group_id: object) -> set[int]:
    """Ids of every access point in the group, nested groups expanded."""
    group = check.get(session, AccessPointGroup, group_id, "access point group")
    groups = nested_group_ids(session, group.id) | {group.id}
    query = select(AccessPointGroupMember.access_point_id).where(
        AccessPointGroupMember.group_id.in_(groups),
        AccessPointGroupMember.access_point_id.is_not(None),
    )
    return {p for p in session.scalars(query) if p is not None}


def delete_point_group(session: Session, group_id: object) -> None:
    """Delete a group no access rule uses (its memberships in other groups go with it)."""
    group = check.get(session, AccessPointGroup, group_id, "access point group")
    used = session.scalar(
        select(AccessRule.id).where(AccessRule.access_point_group_id == group.id).limit(1)
    )
    if used is not None:
        raise Conflict(f"access point group {group.name!r} is used by access rules")
    session.delete(group)
    session.flush()


def delete_door(session: Session, door_id: object) -> None:
    """Delete a door whose access points no rule uses and no reader serves."""
    door = check.get(session, Door, door_id, "door")
    point_ids = [p.id for p in door.access_points]
    if session.scalar(select(AccessRule.id).where(AccessRule.access_point_id.in_(point_ids))):
        raise Conflict(f"door {door.name!r} is used by access rules")
    if session.scalar(select(Reader.id).where(Reader.access_point_id.in_(point_ids))):
        raise Conflict(f"door {door.name!r} is served by readers: remove them first")
    for point in list(door.access_points):
        session.delete(point)
    session.flush()
    session.delete(door)
    session.flush()


@atomic
def update_room(session: Session, room_id: object, changes: Mapping[str, object]) -> Room:
    """Rename a room or change its notes."""
    room = check.get(session, Room, room_id, "room")
    check.unknown_fields(changes, {"name", "notes"}, "room")
    if "name" in changes:
        new_name = check.name("name", changes["name"])
        query = select(Room.id).where(Room.site_id == room.site_id, Room.name == new_name)
        if session.scalar(query.where(Room.id != room.id)):
            raise Conflict(f"a room named {new_name!r} already exists", field="name")
        room.name = new_name
    if "notes" in changes:
        room.notes = check.text("notes", changes["notes"])
    session.flush()
    return room
