"""Custom fields of persons: ``/api/sites/<site>/titles`` ("titles" whose allowed values are
"elements"), each shown for the classes it is configured for."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import select

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.schemas import PageArgs, ident, name_field, page, page_schema
from hub.errors import NotFound
from hub.people.fields import add_element, create_title, remove_element, set_title_classes
from hub.people.models import Title, TitleElement

blp = ApiBlueprint(
    "titles",
    __name__,
    url_prefix="/api/sites/<site>/titles",
    description="Custom fields of persons (titles) and their allowed values (elements).",
)


class ElementSchema(Schema):
    """One allowed value of a title."""

    id = fields.Integer(required=True)
    value = fields.String(required=True)


class TitleSchema(Schema):
    """A title with its elements and the classes it is shown for (output)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    elements = fields.List(fields.Nested(ElementSchema), required=True)
    class_ids = fields.Method("_class_ids")

    def _class_ids(self, title: Title) -> list[int]:
        return sorted(c.id for c in title.classes)


class TitleCreateSchema(Schema):
    """A new title."""

    name = name_field(100)
    elements = fields.List(name_field(200), load_default=list)
    class_ids = fields.List(ident(), load_default=list)


class TitlePatchSchema(Schema):
    """The classes a title is shown for."""

    class_ids = fields.List(ident(), required=True)


class ElementCreateSchema(Schema):
    """A new allowed value."""

    value = name_field(200)


TitlePage = page_schema(TitleSchema, "TitlePage")


@blp.endpoint("GET", "", query=PageArgs, response=TitlePage)
def list_titles(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's titles by name."""
    stmt = select(Title).where(Title.site_id == site_by_code(site).id)
    items, total = paginate(stmt.order_by(Title.name), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "", body=TitleCreateSchema, response=TitleSchema, status=HTTPStatus.CREATED,
    errors=[HTTPStatus.CONFLICT],
)
def create(site: str, body: dict[str, Any]) -> Title:
    """Define a custom field with its allowed values."""
    title = create_title(session(), site_by_code(site).id, **body)
    commit()
    return title


@blp.endpoint("GET", "/<int:title_id>", response=TitleSchema)
def get(site: str, title_id: int) -> Title:
    """One title."""
    return in_site(Title, title_id, "title", site_by_code(site))


@blp.endpoint(
    "PATCH", "/<int:title_id>", body=TitlePatchSchema, response=TitleSchema,
    errors=[HTTPStatus.CONFLICT],
)
def patch(site: str, title_id: int, body: dict[str, Any]) -> Title:
    """Change the classes a title is shown for."""
    title = in_site(Title, title_id, "title", site_by_code(site))
    changed = set_title_classes(session(), title.id, body["class_ids"])
    commit()
    return changed


@blp.endpoint(
    "POST", "/<int:title_id>/elements", body=ElementCreateSchema, response=ElementSchema,
    status=HTTPStatus.CREATED, errors=[HTTPStatus.CONFLICT],
)
def create_element(site: str, title_id: int, body: dict[str, Any]) -> TitleElement:
    """Add an allowed value."""
    title = in_site(Title, title_id, "title", site_by_code(site))
    element = add_element(session(), title.id, body["value"])
    commit()
    return element


@blp.endpoint(
    "DELETE", "/<int:title_id>/elements/<int:element_id>", status=HTTPStatus.NO_CONTENT,
    errors=[HTTPStatus.CONFLICT],
)
def delete_element(site: str, title_id: int, element_id: int) -> None:
    """Remove an allowed value nobody has."""
    title = in_site(Title, title_id, "title", site_by_code(site))
    if not any(element.id == element_id for element in title.elements):
        raise NotFound("element", element_id)
    remove_element(session(), element_id)
    commit()
