"""Places: rooms, doors between them (each with an entry and an exit access point), and
access point groups."""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hub import validation as check
from hub.access import services as access
from hub.access.models import AccessPoint, AccessPointGroup, AccessPointGroupMember, Door
from hub.errors import HubError
from hub.rights.models import Module
from hub.rights.rules import module
from hub.sites.models import Site
from hub.ui.blueprint import page
from hub.ui.helpers import db, done, form_errors, optional_int, render, site_of, text
from hub.ui.i18n import _

READ = module(Module.ACCESS, Module.CONTROLLERS, Module.POLICIES)
WRITE = module(Module.ACCESS)


def _page(site: Site, status: int = 200, errors: dict[str, str] | None = None,
          form: str = "") -> ResponseReturnValue:
    database = db()
    rooms = access.list_rooms(database, site.id)
    doors = list(database.scalars(select(Door).where(Door.site_id == site.id).order_by(Door.name)))
    points = list(database.scalars(select(AccessPoint).where(AccessPoint.site_id == site.id)
                                   .order_by(AccessPoint.name)))
    groups = list(database.scalars(select(AccessPointGroup).where(
        AccessPointGroup.site_id == site.id).order_by(AccessPointGroup.name)))
    return render("places.html", status, rooms=rooms, doors=doors, points=points,
                  point_groups=groups, room_names={r.id: r.name for r in rooms},
                  point_names={p.id: p.name for p in points},
                  group_names={g.id: g.name for g in groups}, errors=errors or {}, which=form)


@page("/sites/<site>/places", needs=READ)
def places(site: str) -> ResponseReturnValue:
    """Rooms, doors and their access points, access point groups."""
    return _page(site_of(site))


def _change(site: str, form: str, action: object) -> ResponseReturnValue:
    """Run a change; the page again with the message on the form ``form`` if refused."""
    the_site = site_of(site)
    try:
        message = action(the_site)  # type: ignore[operator]
    except HubError as error:
        db().rollback()
        return _page(the_site, 422, form_errors(error), form)
    return done(str(message), url_for("ui.places", site=site))


@page("/sites/<site>/rooms", needs=WRITE, methods=("POST",))
def room_create(site: str) -> ResponseReturnValue:
    """Add a room."""
    return _change(site, "room", lambda s: _("Room %(name)s added.", name=access.create_room(
        db(), s.id, name=text("name"), notes=text("notes")).name))


@page("/sites/<site>/doors", needs=WRITE, methods=("POST",))
def door_create(site: str) -> ResponseReturnValue:
    """Add a door from one room to another (empty: outside); it gets two access points."""
    return _change(site, "door", lambda s: _("Door %(name)s added.", name=access.create_door(
        db(), s.id, name=text("name"), from_room_id=optional_int("from_room_id"),
        to_room_id=optional_int("to_room_id")).name))


@page("/sites/<site>/doors/<int:door_id>/delete", needs=WRITE, methods=("POST",))
def door_delete(site: str, door_id: int) -> ResponseReturnValue:
    """Delete a door no rule and no reader uses."""
    def run(s: Site) -> str:
        door = check.in_site(db(), Door, door_id, "door", s.id)
        access.delete_door(db(), door.id)
        return _("Door deleted.")
    return _change(site, "doors", run)


@page("/sites/<site>/access-points/<int:point_id>", needs=WRITE, methods=("POST",))
def point_rename(site: str, point_id: int) -> ResponseReturnValue:
    """Rename an access point."""
    def run(s: Site) -> str:
        point = check.in_site(db(), AccessPoint, point_id, "access point", s.id)
        access.rename_access_point(db(), point.id, text("name"))
        return _("Access point renamed.")
    return _change(site, "points", run)


@page("/sites/<site>/access-point-groups", needs=WRITE, methods=("POST",))
def point_group_create(site: str) -> ResponseReturnValue:
    """Add an access point group."""
    return _change(site, "group", lambda s: _("Group %(name)s added.",
                                              name=access.create_point_group(
                                                  db(), s.id, name=text("name")).name))


@page("/sites/<site>/access-point-groups/<int:group_id>/members", needs=WRITE,
      methods=("POST",))
def point_group_add(site: str, group_id: int) -> ResponseReturnValue:
    """Add an access point or a nested group to a group."""
    def run(s: Site) -> str:
        group = check.in_site(db(), AccessPointGroup, group_id, "access point group", s.id)
        access.add_to_point_group(db(), group.id, point_id=optional_int("point_id"),
                                  child_group_id=optional_int("child_group_id"))
        return _("Member added.")
    return _change(site, f"members-{group_id}", run)


@page("/sites/<site>/access-point-groups/<int:group_id>/members/<int:member_id>/delete",
      needs=WRITE, methods=("POST",))
def point_group_remove(site: str, group_id: int, member_id: int) -> ResponseReturnValue:
    """Remove a member from a group."""
    def run(s: Site) -> str:
        group = check.in_site(db(), AccessPointGroup, group_id, "access point group", s.id)
        member = check.get(db(), AccessPointGroupMember, member_id, "member")
        if member.group_id != group.id:
            raise HubError(_("this member belongs to another group"))
        access.remove_from_point_group(db(), member.id)
        return _("Member removed.")
    return _change(site, f"members-{group_id}", run)


@page("/sites/<site>/access-point-groups/<int:group_id>/delete", needs=WRITE,
      methods=("POST",))
def point_group_delete(site: str, group_id: int) -> ResponseReturnValue:
    """Delete a group no rule uses."""
    def run(s: Site) -> str:
        group = check.in_site(db(), AccessPointGroup, group_id, "access point group", s.id)
        access.delete_point_group(db(), group.id)
        return _("Group deleted.")
    return _change(site, "groups", run)
