"""Badges: the list, registering cards, a badge's history, issuing and withdrawing, and
fast activation/deactivation with the result of every controller (hub.sync.activation)."""

from __future__ import annotations

from datetime import datetime

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hub import validation as check
from hub.badges.models import Badge, BadgeState
from hub.badges.services import (
    find_badge,
    history,
    issue_badge,
    register_badge,
    set_validity,
    withdraw_badge,
)
from hub.errors import HubError, Invalid
from hub.people.models import Person
from hub.rights.models import Module
from hub.rights.rules import module
from hub.sites.models import Site
from hub.sync.activation import ActivationReport, activate, record_only
from hub.sync.runtime import service_of
from hub.ui.blueprint import page
from hub.ui.helpers import actor, db, done, form_errors, optional_int, render, site_of, text, zone
from hub.ui.i18n import _
from hub.ui.views_people import group_options
from protocols import cardtext

READ = module(Module.BADGES, Module.PERSONS)
WRITE = module(Module.BADGES)
LIST_LIMIT = 200


def _badge(site: Site, badge_id: int) -> Badge:
    return check.in_site(db(), Badge, badge_id, "badge", site.id)


@page("/sites/<site>/badges", needs=READ)
def badges(site: str) -> ResponseReturnValue:
    """The site's badges, by card, filtered by state or found by card text."""
    the_site = site_of(site)
    state = request.args.get("state", "")
    query = select(Badge).where(Badge.site_id == the_site.id)
    card = request.args.get("card", "").strip()
    errors: dict[str, str] = {}
    if card:
        try:
            found = find_badge(db(), the_site.id, card)
            query = query.where(Badge.id == (found.id if found else -1))
        except Invalid as error:
            errors = {"card": error.detail}
    if state in {s.value for s in BadgeState}:
        query = query.where(Badge.state == BadgeState(state))
    rows = list(db().scalars(query.order_by(Badge.card_format, Badge.card_value)
                             .limit(LIST_LIMIT + 1)))
    holders = _holders(rows)
    return render("badges.html", 422 if errors else 200, rows=rows[:LIST_LIMIT],
                  more=len(rows) > LIST_LIMIT, holders=holders, state=state, card=card,
                  errors=errors)


def _holders(rows: list[Badge]) -> dict[int, str]:
    """Names of the persons holding the badges (one query; unseen persons stay unnamed)."""
    ids = {b.person_id for b in rows if b.person_id is not None}
    if not ids:
        return {}
    found = db().execute(select(Person.id, Person.surname, Person.name).where(
        Person.id.in_(ids))).all()
    return {pid: f"{surname} {name}" for pid, surname, name in found}


@page("/sites/<site>/badges/new", needs=WRITE, methods=("POST",))
def badge_register(site: str) -> ResponseReturnValue:
    """Put a new card into the pool."""
    the_site = site_of(site)
    try:
        badge = register_badge(db(), the_site.id, text("card"), label=text("label"),
                               actor=actor())
    except HubError as error:
        db().rollback()
        return render("badges.html", 422, rows=[], more=False, holders={}, state="",
                      card="", errors=form_errors(error))
    return done(_("Card registered."), url_for("ui.badge", site=site, badge_id=badge.id))


@page("/sites/<site>/badges/issue-card", needs=WRITE, methods=("POST",))
def badge_issue_card(site: str) -> ResponseReturnValue:
    """From a person's page: issue the card given as text (registering it if new)."""
    the_site = site_of(site)
    person = check.in_site(db(), Person, optional_int("person_id"), "person", the_site.id)
    try:
        badge = find_badge(db(), the_site.id, text("card"))
        if badge is None:
            badge = register_badge(db(), the_site.id, text("card"), actor=actor())
        issue_badge(db(), badge.id, person_id=person.id, actor=actor())
    except HubError as error:
        db().rollback()
        from hub.ui.views_persons import _detail  # noqa: PLC0415 - the person's page

        return _detail(the_site, person, 422, {"card": error.message})
    return done(_("Card issued."), url_for("ui.badge", site=site, badge_id=badge.id))


def _detail(site: Site, badge: Badge, status: int = 200, errors: dict[str, str] | None = None,
            report: ActivationReport | None = None) -> ResponseReturnValue:
    holder = None
    if badge.person_id is not None:
        holder = db().get(Person, badge.person_id)
    return render("badge.html", status, badge=badge, card=cardtext.to_text(badge.card_key),
                  history=history(db(), badge.id), holder=holder, errors=errors or {},
                  groups=group_options(site), report=report)


