"""What every view needs: the request's session, the site in the URL, owned objects, pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.app import db_session
from hub.sites.models import Site
from hub.sites.services import get_site_by_code

T = TypeVar("T")
M = TypeVar("M")


def session() -> Session:
    """The current request's database session."""
    return db_session()


def site_by_code(code: str) -> Site:
    """The site named in the URL, or NotFound (404)."""
    return get_site_by_code(session(), code)


def paginate(stmt: Select[tuple[T]] | Select[T], query: Mapping[str, Any]) -> tuple[list[T], int]:
    """One page of ``stmt`` (already ordered) and the number of rows it has in all."""
    db = session()
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.scalars(stmt.limit(query["limit"]).offset(query["offset"])))
    return items, total


def commit() -> None:
    """Commit the request's work (views call this after a successful change)."""
    session().commit()


def in_site(model: type[M], ident: object, kind: str, site: Site) -> M:
    """Row ``ident`` of ``model`` if it belongs to ``site``, else NotFound (404).

    Another site's object answers exactly like a missing one: one site's API must not reach
    into another site's data.
    """
    return check.in_site(session(), model, ident, kind, site.id)

