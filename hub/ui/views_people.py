"""The hierarchy editor: the tree of groups, each with its own access policy or its
parent's ("use department access")."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from hub import validation as check
from hub.errors import HubError
from hub.people.groups import create_group, delete_group, list_groups, update_group
from hub.people.models import Group, Person
from hub.policies.services import list_policies
from hub.rights.models import Module
from hub.rights.rules import logged_in, module
from hub.sites.models import Site
from hub.ui.blueprint import page
from hub.ui.helpers import db, done, flag, form_errors, optional_int, render, site_of, text
from hub.ui.i18n import _

HIERARCHY = module(Module.HIERARCHY)


@dataclass
class Node:
    """A group with its sub-groups, for the tree."""

    group: Group
    members: int
    children: list[Node] = field(default_factory=list)


def tree_of(site: Site) -> list[Node]:
    """The site's groups as a forest (roots first, children by name)."""
    groups = list_groups(db(), site.id)
    counts = dict(db().execute(select(Person.group_id, func.count()).where(
        Person.site_id == site.id).group_by(Person.group_id)).all())
    nodes = {g.id: Node(g, counts.get(g.id, 0)) for g in groups}
    roots: list[Node] = []
    for node in sorted(nodes.values(), key=lambda n: n.group.name.lower()):
        parent = node.group.parent_id
        (nodes[parent].children if parent in nodes else roots).append(node)
    return roots


def group_options(site: Site) -> list[tuple[int, str]]:
    """Every group as (id, path) for select boxes, in tree order."""
    options: list[tuple[int, str]] = []

    def walk(nodes: list[Node], prefix: str) -> None:
        for node in nodes:
            path = f"{prefix}{node.group.name}"
            options.append((node.group.id, path))
            walk(node.children, path + " / ")

    walk(tree_of(site), "")
    return options


def _page(site: Site, status: int = 200, **context: object) -> ResponseReturnValue:
    policies = [(p.id, p.name) for p in list_policies(db(), site.id)]
    edit = context.pop("edit", None)
    editing = check.in_site(db(), Group, edit, "group", site.id) if edit else None
    return render("groups.html", status, tree=tree_of(site), options=group_options(site),
                  editing=editing,
                  policies=policies, policy_names=dict(policies),
                  errors=context.pop("errors", {}), **context)


@page("/sites/<site>/groups", needs=logged_in)
def groups(site: str) -> ResponseReturnValue:
    """The tree of groups."""
    return _page(site_of(site), edit=request.args.get("edit", type=int))


@page("/sites/<site>/groups/new", needs=HIERARCHY, methods=("POST",))
def group_create(site: str) -> ResponseReturnValue:
    """Add a group under a parent (none: a root such as the company)."""
    the_site = site_of(site)
    try:
        group = create_group(db(), the_site.id, name=text("name"),
                             parent_id=optional_int("parent_id"),
                             policy_id=optional_int("policy_id"), is_company=flag("is_company"))
    except HubError as error:
        db().rollback()
        return _page(the_site, 422, errors=form_errors(error))
    return done(_("Group %(name)s created.", name=group.name),
                url_for("ui.groups", site=site))


@page("/sites/<site>/groups/<int:group_id>", needs=HIERARCHY, methods=("POST",))
def group_save(site: str, group_id: int) -> ResponseReturnValue:
    """Rename, move, change the policy of, or mark as a company, one group."""
    the_site = site_of(site)
    group = check.in_site(db(), Group, group_id, "group", the_site.id)
    try:
        update_group(db(), group.id, {
            "name": text("name"), "parent_id": optional_int("parent_id"),
            "policy_id": optional_int("policy_id"), "is_company": flag("is_company"),
        })
    except HubError as error:
        db().rollback()
        return _page(the_site, 422, errors=form_errors(error), edit=group_id)
    return done(_("Group %(name)s saved.", name=group.name), url_for("ui.groups", site=site))


@page("/sites/<site>/groups/<int:group_id>/delete", needs=HIERARCHY, methods=("POST",))
def group_delete(site: str, group_id: int) -> ResponseReturnValue:
    """Delete an empty group."""
    the_site = site_of(site)
    group = check.in_site(db(), Group, group_id, "group", the_site.id)
    name = group.name
    try:
        delete_group(db(), group.id)
    except HubError as error:
        db().rollback()
        return _page(the_site, 409, errors={"_": error.message})
    return done(_("Group %(name)s deleted.", name=name), url_for("ui.groups", site=site))
