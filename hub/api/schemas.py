"""Building blocks shared by every resource's schemas: strict fields, pages, ids.

Input is strict on purpose: JSON ``"1"`` is not the integer 1, ``1`` is not ``true``, and a
field the schema does not know is an error (marshmallow's default ``RAISE``), so a typo in
a field name is reported instead of silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

# Ids are database integers: positive and within a signed 32-bit column.
ID_MAX = 2**31 - 1
PAGE_LIMIT_DEFAULT = 100
PAGE_LIMIT_MAX = 1000
OFFSET_MAX = 2**31 - 1


class StrictInteger(fields.Integer):
    """An integer that refuses strings, floats and booleans (``true`` is not 1)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        super().__init__(**kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    """Only JSON ``true`` or ``false``."""

    truthy: set[Any] = {True}  # noqa: RUF012 - marshmallow's own class attribute
    falsy: set[Any] = {False}  # noqa: RUF012


def query_flag(**kwargs: Any) -> fields.Boolean:
    """A yes/no query-string parameter: ``true`` or ``false``."""
    return fields.Boolean(truthy={"true"}, falsy={"false"}, **kwargs)


def ident(**kwargs: Any) -> StrictInteger:
    """A reference to an object by its id (a positive integer)."""
    return StrictInteger(validate=validate.Range(min=1, max=ID_MAX), **kwargs)


def text_field(max_length: int, **kwargs: Any) -> fields.String:
    """A string of at most ``max_length`` characters (may be empty)."""
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


def name_field(max_length: int = 200, *, required: bool = True, **kwargs: Any) -> fields.String:
    """A non-blank name (required unless ``required=False``, as in PATCH schemas)."""
    return fields.String(
        required=required,
        validate=[validate.Length(min=1, max=max_length), _not_blank],
        **kwargs,
    )


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


class PageArgs(Schema):
    """``limit`` and ``offset`` of a list endpoint."""

    limit = StrictInteger(
        load_default=PAGE_LIMIT_DEFAULT,
        strict=False,
        validate=validate.Range(min=1, max=PAGE_LIMIT_MAX),
        metadata={"description": f"at most this many items (1-{PAGE_LIMIT_MAX})"},
    )
    offset = StrictInteger(
        load_default=0,
        strict=False,
        validate=validate.Range(min=0, max=OFFSET_MAX),
        metadata={"description": "skip this many items first"},
    )


class PageSchema(Schema):
    """A page of a list: ``items`` plus where it is in the whole list."""

    total = fields.Integer(required=True, metadata={"description": "items in the whole list"})
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """A page schema whose ``items`` are dumped with ``item`` (``name``: its OpenAPI name)."""
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item), required=True)})


def page(items: Sequence[object], total: int, query: Mapping[str, Any]) -> dict[str, Any]:
    """What a list endpoint returns (dumped by a :func:`page_schema`)."""
    return {"items": items, "total": total, "limit": query["limit"], "offset": query["offset"]}


class MessageSchema(Schema):
    """A plain confirmation."""

    message = fields.String(required=True)


class Extended:
    """A model row plus extra values, dumped by a schema that adds fields to the row's.

    Reading any other attribute reaches the row, so the row's schema (and its Method fields)
    work unchanged.
    """

    def __init__(self, row: object, **extra: object) -> None:
        self._row = row
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)
