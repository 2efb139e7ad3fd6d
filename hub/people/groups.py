"""Services of the personnel hierarchy: groups of any depth, and their access policy.

A group's ``policy_id`` is its own access table; None means "use department access" (the
parent's). Moving a group re-parents its whole subtree; a group can never become its own
ancestor.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.badges.models import Badge
from hub.db import atomic
from hub.errors import Conflict, Invalid
from hub.people.models import Group, Person
from hub.policies.models import AccessPolicy
from hub.sites.models import Site

EDITABLE = {"name", "parent_id", "policy_id", "is_company", "notes"}


def get_group(session: Session, group_id: object) -> Group:
    """The group, or NotFound."""
    return check.get(session, Group, group_id, "group")


def list_groups(session: Session, site_id: int) -> list[Group]:
    """Every group of the site (parents before children is not guaranteed; use parent_id)."""
    return list(session.scalars(select(Group).where(Group.site_id == site_id).order_by(Group.id)))


def create_group(
    session: Session,
    site_id: int,
    *,
    name: str,
    parent_id: int | None = None,
    policy_id: int | None = None,
    is_company: bool = False,
    notes: str = "",
) -> Group:
    """A new group under ``parent_id`` (None: a root, e.g. the company)."""
    check.get(session, Site, site_id, "site")
    group = Group(
        site_id=site_id,
        name=check.name("name", name),
        is_company=check.flag("is_company", is_company),
        notes=check.text("notes", notes),
    )
    group.parent_id = _parent(session, site_id, parent_id, None)
    group.policy_id = _policy(session, site_id, policy_id)
    _unique_among_siblings(session, site_id, group.parent_id, group.name, None)
    session.add(group)
    session.flush()
    return group


@atomic
def update_group(session: Session, group_id: object, changes: Mapping[str, object]) -> Group:
    """Change a group's fields; moving it under one of its own descendants is refused."""
    group = get_group(session, group_id)
    check.unknown_fields(changes, EDITABLE, "group")
    if "name" in changes:
        group.name = check.name("name", changes["name"])
    if "parent_id" in changes:
        group.parent_id = _parent(session, group.site_id, changes["parent_id"], group.id)
    if "policy_id" in changes:
        group.policy_id = _policy(session, group.site_id, changes["policy_id"])
    if "is_company" in changes:
        group.is_company = check.flag("is_company", changes["is_company"])
    if "notes" in changes:
        group.notes = check.text("notes", changes["notes"])
    if "name" in changes or "parent_id" in changes:
        _unique_among_siblings(session, group.site_id, group.parent_id, group.name, group.id)
    session.flush()
    return group


def delete_group(session: Session, group_id: object) -> None:
    """Delete an empty group (no sub-groups, no persons, no cards)."""
    group = get_group(session, group_id)
    if session.scalar(select(Group.id).where(Group.parent_id == group.id).limit(1)):
        raise Conflict(f"group {group.name!r} has sub-groups: move or delete them first")
    if session.scalar(select(Person.id).where(Person.group_id == group.id).limit(1)):
        raise Conflict(f"group {group.name!r} has persons: move them to another group first")
    if session.scalar(select(Badge.id).where(Badge.group_id == group.id).limit(1)):
        raise Conflict(f"group {group.name!r} holds cards: withdraw them first")
    session.delete(group)
    session.flush()


def ancestors(session: Session, group_id: object) -> list[Group]:
    """The group and its ancestors, nearest first."""
    chain = [get_group(session, group_id)]
    while chain[-1].parent_id is not None:
        chain.append(get_group(session, chain[-1].parent_id))
    return chain


def company_of(session: Session, group_id: object) -> Group:
    """The nearest ancestor (or the group itself) marked as a company, else the root."""
    chain = ancestors(session, group_id)
    for group in chain:
        if group.is_company:
            return group
    return chain[-1]


def effective_policy_id(session: Session, group_id: object) -> int | None:
    """The policy the group's members get: its own or the nearest ancestor's (None: no access)."""
    for group in ancestors(session, group_id):
        if group.policy_id is not None:
            return group.policy_id
    return None


def _parent(session: Session, site_id: int, parent_id: object, moving: int | None) -> int | None:
    if parent_id is None:
        return None
    parent = check.in_site(session, Group, parent_id, "parent group", site_id)
    if moving is not None:
        for ancestor in ancestors(session, parent.id):
            if ancestor.id == moving:
                raise Invalid(
                    "parent_id",
                    f"group {parent.name!r} is inside the group being moved; a group cannot "
                    "be its own ancestor",
                )
    return parent.id


def _policy(session: Session, site_id: int, policy_id: object) -> int | None:
    if policy_id is None:
        return None
    return check.in_site(session, AccessPolicy, policy_id, "policy", site_id).id


def _unique_among_siblings(
    session: Session, site_id: int, parent_id: int | None, name: str, own_id: int | None
) -> None:
    query = select(Group.id).where(Group.site_id == site_id, Group.name == name)
    query = query.where(
        Group.parent_id.is_(None) if parent_id is None else Group.parent_id == parent_id
    )
    for other in session.scalars(query):
        if other != own_id:
            raise Conflict(f"a group named {name!r} already exists at this place", field="name")
