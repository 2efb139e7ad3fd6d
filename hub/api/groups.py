"""The personnel hierarchy: ``/api/sites/<site>/groups``.

A group has its own access policy (``policy_id``) or, with ``policy_id`` null, uses its
parent's ("use department access"). ``effective_policy_id`` (on one group) is the policy
its members get after that inheritance.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import select

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.schemas import (
    Extended,
    PageArgs,
    StrictBoolean,
    ident,
    name_field,
    page,
    page_schema,
    query_flag,
)
from hub.people.groups import create_group, delete_group, effective_policy_id, update_group
from hub.people.models import Group

blp = ApiBlueprint(
    "groups",
    __name__,
    url_prefix="/api/sites/<site>/groups",
    description="Groups of persons (company, departments, teams) and their access policy.",
)


class GroupSchema(Schema):
    """A group (output)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True)
    is_company = fields.Boolean()
    policy_id = fields.Integer(
        allow_none=True, metadata={"description": "own policy; null: the parent's"}
    )
    notes = fields.String()


class GroupDetailSchema(GroupSchema):
    """A group with the policy its members get after inheritance."""

    effective_policy_id = fields.Integer(allow_none=True)


class GroupCreateSchema(Schema):
    """A new group."""

    name = name_field()
    parent_id = ident(allow_none=True, metadata={"description": "null: a root group"})
    is_company = StrictBoolean()
    policy_id = ident(allow_none=True, metadata={"description": "null: use the parent's"})
    notes = fields.String()


class GroupPatchSchema(GroupCreateSchema):
    """Changes to a group (moving it re-parents its subtree)."""

    name = name_field(required=False)


class GroupQuery(PageArgs):
    """Filters of the group list."""

    parent_id = ident(strict=False, metadata={"description": "only children of this group"})
    roots = query_flag(
        metadata={"description": "true: only groups without a parent"},
    )
    name = fields.String(metadata={"description": "exact name"})


GroupPage = page_schema(GroupSchema, "GroupPage")


@blp.endpoint("GET", "", query=GroupQuery, response=GroupPage)
def list_groups(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's groups by id (parents before their children when created so)."""
    stmt = select(Group).where(Group.site_id == site_by_code(site).id)
    if "parent_id" in query:
        stmt = stmt.where(Group.parent_id == query["parent_id"])
    if query.get("roots") is True:
        stmt = stmt.where(Group.parent_id.is_(None))
    elif query.get("roots") is False:
        stmt = stmt.where(Group.parent_id.is_not(None))
    if "name" in query:
        stmt = stmt.where(Group.name == query["name"])
    items, total = paginate(stmt.order_by(Group.id), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "", body=GroupCreateSchema, response=GroupSchema, status=HTTPStatus.CREATED,
    errors=[HTTPStatus.CONFLICT],
)
def create(site: str, body: dict[str, Any]) -> Group:
    """Create a group under ``parent_id``."""
    group = create_group(session(), site_by_code(site).id, **body)
    commit()
    return group


@blp.endpoint("GET", "/<int:group_id>", response=GroupDetailSchema)
def get(site: str, group_id: int) -> Extended:
    """One group and its effective policy."""
    group = in_site(Group, group_id, "group", site_by_code(site))
    return Extended(group, effective_policy_id=effective_policy_id(session(), group.id))


@blp.endpoint(
    "PATCH", "/<int:group_id>", body=GroupPatchSchema, response=GroupSchema,
    errors=[HTTPStatus.CONFLICT],
)
def patch(site: str, group_id: int, body: dict[str, Any]) -> Group:
    """Rename, move, or change the policy of a group."""
    group = in_site(Group, group_id, "group", site_by_code(site))
    changed = update_group(session(), group.id, body)
    commit()
    return changed


@blp.endpoint(
    "DELETE", "/<int:group_id>", status=HTTPStatus.NO_CONTENT, errors=[HTTPStatus.CONFLICT]
)
def delete(site: str, group_id: int) -> None:
    """Delete an empty group (no sub-groups, persons or cards)."""
    group = in_site(Group, group_id, "group", site_by_code(site))
    delete_group(session(), group.id)
    commit()
