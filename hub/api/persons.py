"""Persons: ``/api/sites/<site>/persons`` with every field of SPEC.md section 3.

Custom fields travel as ``titles``: ``{"Shift": "A"}`` (title name -> element text; null
clears one). The creation date is read-only. Photos are binary sub-resources
(``/persons/<id>/photo``: GET, PUT with the image as the body, DELETE); locations are
``/persons/<id>/locations``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import func, or_, select

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.schemas import PageArgs, ident, name_field, page, page_schema, text_field
from hub.errors import Invalid
from hub.people.models import EXTERNAL_CODE_MAX, Group, Person, PersonTitle, Title, TitleElement
from hub.people.services import (
    create_person,
    delete_person,
    set_title_value,
    update_person,
)
from hub.sites.models import Site

blp = ApiBlueprint(
    "persons",
    __name__,
    url_prefix="/api/sites/<site>/persons",
    description="Persons: employees, visitors and custom classes, with custom fields.",
)


class LocationSchema(Schema):
    """Where a person can be found."""

    id = fields.Integer(dump_only=True)
    name = name_field()
    room_id = ident(allow_none=True)
    phone = text_field(50)
    notes = fields.String()


class PersonSchema(Schema):
    """A person (output)."""

    id = fields.Integer(required=True)
    surname = fields.String(required=True)
    name = fields.String(required=True)
    class_id = fields.Integer(required=True)
    personal_number = fields.String(allow_none=True)
    external_code = fields.String(allow_none=True)
    free_field = fields.String()
    notes = fields.String()
    created_at = fields.AwareDateTime(metadata={"description": "set on creation, read-only"})
    group_id = fields.Integer(allow_none=True, metadata={"description": "the department"})
    company_id = fields.Integer(
        allow_none=True, metadata={"description": "nearest group marked as a company, or the root"}
    )
    main_policy_id = fields.Integer(
        allow_none=True, metadata={"description": "null: the group's policy"}
    )
    has_photo = fields.Method("_has_photo")
    photo_media_type = fields.String(allow_none=True)
    photo_ref = fields.String(allow_none=True)
    titles = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "title -> element"}
    )
    locations = fields.List(fields.Nested(LocationSchema))

    def _has_photo(self, person: PersonView) -> bool:
        return person.photo_media_type is not None


class PersonCreateSchema(Schema):
    """A new person."""

    surname = name_field(100)
    name = name_field(100)
    class_id = ident(required=True)
    group_id = ident(required=True, metadata={"description": "the department"})
    personal_number = text_field(32, allow_none=True)
    external_code = text_field(
        EXTERNAL_CODE_MAX, allow_none=True, metadata={"description": "employee classes only"}
    )
    free_field = text_field(200)
    notes = fields.String()
    main_policy_id = ident(allow_none=True, metadata={"description": "null: the group's"})
    titles = fields.Dict(
        keys=fields.String(), values=fields.String(allow_none=True), load_default=dict
    )


class PersonPatchSchema(PersonCreateSchema):
    """Changes to a person (any subset of the fields)."""

    surname = name_field(100, required=False)
    name = name_field(100, required=False)
    class_id = ident()
    group_id = ident()
    titles = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


class PersonQuery(PageArgs):
    """Filters of the person list (all given ones must match)."""

    q = fields.String(metadata={"description": "part of the surname or name (any case)"})
    personal_number = fields.String(metadata={"description": "exact personal number"})
    group_id = ident(strict=False)
    class_id = ident(strict=False)
    element_id = fields.List(
        ident(strict=False), metadata={"description": "custom field values, all must match"}
    )


PersonPage = page_schema(PersonSchema, "PersonPage")


def titles_of(person_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Custom fields of many persons in one query: person id -> {title: element}."""
    ids = list(person_ids)
    if not ids:
        return {}
    query = (
        select(PersonTitle.person_id, Title.name, TitleElement.value)
        .join(Title, Title.id == PersonTitle.title_id)
        .join(TitleElement, TitleElement.id == PersonTitle.element_id)
        .where(PersonTitle.person_id.in_(ids))
    )
    found: dict[int, dict[str, str]] = {}
    for person_id, title, value in session().execute(query):
        found.setdefault(person_id, {})[title] = value
    return found


