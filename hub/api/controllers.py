"""Controllers and their reader heads: ``/api/sites/<site>/controllers``.

A controller is what a compiled access list is made for; a concentrator has several reader
heads. Each reader serves exactly one access point. The code names the controller's MQTT
topics and never changes.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from hub.access.controllers import (
    CODE_PATTERN,
    add_reader,
    create_controller,
    remove_reader,
    update_controller,
    update_reader,
)
from hub.access.models import READER_ID_MAX, Controller, ControllerKind, Reader
from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.schemas import (
    PageArgs,
    StrictBoolean,
    StrictInteger,
    ident,
    name_field,
    page,
    page_schema,
    text_field,
)
from hub.errors import NotFound

blp = ApiBlueprint(
    "controllers",
    __name__,
    url_prefix="/api/sites/<site>/controllers",
    description="Door controllers and concentrators, and their reader heads.",
)

KINDS = [k.value for k in ControllerKind]


class ReaderSchema(Schema):
    """A reader head (output)."""

    id = fields.Integer(required=True)
    reader_no = fields.Integer(required=True, metadata={"description": "id in compiled lists"})
    access_point_id = fields.Integer(required=True)
    requires_pin = fields.Boolean(required=True)
    name = fields.String(required=True)


class ReaderCreateSchema(Schema):
    """A new reader head serving an access point."""

    reader_no = StrictInteger(required=True, validate=validate.Range(min=0, max=READER_ID_MAX))
    access_point_id = ident(required=True)
    requires_pin = StrictBoolean()
    name = text_field(200)


class ReaderPatchSchema(Schema):
    """Changes to a reader."""

    requires_pin = StrictBoolean()
    name = text_field(200)


class ControllerSchema(Schema):
    """A controller with its readers (output)."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": KINDS})
    enabled = fields.Boolean(required=True)
    notes = fields.String(required=True)
    readers = fields.List(fields.Nested(ReaderSchema))


class ControllerCreateSchema(Schema):
    """A new controller (readers are added afterwards)."""

    code = fields.String(
        required=True,
        validate=validate.Regexp(
            CODE_PATTERN, error="1-64 of a-z, 0-9, '-' or '_', starting with a letter or digit"
        ),
    )
    name = name_field()
    kind = fields.String(validate=validate.OneOf(KINDS))
    enabled = StrictBoolean()
    notes = fields.String()


class ControllerPatchSchema(Schema):
    """Changes to a controller (not its code)."""

    name = name_field(required=False)
    kind = fields.String(validate=validate.OneOf(KINDS))
    enabled = StrictBoolean()
    notes = fields.String()


ControllerPage = page_schema(ControllerSchema, "ControllerPage")


def _reader(site: str, controller_id: int, reader_id: int) -> Reader:
    controller = in_site(Controller, controller_id, "controller", site_by_code(site))
    for reader in controller.readers:
        if reader.id == reader_id:
            return reader
    raise NotFound("reader", reader_id)


@blp.endpoint("GET", "", query=PageArgs, response=ControllerPage)
def list_controllers(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's controllers by code."""
    stmt = select(Controller).where(Controller.site_id == site_by_code(site).id)
    items, total = paginate(stmt.order_by(Controller.code), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "", body=ControllerCreateSchema, response=ControllerSchema,
    status=HTTPStatus.CREATED, errors=[HTTPStatus.CONFLICT],
)
def create(site: str, body: dict[str, Any]) -> Controller:
    """Register a controller."""
    controller = create_controller(session(), site_by_code(site).id, **body)
    commit()
    return controller


@blp.endpoint("GET", "/<int:controller_id>", response=ControllerSchema)
def get(site: str, controller_id: int) -> Controller:
    """One controller."""
    return in_site(Controller, controller_id, "controller", site_by_code(site))


@blp.endpoint(
    "PATCH", "/<int:controller_id>", body=ControllerPatchSchema, response=ControllerSchema
)
def patch(site: str, controller_id: int, body: dict[str, Any]) -> Controller:
    """Rename, enable/disable, or change the kind of a controller."""
    controller = in_site(Controller, controller_id, "controller", site_by_code(site))
    changed = update_controller(session(), controller.id, body)
    commit()
    return changed


@blp.endpoint(
    "POST", "/<int:controller_id>/readers", body=ReaderCreateSchema, response=ReaderSchema,
    status=HTTPStatus.CREATED, errors=[HTTPStatus.CONFLICT],
)
def create_reader(site: str, controller_id: int, body: dict[str, Any]) -> Reader:
    """Add a reader head serving an access point no other reader serves."""
    controller = in_site(Controller, controller_id, "controller", site_by_code(site))
    reader = add_reader(session(), controller.id, **body)
    commit()
    return reader


@blp.endpoint(
    "PATCH", "/<int:controller_id>/readers/<int:reader_id>", body=ReaderPatchSchema,
    response=ReaderSchema,
)
def patch_reader(site: str, controller_id: int, reader_id: int, body: dict[str, Any]) -> Reader:
    """Change a reader's PIN requirement or name."""
    reader = _reader(site, controller_id, reader_id)
    changed = update_reader(session(), reader.id, body)
    commit()
    return changed


@blp.endpoint(
    "DELETE", "/<int:controller_id>/readers/<int:reader_id>", status=HTTPStatus.NO_CONTENT
)
def delete_reader(site: str, controller_id: int, reader_id: int) -> None:
    """Remove a reader head (its access point stays)."""
    reader = _reader(site, controller_id, reader_id)
    remove_reader(session(), reader.id)
    commit()
