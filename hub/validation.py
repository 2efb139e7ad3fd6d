"""Field checks and look-ups shared by every feature's services.

Each check returns the clean value or raises :class:`hub.errors.Invalid` naming the field,
so the REST layer can show the message next to the right input.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from hub.errors import Invalid, NotFound

M = TypeVar("M")


def name(field: str, value: object, max_length: int = 200) -> str:
    """A required, trimmed text of at most ``max_length`` characters."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(field, "must not be empty")
    text = value.strip()
    if len(text) > max_length:
        raise Invalid(field, f"at most {max_length} characters, got {len(text)}")
    return text


def text(field: str, value: object, max_length: int | None = None) -> str:
    """An optional text ('' when None), at most ``max_length`` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(field, "must be text")
    if max_length is not None and len(value) > max_length:
        raise Invalid(field, f"at most {max_length} characters, got {len(value)}")
    return value


def optional_text(field: str, value: object, max_length: int) -> str | None:
    """Text or None; blank text counts as None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return name(field, value, max_length)


def flag(field: str, value: object) -> bool:
    """A boolean (not 0/1 or "yes": the API sends JSON booleans)."""
    if not isinstance(value, bool):
        raise Invalid(field, "must be true or false")
    return value


def integer(field: str, value: object, low: int | None = None, high: int | None = None) -> int:
    """An int within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, "must be a whole number")
    if low is not None and value < low:
        raise Invalid(field, f"must be at least {low}, got {value}")
    if high is not None and value > high:
        raise Invalid(field, f"must be at most {high}, got {value}")
    return value


def optional_date(field: str, value: object) -> date | None:
    """A calendar date (a ``date`` or ISO text ``YYYY-MM-DD``) or None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        raise Invalid(field, "must be a date without a time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as err:
            raise Invalid(field, f"{value!r} is not a date (YYYY-MM-DD)") from err
    raise Invalid(field, "must be a date (YYYY-MM-DD)")


def optional_instant(field: str, value: object) -> datetime | None:
    """A timezone-aware datetime (or ISO text with an offset) or None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as err:
            raise Invalid(field, f"{value!r} is not a date and time (ISO 8601)") from err
    if not isinstance(value, datetime):
        raise Invalid(field, "must be a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(field, "needs a time zone offset (e.g. 2025-03-01T08:00:00+01:00)")
    return value


def get(session: Session, model: type[M], ident: object, kind: str) -> M:
    """The row of ``model`` with primary key ``ident``, or NotFound naming ``kind``."""
    if isinstance(ident, bool) or not isinstance(ident, int):
        raise NotFound(kind, ident)
    row = session.get(model, ident)
    if row is None:
        raise NotFound(kind, ident)
    return row


def in_site(session: Session, model: type[M], ident: object, kind: str, site_id: int) -> M:
    """Like :func:`get`, but the row must belong to site ``site_id`` (else NotFound)."""
    row: Any = get(session, model, ident, kind)
    if row.site_id != site_id:
        raise NotFound(kind, ident)
    result: M = row
    return result


def unknown_fields(changes: Iterable[str], allowed: set[str], kind: str) -> None:
    """Invalid for the first key of ``changes`` that is not an editable field of ``kind``."""
    for field in changes:
        if field not in allowed:
            raise Invalid(field, f"is not an editable field of a {kind}")
