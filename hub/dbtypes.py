"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=StrEnum)


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: accepts only timezone-aware datetimes, always returns them in UTC.

    SQLite has no time zones and hands back naive values; this type stores UTC and
    re-attaches it, so code never compares naive with aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given: instants need a time zone")
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EnumText(TypeDecorator[E], Generic[E]):
    """A StrEnum stored as its text value in a VARCHAR (no native enum types to migrate).

    The allowed values are also enforced by a CHECK constraint declared on the table.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[E], length: int = 16, **kwargs: Any) -> None:
        super().__init__(length, **kwargs)
        self.enum_type = enum_type

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_type(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        if value is None:
            return None
        return self.enum_type(value)


def enum_check(column: str, enum_type: type[StrEnum]) -> str:
    """SQL text for a CHECK that ``column`` holds one of ``enum_type``'s values."""
    values = ", ".join(f"'{member.value}'" for member in enum_type)
    return f"{column} IN ({values})"
