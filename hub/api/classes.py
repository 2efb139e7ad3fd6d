"""Classes of persons: ``/api/sites/<site>/classes`` (employee and visitor are built in)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.schemas import PageArgs, name_field, page, page_schema
from hub.people.fields import create_class, delete_class, update_class
from hub.people.models import BadgeType, PersonClass

blp = ApiBlueprint(
    "classes",
    __name__,
    url_prefix="/api/sites/<site>/classes",
    description="Classes of persons; the badge type decides which fields apply.",
)

BADGE_TYPES = [t.value for t in BadgeType]


class ClassSchema(Schema):
    """A class (output)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    badge_type = fields.String(required=True, metadata={"enum": BADGE_TYPES})
    builtin = fields.Boolean(required=True)


class ClassCreateSchema(Schema):
    """A new class."""

    name = name_field(100)
    badge_type = fields.String(required=True, validate=validate.OneOf(BADGE_TYPES))


class ClassPatchSchema(ClassCreateSchema):
    """Changes to a custom class."""

    name = name_field(100, required=False)
    badge_type = fields.String(validate=validate.OneOf(BADGE_TYPES))


ClassPage = page_schema(ClassSchema, "ClassPage")


@blp.endpoint("GET", "", query=PageArgs, response=ClassPage)
def list_classes(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's classes by name."""
    stmt = select(PersonClass).where(PersonClass.site_id == site_by_code(site).id)
    items, total = paginate(stmt.order_by(PersonClass.name), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "", body=ClassCreateSchema, response=ClassSchema, status=HTTPStatus.CREATED,
    errors=[HTTPStatus.CONFLICT],
)
def create(site: str, body: dict[str, Any]) -> PersonClass:
    """Define a class of persons."""
    created = create_class(session(), site_by_code(site).id, **body)
    commit()
    return created


@blp.endpoint("GET", "/<int:class_id>", response=ClassSchema)
def get(site: str, class_id: int) -> PersonClass:
    """One class."""
    return in_site(PersonClass, class_id, "class", site_by_code(site))


@blp.endpoint(
    "PATCH", "/<int:class_id>", body=ClassPatchSchema, response=ClassSchema,
    errors=[HTTPStatus.CONFLICT],
)
def patch(site: str, class_id: int, body: dict[str, Any]) -> PersonClass:
    """Rename a custom class or change its badge type."""
    found = in_site(PersonClass, class_id, "class", site_by_code(site))
    changed = update_class(session(), found.id, **body)
    commit()
    return changed


@blp.endpoint(
    "DELETE", "/<int:class_id>", status=HTTPStatus.NO_CONTENT, errors=[HTTPStatus.CONFLICT]
)
def delete(site: str, class_id: int) -> None:
    """Delete a custom class nobody belongs to."""
    found = in_site(PersonClass, class_id, "class", site_by_code(site))
    delete_class(session(), found.id)
    commit()
