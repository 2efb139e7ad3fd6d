"""The administrator's pages besides users: the password check, custom rights, company
settings, and (for holders of their modules) the login history and the sites."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hub.auth.logins import auth_settings, login_history
from hub.auth.models import LoginLog, User
from hub.auth.users import PasswordCheck, list_users
from hub.errors import HubError, Invalid, NotFound
from hub.people.models import Group, Person
from hub.rights import services as rights
from hub.rights.decide import elevated
from hub.rights.load import load_grants, settings_row
from hub.rights.models import CustomKind, CustomRight, Module
from hub.rights.rules import admin, module
from hub.sites.models import Site
from hub.sites.services import create_site, update_site
from hub.ui.blueprint import page
from hub.ui.helpers import (
    actor,
    db,
    done,
    flag,
    form_errors,
    optional_int,
    render,
    site_of,
    text,
)
from hub.ui.i18n import _

HISTORY_PAGE = 100


def password_check_page(generated: tuple[str, str] | None = None) -> ResponseReturnValue:
    """Accounts and their passwords; red: no password while holding elevated rights."""
    rows = [PasswordCheck(u, u.password_hash is not None or u.auth_source.value == "directory",
                          elevated(load_grants(db(), u))) for u in list_users(db())]
    return render("password_check.html", rows=rows, generated=generated)


@page("/users/passwords", needs=admin, endpoint="password_check")
def password_check() -> ResponseReturnValue:
    """The password check (manual 001, version 7.26)."""
    return password_check_page()


# -- custom rights -----------------------------------------------------------------------------

def _group_choices() -> list[tuple[int, str]]:
    sites = dict(db().execute(select(Site.id, Site.name)).all())
    rows = db().execute(select(Group.id, Group.name, Group.site_id).order_by(Group.site_id,
                                                                          Group.name)).all()
    return [(gid, f"{sites.get(site_id, '?')}: {name}") for gid, name, site_id in rows]


def _persons_text(right: CustomRight) -> str:
    ids = [p.person_id for p in right.persons]
    rows = db().execute(select(Person.site_id, Person.personal_number, Person.id).where(
        Person.id.in_(ids))).all() if ids else []
    codes = dict(db().execute(select(Site.id, Site.code)).all())
    return "\n".join(f"{codes.get(site_id, '?')}:{number}" for site_id, number, _id in rows
                     if number)


def _persons_from_text(source: str) -> list[int]:
    """``site-code:personal-number`` lines into person ids (Invalid names the bad line)."""
    found: list[int] = []
    codes = {code: ident for ident, code in db().execute(select(Site.id, Site.code))}
    for line in source.replace(",", "\n").splitlines():
        entry = line.strip()
        if not entry:
            continue
        code, _sep, number = entry.partition(":")
        site_id = codes.get(code.strip())
        person = db().scalar(select(Person.id).where(
            Person.site_id == site_id, Person.personal_number == number.strip())) if (
            site_id is not None and number.strip()) else None
        if person is None:
            raise Invalid("persons", _("no person %(entry)s (write site-code:personal-number)",
                                       entry=entry))
        found.append(person)
    return found


@page("/rights/custom", needs=admin, endpoint="custom_rights")
def custom_rights() -> ResponseReturnValue:
    """Custom rights with the number of their holders."""
    return render("custom_rights.html", rows=rights.list_custom_rights(db()), editing=None,
                  groups=_group_choices(),
                  errors={}, persons_text="", selected=[])


@page("/rights/custom/<int:right_id>", needs=admin, endpoint="custom_right")
def custom_right(right_id: int) -> ResponseReturnValue:
    """One custom right, to edit."""
    right = db().get(CustomRight, right_id)
    if right is None:
        raise NotFound("custom right", right_id)
    return render("custom_rights.html", rows=rights.list_custom_rights(db()), editing=right,
                  groups=_group_choices(),
                  errors={}, persons_text=_persons_text(right),
                  selected=[g.group_id for g in right.groups])


@page("/rights/custom/save", needs=admin, methods=("POST",), endpoint="custom_right_save")
def custom_right_save() -> ResponseReturnValue:
    """Create or change a custom right (its holders' rights history records the change)."""
    right_id = optional_int("right_id")
    try:
        right = rights.save_custom_right(
            db(), right_id, name=text("name"), view_only=flag("view_only"),
            kind=text("kind") or CustomKind.ALL,
            group_ids=[int(g) for g in request.form.getlist("groups") if g.isdigit()],
            person_ids=_persons_from_text(request.form.get("persons", "")), actor=actor())
    except HubError as error:
        db().rollback()
        editing = db().get(CustomRight, right_id) if right_id else None
        return render("custom_rights.html", 422, rows=rights.list_custom_rights(db()),
                      editing=editing, groups=_group_choices(),
                      errors=form_errors(error),
                      persons_text=request.form.get("persons", ""),
                      selected=[int(g) for g in request.form.getlist("groups") if g.isdigit()])
    return done(_("Custom right %(name)s saved.", name=right.name),
                url_for("ui.custom_right", right_id=right.id))


@page("/rights/custom/<int:right_id>/delete", needs=admin, methods=("POST",),
      endpoint="custom_right_delete")
def custom_right_delete(right_id: int) -> ResponseReturnValue:
    """Delete a custom right: its holders can no longer edit."""
    rights.delete_custom_right(db(), right_id, actor=actor())
    return done(_("Custom right deleted."), url_for("ui.custom_rights"))


# -- company settings ---------------------------------------------------------------------------

@page("/settings", needs=admin, methods=("GET", "POST"))
def settings() -> ResponseReturnValue:
    """Login history level, session timeouts, passwordless logins, self-edit bans."""
    login = auth_settings(db())
    bans = settings_row(db())
    if request.method == "POST":
        try:
            level = text("login_log")
            if level not in {v.value for v in LoginLog}:
                raise Invalid("login_log", _("choose what to record"))
            idle, hours = optional_int("idle_minutes"), optional_int("absolute_hours")
            if not idle or not hours:
                raise Invalid("idle_minutes", _("give both timeouts as whole numbers above 0"))
            login.login_log, login.idle_minutes, login.absolute_hours = (
                LoginLog(level), idle, hours)
            login.passwordless_login = flag("passwordless_login")
            rights.update_settings(db(), ban_own_edit_department=flag("ban_own_edit_department"),
                                   ban_own_edit_all=flag("ban_own_edit_all"))
        except HubError as error:
            db().rollback()
            return render("settings.html", 422, login=login, bans=bans,
                          errors=form_errors(error))
        return done(_("Settings saved."), url_for("ui.settings"))
    db().commit()  # the rows made with their defaults on first view
    return render("settings.html", login=login, bans=bans, errors={})


# -- login history --------------------------------------------------------------------------------

@page("/audit/logins", needs=module(Module.AUDIT), endpoint="login_history")
def login_history_page() -> ResponseReturnValue:
    """Who logged in when, from where, and whether it worked; newest first."""
    failures = request.args.get("failures") == "1"
    before = request.args.get("before", type=int)
    rows = login_history(db(), failures_only=failures, before_id=before, limit=HISTORY_PAGE + 1)
    names = dict(db().execute(select(User.id, User.username)).all())
    return render("login_history.html", rows=rows[:HISTORY_PAGE], failures=failures,
                  older=rows[HISTORY_PAGE - 1].id if len(rows) > HISTORY_PAGE else None,
                  names=names)


# -- sites ---------------------------------------------------------------------------------------

@page("/sites", needs=module(Module.SITES), endpoint="sites")
def sites_page() -> ResponseReturnValue:
    """The sites, to create and rename."""
    return render("sites.html", rows=list(db().scalars(select(Site).order_by(Site.code))),
                  errors={}, form={})


@page("/sites/new", needs=module(Module.SITES), methods=("POST",))
def site_create() -> ResponseReturnValue:
    """A new site (with the built-in classes)."""
    try:
        made = create_site(db(), code=text("code"), name=text("name"),
                           time_zone=text("time_zone"))
    except HubError as error:
        db().rollback()
        return render("sites.html", 422, rows=list(db().scalars(select(Site).order_by(
            Site.code))), errors=form_errors(error), form=request.form)
    return done(_("Site %(name)s created.", name=made.name),
                url_for("ui.dashboard", site=made.code))


@page("/sites/<site>/settings", needs=module(Module.SITES), methods=("POST",))
def site_save(site: str) -> ResponseReturnValue:
    """Rename a site or change its time zone."""
    found = site_of(site)
    try:
        update_site(db(), found.id, {"name": text("name"), "time_zone": text("time_zone")})
    except HubError as error:
        db().rollback()
        return render("sites.html", 422, rows=list(db().scalars(select(Site).order_by(
            Site.code))), errors=form_errors(error), form={})
    return done(_("Site saved."), url_for("ui.sites"))
