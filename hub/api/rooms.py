"""Rooms and doors, the site's topology: ``/api/sites/<site>/rooms`` and ``.../doors``.

A door leads from one room to another (null: outside). Creating a door creates its two
access points, entry (from -> to) and exit (to -> from). ``.../topology`` lists every access
point with the room it leads from and into.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import select

from hub.access.models import Door, Room
from hub.access.services import (
    create_door,
    create_room,
    delete_door,
    door_topology,
    set_door_rooms,
    update_room,
)
from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.schemas import PageArgs, ident, name_field, page, page_schema

blp = ApiBlueprint(
    "rooms",
    __name__,
    url_prefix="/api/sites/<site>",
    description="Rooms, doors between them, and the door topology.",
)


class RoomSchema(Schema):
    """A room or area."""

    id = fields.Integer(dump_only=True)
    name = name_field()
    notes = fields.String()


class RoomPatchSchema(RoomSchema):
    """Changes to a room."""

    name = name_field(required=False)


class PointRefSchema(Schema):
    """An access point of a door (output)."""

    id = fields.Integer(required=True)
    direction = fields.String(required=True, metadata={"enum": ["entry", "exit"]})
    name = fields.String(required=True)


class DoorSchema(Schema):
    """A door with its entry and exit access points (output)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    from_room_id = fields.Integer(allow_none=True, metadata={"description": "null: outside"})
    to_room_id = fields.Integer(allow_none=True, metadata={"description": "null: outside"})
    access_points = fields.List(fields.Nested(PointRefSchema))


class DoorCreateSchema(Schema):
    """A new door."""

    name = name_field()
    from_room_id = ident(allow_none=True, load_default=None)
    to_room_id = ident(allow_none=True, load_default=None)


class DoorRoomsSchema(Schema):
    """Which rooms a door connects (both given; null is outside)."""

    from_room_id = ident(required=True, allow_none=True)
    to_room_id = ident(required=True, allow_none=True)


class PassageSchema(Schema):
    """One access point and the rooms it leads from and into."""

    access_point_id = fields.Integer(required=True)
    name = fields.String(required=True)
    from_room_id = fields.Integer(allow_none=True)
    to_room_id = fields.Integer(allow_none=True)


RoomPage = page_schema(RoomSchema, "RoomPage")
DoorPage = page_schema(DoorSchema, "DoorPage")


@blp.endpoint("GET", "/rooms", query=PageArgs, response=RoomPage)
def list_rooms(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's rooms by name."""
    stmt = select(Room).where(Room.site_id == site_by_code(site).id).order_by(Room.name)
    items, total = paginate(stmt, query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "/rooms", body=RoomSchema, response=RoomSchema, status=HTTPStatus.CREATED,
    errors=[HTTPStatus.CONFLICT],
)
def create_room_view(site: str, body: dict[str, Any]) -> Room:
    """Create a room."""
    room = create_room(session(), site_by_code(site).id, **body)
    commit()
    return room


@blp.endpoint("GET", "/rooms/<int:room_id>", response=RoomSchema)
def get_room(site: str, room_id: int) -> Room:
    """One room."""
    return in_site(Room, room_id, "room", site_by_code(site))


@blp.endpoint(
    "PATCH", "/rooms/<int:room_id>", body=RoomPatchSchema, response=RoomSchema,
    errors=[HTTPStatus.CONFLICT],
)
def patch_room(site: str, room_id: int, body: dict[str, Any]) -> Room:
    """Rename a room or change its notes."""
    room = in_site(Room, room_id, "room", site_by_code(site))
    changed = update_room(session(), room.id, body)
    commit()
    return changed


@blp.endpoint("GET", "/doors", query=PageArgs, response=DoorPage)
def list_doors(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's doors by name."""
    stmt = select(Door).where(Door.site_id == site_by_code(site).id).order_by(Door.name)
    items, total = paginate(stmt, query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "/doors", body=DoorCreateSchema, response=DoorSchema, status=HTTPStatus.CREATED,
    errors=[HTTPStatus.CONFLICT],
)
def create_door_view(site: str, body: dict[str, Any]) -> Door:
    """Create a door and its entry and exit access points."""
    door = create_door(session(), site_by_code(site).id, **body)
    commit()
    return door


@blp.endpoint("GET", "/doors/<int:door_id>", response=DoorSchema)
def get_door(site: str, door_id: int) -> Door:
    """One door."""
    return in_site(Door, door_id, "door", site_by_code(site))


@blp.endpoint("PUT", "/doors/<int:door_id>/rooms", body=DoorRoomsSchema, response=DoorSchema)
def put_door_rooms(site: str, door_id: int, body: dict[str, Any]) -> Door:
    """Change which rooms the door leads from and to."""
    door = in_site(Door, door_id, "door", site_by_code(site))
    changed = set_door_rooms(session(), door.id, body["from_room_id"], body["to_room_id"])
    commit()
    return changed


@blp.endpoint(
    "DELETE", "/doors/<int:door_id>", status=HTTPStatus.NO_CONTENT, errors=[HTTPStatus.CONFLICT]
)
def delete_door_view(site: str, door_id: int) -> None:
    """Delete a door no rule uses and no reader serves."""
    door = in_site(Door, door_id, "door", site_by_code(site))
    delete_door(session(), door.id)
    commit()


@blp.endpoint("GET", "/topology", response=PassageSchema(many=True))
def topology(site: str) -> list[dict[str, Any]]:
    """Every access point with the room it leads from and the room it leads into."""
    return [
        {"access_point_id": point.id, "name": point.name, "from_room_id": src, "to_room_id": dst}
        for point, src, dst in door_topology(session(), site_by_code(site).id)
    ]
