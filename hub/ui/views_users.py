"""Users and their rights (the administrator's own module): accounts, scopes, custom
right, modules one by one, privacy rights, IP allow-list, passwords, API tokens, sessions,
and the rights history."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hub.auth import users as accounts
from hub.auth.models import AuthSource, User
from hub.auth.networks import parse_networks
from hub.auth.sessions import create_token, revoke_token, sessions_of, tokens_of
from hub.auth.web import auth_state
from hub.errors import HubError, Invalid
from hub.people.models import Person
from hub.rights import services as rights
from hub.rights.decide import describe, elevated
from hub.rights.load import load_grants
from hub.rights.models import CustomRight, EditScope, Module, ViewScope
from hub.rights.rules import admin
from hub.sites.models import Site
from hub.ui.blueprint import page
from hub.ui.helpers import actor, db, done, flag, form_errors, optional_int, render, text
from hub.ui.i18n import _, lazy

VIEW_LABELS = {ViewScope.SELF: lazy("only himself"), ViewScope.DEPARTMENT: lazy("own department"),
               ViewScope.SUBTREE: lazy("own and subordinate departments"),
               ViewScope.ALL: lazy("everybody")}
EDIT_LABELS = {EditScope.NONE: lazy("nothing"), EditScope.SELF: lazy("only himself"),
               EditScope.DEPARTMENT: lazy("own department"),
               EditScope.SUBORDINATES: lazy("own and subordinate departments"),
               EditScope.ALL: lazy("everybody"), EditScope.HR: lazy("HR (everybody and the "
                                                                    "personnel modules)"),
               EditScope.CUSTOM: lazy("a custom right")}
MODULE_LABELS = {Module.HIERARCHY: lazy("Hierarchy"), Module.PERSONS: lazy("Persons"),
                 Module.BADGES: lazy("Badges"), Module.ACCESS: lazy("Places and access points"),
                 Module.CONTROLLERS: lazy("Controllers"), Module.SCHEDULES: lazy("Schedules"),
                 Module.HOLIDAYS: lazy("Holidays"), Module.POLICIES: lazy("Access policies"),
                 Module.SITES: lazy("Sites"), Module.AUDIT: lazy("Login history")}


def _person_by_number(site_id: int | None, number: str) -> int | None:
    if not number:
        return None
    if site_id is None:
        raise Invalid("personal_number", _("choose the person's site"))
    found = db().scalar(select(Person.id).where(Person.site_id == site_id,
                                                Person.personal_number == number))
    if found is None:
        raise Invalid("personal_number", _("nobody in this site has this personal number"))
    return found


def _sites() -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in db().scalars(select(Site).order_by(Site.name))]


@page("/users", needs=admin)
def users() -> ResponseReturnValue:
    """Every user with a summary of his rights."""
    rows = [(u, describe(load_grants(db(), u)), elevated(load_grants(db(), u)))
            for u in accounts.list_users(db())]
    return render("users.html", rows=rows, sites=_sites(), errors={}, form={},
                  view_labels=VIEW_LABELS, edit_labels=EDIT_LABELS)


@page("/users/new", needs=admin, methods=("POST",))
def user_create() -> ResponseReturnValue:
    """A new user (standard rights, no password yet)."""
    try:
        site_id = optional_int("site_id")
        made = accounts.create_user(
            db(), username=text("username"), display_name=text("display_name"),
            person_id=_person_by_number(site_id, text("personal_number")), site_id=site_id,
            auth_source=text("auth_source") or AuthSource.LOCAL)
        rights.record_change(db(), made, describe(load_grants(db(), made)), actor=actor())
    except HubError as error:
        db().rollback()
        rows = [(u, describe(load_grants(db(), u)), elevated(load_grants(db(), u)))
                for u in accounts.list_users(db())]
        return render("users.html", 422, rows=rows, sites=_sites(), errors=form_errors(error),
                      form=request.form, view_labels=VIEW_LABELS, edit_labels=EDIT_LABELS)
    return done(_("User %(name)s created.", name=made.username),
                url_for("ui.user", user_id=made.id))


def _detail(user: User, status: int = 200, errors: dict[str, str] | None = None,
            which: str = "", secret: str | None = None,
            password: str | None = None) -> ResponseReturnValue:
    row = rights.rights_of(db(), user.id) if not user.is_admin else None
    person = db().get(Person, user.person_id) if user.person_id else None
    customs = [(r.id, r.name) for r in db().scalars(select(CustomRight).order_by(CustomRight.name))]
    return render(
        "user.html", status, account=user, rights_row=row, person=person, sites=_sites(),
        modules=rights.modules_of(db(), user.id), customs=customs,
        view_labels=VIEW_LABELS, edit_labels=EDIT_LABELS, module_labels=MODULE_LABELS,
        networks="\n".join(n.network for n in user.networks),
        tokens=tokens_of(db(), user.id), sessions=sessions_of(db(), user.id),
        history=rights.rights_history(db(), user.id, limit=20), errors=errors or {},
        which=which, secret=secret, password=password,
    )


def _user(user_id: int) -> User:
    return accounts.get_user(db(), user_id)


@page("/users/<int:user_id>", needs=admin)
def user(user_id: int) -> ResponseReturnValue:
    """One user: account, rights, allow-list, password, tokens, sessions, history."""
    return _detail(_user(user_id))


def _change(user_id: int, which: str, action: object, message: str) -> ResponseReturnValue:
    found = _user(user_id)
    try:
        action(found)  # type: ignore[operator]
    except HubError as error:
        db().rollback()
        return _detail(_user(user_id), 422, form_errors(error), which)
    return done(message, url_for("ui.user", user_id=found.id))


@page("/users/<int:user_id>/account", needs=admin, methods=("POST",))
def user_account(user_id: int) -> ResponseReturnValue:
    """Name shown, active, password source, person and site."""
    def run(found: User) -> None:
        accounts.update_user(db(), found.id, display_name=text("display_name"),
                             auth_source=None if found.is_admin else text("auth_source"),
                             active=True if found.is_admin else flag("active"))
        if not found.is_admin:
            site_id = optional_int("site_id")
            accounts.place_user(db(), found.id,
                                _person_by_number(site_id, text("personal_number")), site_id)
    return _change(user_id, "account", run, _("Account saved."))


@page("/users/<int:user_id>/rights", needs=admin, methods=("POST",))
def user_rights(user_id: int) -> ResponseReturnValue:
    """Scopes, custom right, modules, privacy rights (with a rights history entry)."""
    def run(found: User) -> None:
        rights.set_rights(db(), found.id, rights.RightsForm(
            view=text("view"), edit=text("edit"),
            custom_right_id=optional_int("custom_right_id") if text("edit") == "custom" else None,
            modules=request.form.getlist("modules"), policies_only=flag("policies_only"),
            additional_policies_only=flag("additional_policies_only"),
            main_data_only=flag("main_data_only")), actor=actor())
    return _change(user_id, "rights", run, _("Rights saved."))


@page("/users/<int:user_id>/networks", needs=admin, methods=("POST",))
def user_networks(user_id: int) -> ResponseReturnValue:
    """The IP allow-list (empty: any address)."""
    return _change(user_id, "networks", lambda u: accounts.set_networks(
        db(), u.id, parse_networks(request.form.get("networks", ""))),
        _("Allow-list saved."))


@page("/users/<int:user_id>/password", needs=admin, methods=("POST",))
def user_password(user_id: int) -> ResponseReturnValue:
    """Set a password the administrator chose (or clear it)."""
    def run(found: User) -> None:
        if "clear" in request.form:
            accounts.clear_password(db(), found.id)
            return
        if request.form.get("password", "") != request.form.get("again", ""):
            raise Invalid("again", _("the two passwords differ"))
        accounts.set_password(db(), auth_state().passwords, found.id,
                              request.form.get("password", ""))
    return _change(user_id, "password", run, _("Password saved."))


@page("/users/<int:user_id>/generate-password", needs=admin, methods=("POST",))
def user_generate_password(user_id: int) -> ResponseReturnValue:
    """One click: a random password, shown once."""
    found = _user(user_id)
    password = accounts.generate_for(db(), auth_state().passwords, found.id)
    db().commit()
    if request.form.get("back") == "check":
        from hub.ui.views_admin import password_check_page  # noqa: PLC0415 - the other page

        return password_check_page(generated=(found.username, password))
    return _detail(found, password=password)


@page("/users/<int:user_id>/tokens", needs=admin, methods=("POST",))
def user_token_create(user_id: int) -> ResponseReturnValue:
    """A new API token, shown once."""
    found = _user(user_id)
    try:
        _row, secret = create_token(db(), found.id, text("token_name"))
    except HubError as error:
        db().rollback()
        return _detail(found, 422, form_errors(error), "tokens")
    db().commit()
    return _detail(found, secret=secret)


@page("/users/<int:user_id>/tokens/<int:token_id>/delete", needs=admin, methods=("POST",))
def user_token_delete(user_id: int, token_id: int) -> ResponseReturnValue:
    """Revoke an API token."""
    return _change(user_id, "tokens", lambda u: revoke_token(db(), u.id, token_id),
                   _("Token revoked."))


@page("/users/<int:user_id>/sessions/end", needs=admin, methods=("POST",))
def user_sessions_end(user_id: int) -> ResponseReturnValue:
    """Log the user out everywhere."""
    return _change(user_id, "sessions", lambda u: accounts.end_all_sessions(db(), u.id),
                   _("Sessions ended."))


@page("/users/<int:user_id>/delete", needs=admin, methods=("POST",))
def user_delete(user_id: int) -> ResponseReturnValue:
    """Delete a user (never the administrator)."""
    found = _user(user_id)
    try:
        accounts.delete_user(db(), found.id)
    except HubError as error:
        db().rollback()
        return _detail(found, 409, {"_": error.message})
    return done(_("User deleted."), url_for("ui.users"))