@dataclass(frozen=True)
class PersonView:
    """A person as the API shows it: the row plus its custom fields by title name."""

    person: Person
    titles: dict[str, str]
    company_id: int | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.person, name)


def companies_of(persons: list[Person]) -> dict[int, int]:
    """Group id -> its company: the nearest ancestor marked as a company, else the root."""
    site_ids = {p.site_id for p in persons}
    tree = {
        ident: (parent, company)
        for ident, parent, company in session().execute(
            select(Group.id, Group.parent_id, Group.is_company).where(Group.site_id.in_(site_ids))
        )
    }
    found: dict[int, int] = {}
    for start in {p.group_id for p in persons if p.group_id is not None}:
        current = start
        while not tree[current][1] and tree[current][0] is not None:
            current = tree[current][0] or current
        found[start] = current
    return found


def views(persons: list[Person]) -> list[PersonView]:
    """The persons with their custom fields and company (two queries for all)."""
    if not persons:
        return []
    titles = titles_of(p.id for p in persons)
    companies = companies_of(persons)
    return [
        PersonView(p, titles.get(p.id, {}), companies.get(p.group_id or 0)) for p in persons
    ]


def set_titles(site: Site, person: Person, titles: Mapping[str, str | None]) -> None:
    """Set custom fields by title name (null clears one)."""
    for title_name, value in titles.items():
        title_id = session().scalar(
            select(Title.id).where(Title.site_id == site.id, Title.name == title_name)
        )
        if title_id is None:
            raise Invalid(f"titles.{title_name}", "no custom field (title) has this name")
        set_title_value(session(), person.id, title_id, value)


@blp.endpoint("GET", "", query=PersonQuery, response=PersonPage)
def list_persons(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """Persons by surname and name, filtered."""
    stmt = select(Person).where(Person.site_id == site_by_code(site).id)
    if "q" in query:
        needle = query["q"].lower()  # % and _ are plain characters here (autoescape)
        stmt = stmt.where(or_(
            func.lower(Person.surname).contains(needle, autoescape=True),
            func.lower(Person.name).contains(needle, autoescape=True),
        ))
    if "personal_number" in query:
        stmt = stmt.where(Person.personal_number == query["personal_number"])
    if "group_id" in query:
        stmt = stmt.where(Person.group_id == query["group_id"])
    if "class_id" in query:
        stmt = stmt.where(Person.class_id == query["class_id"])
    for element_id in query.get("element_id", []):
        stmt = stmt.where(
            select(PersonTitle.person_id)
            .where(PersonTitle.person_id == Person.id, PersonTitle.element_id == element_id)
            .exists()
        )
    items, total = paginate(stmt.order_by(Person.surname, Person.name, Person.id), query)
    return page(views(items), total, query)


@blp.endpoint(
    "POST", "", body=PersonCreateSchema, response=PersonSchema, status=HTTPStatus.CREATED,
    errors=[HTTPStatus.CONFLICT],
)
def create(site: str, body: dict[str, Any]) -> PersonView:
    """Create a person (and set the given custom fields)."""
    the_site = site_by_code(site)
    titles = body.pop("titles")
    person = create_person(session(), the_site.id, **body)
    set_titles(the_site, person, titles)
    commit()
    return views([person])[0]


@blp.endpoint("GET", "/<int:person_id>", response=PersonSchema)
def get(site: str, person_id: int) -> PersonView:
    """One person."""
    return views([in_site(Person, person_id, "person", site_by_code(site))])[0]


@blp.endpoint(
    "PATCH", "/<int:person_id>", body=PersonPatchSchema, response=PersonSchema,
    errors=[HTTPStatus.CONFLICT],
)
def patch(site: str, person_id: int, body: dict[str, Any]) -> PersonView:
    """Change any fields of a person."""
    the_site = site_by_code(site)
    person = in_site(Person, person_id, "person", the_site)
    titles = body.pop("titles", {})
    update_person(session(), person.id, body)
    set_titles(the_site, person, titles)
    commit()
    return views([person])[0]


@blp.endpoint(
    "DELETE", "/<int:person_id>", status=HTTPStatus.NO_CONTENT, errors=[HTTPStatus.CONFLICT]
)
def delete(site: str, person_id: int) -> None:
    """Delete a person who never held a badge."""
    person = in_site(Person, person_id, "person", site_by_code(site))
    delete_person(session(), person.id)
    commit()
