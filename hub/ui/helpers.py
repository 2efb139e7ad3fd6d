"""What every page needs: the site in the URL, the user's rights, times in the site's zone,
form errors from the services, and the answer after a change (redirect, or the form again)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from hub.app import db_session
from hub.auth.web import current_grants, current_user
from hub.errors import Conflict, HubError, Invalid
from hub.rights.decide import Grants, has_module
from hub.rights.models import Module
from hub.sites.models import Site
from hub.sites.services import get_site_by_code

DATE_TIME = "%Y-%m-%d %H:%M:%S"


def db() -> Session:
    """The request's database session (narrowed to what the user may see)."""
    return db_session()


def site_of(code: str) -> Site:
    """The site in the URL (NotFound, answered 404, for a site the user cannot reach)."""
    return get_site_by_code(db(), code)


def grants() -> Grants:
    """The logged-in user's rights."""
    return current_grants()


def can(module: Module | str) -> bool:
    """Whether the user holds ``module`` (the administrator holds all)."""
    return has_module(grants(), Module(module))


def zone(site: Site | None) -> ZoneInfo:
    """The site's time zone (UTC without a site)."""
    return ZoneInfo(site.time_zone) if site is not None else ZoneInfo("UTC")


def local(value: dt.datetime | int | None, site: Site | None, fmt: str = DATE_TIME) -> str:
    """An instant (aware datetime or unix seconds) as the site's wall-clock time."""
    if value is None:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromtimestamp(
        value, dt.UTC)
    return moment.astimezone(zone(site)).strftime(fmt)


def form_errors(error: HubError) -> dict[str, str]:
    """A service error as messages by form field ("_" for the form as a whole)."""
    if isinstance(error, Invalid):
        return {error.field: error.detail}
    if isinstance(error, Conflict) and error.field:
        return {error.field: error.message}
    return {"_": error.message}


def render(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    """A page (``status`` 422 when it shows a refused form again)."""
    return render_template(template, **context), status


def done(message: str, target: str) -> ResponseReturnValue:
    """After a change: commit, say what happened, and go to ``target`` (POST-redirect-GET)."""
    db().commit()
    flash(message, "ok")
    return redirect(target)


def refused(error: HubError, template: str, **context: Any) -> ResponseReturnValue:
    """A change the services refused: roll back and show the form with the messages."""
    db().rollback()
    return render(template, 422, errors=form_errors(error), form=request.form, **context)


def text(name: str, form: Mapping[str, str] | None = None) -> str:
    """A form field as trimmed text ('' when missing)."""
    return (form if form is not None else request.form).get(name, "").strip()


def optional_int(name: str, form: Mapping[str, str] | None = None) -> int | None:
    """A form field holding an id, or None when empty; Invalid names the field otherwise."""
    value = text(name, form)
    if not value:
        return None
    if not value.isdigit():
        raise Invalid(name, "choose one of the offered values")
    return int(value)


def flag(name: str) -> bool:
    """A checkbox."""
    return request.form.get(name) in {"on", "1", "true", "yes"}


def actor() -> str:
    """Who is acting, for history rows (the user name)."""
    user = current_user()
    return user.username if user is not None else ""