@page("/sites/<site>/badges/<int:badge_id>", needs=READ)
def badge(site: str, badge_id: int) -> ResponseReturnValue:
    """One badge: holder, validity, history; the actions the user may take."""
    the_site = site_of(site)
    return _detail(the_site, _badge(the_site, badge_id))


def _instant(name: str, site: Site) -> str | None:
    """A date-time input (site-local wall time) as ISO text with the site's offset."""
    value = text(name)
    if not value:
        return None
    try:
        local = datetime.fromisoformat(value)
    except ValueError as err:
        raise Invalid(name, _("give a date and time")) from err
    return local.replace(tzinfo=zone(site)).isoformat()


@page("/sites/<site>/badges/<int:badge_id>/issue", needs=WRITE, methods=("POST",))
def badge_issue(site: str, badge_id: int) -> ResponseReturnValue:
    """Issue the card to a person (by personal number) or to a group."""
    the_site = site_of(site)
    badge = _badge(the_site, badge_id)
    try:
        person_id = None
        number = text("personal_number")
        if number:
            found = db().scalar(select(Person.id).where(Person.site_id == the_site.id,
                                                        Person.personal_number == number))
            if found is None:
                raise Invalid("personal_number", _("nobody has this personal number"))
            person_id = found
        issue_badge(db(), badge.id, person_id=person_id, group_id=optional_int("group_id"),
                    valid_from=_instant("valid_from", the_site),
                    valid_to=_instant("valid_to", the_site), actor=actor(), note=text("note"))
    except HubError as error:
        db().rollback()
        return _detail(the_site, badge, 422, form_errors(error))
    return done(_("Card issued."), url_for("ui.badge", site=site, badge_id=badge.id))


@page("/sites/<site>/badges/<int:badge_id>/withdraw", needs=WRITE, methods=("POST",))
def badge_withdraw(site: str, badge_id: int) -> ResponseReturnValue:
    """Take the card back into the pool."""
    the_site = site_of(site)
    badge = _badge(the_site, badge_id)
    try:
        withdraw_badge(db(), badge.id, actor=actor(), note=text("note"))
    except HubError as error:
        db().rollback()
        return _detail(the_site, badge, 409, form_errors(error))
    return done(_("Card withdrawn."), url_for("ui.badge", site=site, badge_id=badge.id))


@page("/sites/<site>/badges/<int:badge_id>/validity", needs=WRITE, methods=("POST",))
def badge_validity(site: str, badge_id: int) -> ResponseReturnValue:
    """Change the validity of an issued card."""
    the_site = site_of(site)
    badge = _badge(the_site, badge_id)
    try:
        set_validity(db(), badge.id, _instant("valid_from", the_site),
                     _instant("valid_to", the_site), actor=actor())
    except HubError as error:
        db().rollback()
        return _detail(the_site, badge, 422, form_errors(error))
    return done(_("Validity changed."), url_for("ui.badge", site=site, badge_id=badge.id))


def _push(site: str, badge_id: int, deactivate: bool) -> ResponseReturnValue:
    the_site = site_of(site)
    badge = _badge(the_site, badge_id)
    service = service_of()
    # read everything needed first: after the rollback below, touching a row of this
    # session would begin a new (on SQLite: writing) transaction that blocks the service
    who, site_id, ident = actor(), the_site.id, badge.id
    try:
        if service is None:
            report = record_only(db(), ident, deactivate=deactivate, actor=who)
        else:
            db().rollback()  # the service works in its own transaction
            report = activate(service, site_id, ident, deactivate=deactivate, actor=who)
    except HubError as error:
        db().rollback()
        return _detail(the_site, badge, 409, {"_": error.message})
    db().expire_all()
    return _detail(the_site, _badge(the_site, badge_id), report=report)


@page("/sites/<site>/badges/<int:badge_id>/activate", needs=WRITE, methods=("POST",))
def badge_activate(site: str, badge_id: int) -> ResponseReturnValue:
    """Push the card to every controller that needs it now; show each one's answer."""
    return _push(site, badge_id, deactivate=False)


@page("/sites/<site>/badges/<int:badge_id>/deactivate", needs=WRITE, methods=("POST",))
def badge_deactivate(site: str, badge_id: int) -> ResponseReturnValue:
    """Withdraw the card (if issued) and push that at once; show each controller's answer."""
    return _push(site, badge_id, deactivate=True)
