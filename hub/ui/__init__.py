"""The hub's web UI: server-rendered pages (Flask + Jinja), a little JavaScript for the live
events (server-sent events) and confirmations.

``init_ui(app)`` registers the blueprint, translations (hub.ui.i18n), template helpers
and error pages. Every page declares the right it needs (hub.ui.blueprint.page); the
guard of hub.auth.web enforces it, and the request's database session only shows what
the user may see, so the views never filter persons themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from hub.auth.web import current_user
from hub.badges.models import Badge
from hub.errors import NotFound
from hub.rights.endpoints import UI_RULES
from hub.rights.rules import public
from hub.sites.models import Site
from hub.ui.blueprint import bp
from hub.ui.errors import forbidden_page, on_csrf_error
from hub.ui.helpers import can, db, local, site_of
from hub.ui.i18n import init_i18n
from hub.ui.words import word
from protocols import cardtext

VIEW_MODULES = (
    "hub.ui.errors",
    "hub.ui.views_auth",
    "hub.ui.views_monitor",
    "hub.ui.views_people",
    "hub.ui.views_persons",
    "hub.ui.views_badges",
    "hub.ui.views_places",
    "hub.ui.views_controllers",
    "hub.ui.views_schedules",
    "hub.ui.views_policies",
    "hub.ui.views_users",
    "hub.ui.views_admin",
)


def _context() -> dict[str, Any]:
    user = current_user()
    site = None
    code = (request.view_args or {}).get("site")
    if user is not None and isinstance(code, str):
        try:
            site = site_of(code)
        except NotFound:
            site = None
    return {
        "user": user,
        "is_admin": bool(user and user.is_admin),
        "can": can if user is not None else (lambda _module: False),
        "site": site,
        "sites": list(db().scalars(select(Site).order_by(Site.code))) if user else [],
        "lang": str(get_locale() or "en"),
    }


def options(items: Iterable[Any], label: str = "name") -> list[tuple[int, str]]:
    """Rows as (id, label) pairs for select boxes."""
    return [(item.id, str(getattr(item, label))) for item in items]


def card_text(badge: Badge) -> str:
    """A badge's card as text (``H10301:12:3456``)."""
    return cardtext.to_text(badge.card_key)


def init_ui(app: Flask) -> None:
    """Serve the web UI from ``app``."""
    for name in VIEW_MODULES:
        importlib.import_module(name)
    UI_RULES["ui.static"] = public
    init_i18n(app)
    app.register_blueprint(bp)
    app.context_processor(_context)
    app.jinja_env.filters["local"] = local
    app.jinja_env.filters["options"] = options
    app.jinja_env.globals["card_text"] = card_text
    app.jinja_env.globals["word"] = word
    app.config["VRATNIK_FORBIDDEN_PAGE"] = forbidden_page
    app.register_error_handler(CSRFError, on_csrf_error)
