"""Access points and their nestable groups: ``/api/sites/<site>/access-points`` and
``.../access-point-groups``.

Access points are made with their door (entry and exit); here they can be listed and
renamed. A group holds access points and other groups, to any depth, never itself.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, ValidationError, fields, validates_schema
from sqlalchemy import select

from hub.access.models import AccessPoint, AccessPointGroup, Direction
from hub.access.services import (
    add_to_point_group,
    create_point_group,
    delete_point_group,
    points_of_group,
    remove_from_point_group,
    rename_access_point,
)
from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.schemas import Extended, PageArgs, ident, name_field, page, page_schema
from hub.errors import NotFound

blp = ApiBlueprint(
    "access_points",
    __name__,
    url_prefix="/api/sites/<site>",
    description="Access points (a door and a direction) and nestable groups of them.",
)


class AccessPointSchema(Schema):
    """An access point (output)."""

    id = fields.Integer(required=True)
    door_id = fields.Integer(required=True)
    direction = fields.String(required=True, metadata={"enum": [d.value for d in Direction]})
    name = fields.String(required=True)


class RenameSchema(Schema):
    """A new name."""

    name = name_field()


class PointQuery(PageArgs):
    """Filters of the access point list."""

    door_id = ident(strict=False)


class MemberSchema(Schema):
    """A member of an access point group: exactly one of the two ids."""

    id = fields.Integer(dump_only=True)
    access_point_id = ident(allow_none=True)
    child_group_id = ident(allow_none=True)

    @validates_schema
    def _one_member(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("access_point_id") is None) == (data.get("child_group_id") is None):
            raise ValidationError("give exactly one of access_point_id and child_group_id",
                                  "access_point_id")


class PointGroupSchema(Schema):
    """An access point group with its direct members (output)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    members = fields.List(fields.Nested(MemberSchema))


class PointGroupDetailSchema(PointGroupSchema):
    """A group plus every access point in it, nested groups expanded."""

    all_access_point_ids = fields.List(fields.Integer())


class PointGroupCreateSchema(Schema):
    """A new, empty access point group."""

    name = name_field()


PointPage = page_schema(AccessPointSchema, "AccessPointPage")
PointGroupPage = page_schema(PointGroupSchema, "AccessPointGroupPage")


@blp.endpoint("GET", "/access-points", query=PointQuery, response=PointPage)
def list_points(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's access points by id."""
    stmt = select(AccessPoint).where(AccessPoint.site_id == site_by_code(site).id)
    if "door_id" in query:
        stmt = stmt.where(AccessPoint.door_id == query["door_id"])
    items, total = paginate(stmt.order_by(AccessPoint.id), query)
    return page(items, total, query)


@blp.endpoint("GET", "/access-points/<int:point_id>", response=AccessPointSchema)
def get_point(site: str, point_id: int) -> AccessPoint:
    """One access point."""
    return in_site(AccessPoint, point_id, "access point", site_by_code(site))


@blp.endpoint(
    "PATCH", "/access-points/<int:point_id>", body=RenameSchema, response=AccessPointSchema
)
def patch_point(site: str, point_id: int, body: dict[str, Any]) -> AccessPoint:
    """Rename an access point."""
    point = in_site(AccessPoint, point_id, "access point", site_by_code(site))
    changed = rename_access_point(session(), point.id, body["name"])
    commit()
    return changed


@blp.endpoint("GET", "/access-point-groups", query=PageArgs, response=PointGroupPage)
def list_groups(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's access point groups by name."""
    stmt = select(AccessPointGroup).where(AccessPointGroup.site_id == site_by_code(site).id)
    items, total = paginate(stmt.order_by(AccessPointGroup.name), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "/access-point-groups", body=PointGroupCreateSchema, response=PointGroupSchema,
    status=HTTPStatus.CREATED, errors=[HTTPStatus.CONFLICT],
)
def create_group(site: str, body: dict[str, Any]) -> AccessPointGroup:
    """Create an empty group."""
    group = create_point_group(session(), site_by_code(site).id, **body)
    commit()
    return group


@blp.endpoint("GET", "/access-point-groups/<int:group_id>", response=PointGroupDetailSchema)
def get_group(site: str, group_id: int) -> Extended:
    """One group, with every access point in it (nested groups expanded)."""
    group = in_site(AccessPointGroup, group_id, "access point group", site_by_code(site))
    return Extended(group, all_access_point_ids=sorted(points_of_group(session(), group.id)))


@blp.endpoint(
    "POST", "/access-point-groups/<int:group_id>/members", body=MemberSchema,
    response=MemberSchema, status=HTTPStatus.CREATED, errors=[HTTPStatus.CONFLICT],
)
def add_member(site: str, group_id: int, body: dict[str, Any]) -> Any:
    """Add an access point or a nested group (a group never contains itself)."""
    group = in_site(AccessPointGroup, group_id, "access point group", site_by_code(site))
    member = add_to_point_group(
        session(), group.id,
        point_id=body.get("access_point_id"), child_group_id=body.get("child_group_id"),
    )
    commit()
    return member


@blp.endpoint(
    "DELETE", "/access-point-groups/<int:group_id>/members/<int:member_id>",
    status=HTTPStatus.NO_CONTENT,
)
def remove_member(site: str, group_id: int, member_id: int) -> None:
    """Remove a member from the group."""
    group = in_site(AccessPointGroup, group_id, "access point group", site_by_code(site))
    if not any(member.id == member_id for member in group.members):
        raise NotFound("group member", member_id)
    remove_from_point_group(session(), member_id)
    commit()


@blp.endpoint(
    "DELETE", "/access-point-groups/<int:group_id>", status=HTTPStatus.NO_CONTENT,
    errors=[HTTPStatus.CONFLICT],
)
def delete_group(site: str, group_id: int) -> None:
    """Delete a group no access rule uses."""
    group = in_site(AccessPointGroup, group_id, "access point group", site_by_code(site))
    delete_point_group(session(), group.id)
    commit()
