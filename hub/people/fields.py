"""Services of person classes and custom fields ("titles" whose values are "elements").

Classes decide which fields apply: the external code exists only for classes whose badge
type is employee, and each title is shown for the classes it is configured for.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.db import atomic
from hub.errors import Conflict, Invalid
from hub.people.models import (
    BadgeType,
    Person,
    PersonClass,
    PersonTitle,
    Title,
    TitleClass,
    TitleElement,
)
from hub.sites.models import Site


def get_class(session: Session, class_id: object) -> PersonClass:
    """The class, or NotFound."""
    return check.get(session, PersonClass, class_id, "class")


def list_classes(session: Session, site_id: int) -> list[PersonClass]:
    """The site's classes, by name."""
    query = select(PersonClass).where(PersonClass.site_id == site_id).order_by(PersonClass.name)
    return list(session.scalars(query))


def parse_badge_type(value: object) -> BadgeType:
    """A BadgeType from its text, or Invalid."""
    try:
        return BadgeType(str(value))
    except ValueError as err:
        allowed = ", ".join(t.value for t in BadgeType)
        raise Invalid("badge_type", f"{value!r} is not one of {allowed}") from err


def create_class(session: Session, site_id: int, *, name: str, badge_type: object) -> PersonClass:
    """A custom class (employee and visitor exist from the site's creation)."""
    check.get(session, Site, site_id, "site")
    class_name = check.name("name", name, 100)
    _unique_class_name(session, site_id, class_name, None)
    person_class = PersonClass(
        site_id=site_id, name=class_name, badge_type=parse_badge_type(badge_type), builtin=False
    )
    session.add(person_class)
    session.flush()
    return person_class


@atomic
def update_class(
    session: Session, class_id: object, *, name: str | None = None, badge_type: object = None
) -> PersonClass:
    """Rename a custom class or change its badge type (built-in classes are fixed)."""
    person_class = get_class(session, class_id)
    if person_class.builtin:
        raise Conflict(f"class {person_class.name!r} is built in and cannot be changed")
    if name is not None:
        person_class.name = check.name("name", name, 100)
        _unique_class_name(session, person_class.site_id, person_class.name, person_class.id)
    if badge_type is not None:
        new_type = parse_badge_type(badge_type)
        if new_type is not BadgeType.EMPLOYEE:
            coded = session.scalar(
                select(Person.id)
                .where(Person.class_id == person_class.id, Person.external_code.is_not(None))
                .limit(1)
            )
            if coded is not None:
                raise Conflict(
                    f"persons of class {person_class.name!r} have external codes, which only "
                    "employee badge types allow: clear them first",
                    field="badge_type",
                )
        person_class.badge_type = new_type
    session.flush()
    return person_class


def delete_class(session: Session, class_id: object) -> None:
    """Delete a custom class nobody belongs to."""
    person_class = get_class(session, class_id)
    if person_class.builtin:
        raise Conflict(f"class {person_class.name!r} is built in and cannot be deleted")
    if session.scalar(select(Person.id).where(Person.class_id == person_class.id).limit(1)):
        raise Conflict(f"class {person_class.name!r} still has persons")
    session.delete(person_class)
    session.flush()


def get_title(session: Session, title_id: object) -> Title:
    """The title, or NotFound."""
    return check.get(session, Title, title_id, "title")


def list_titles(session: Session, site_id: int) -> list[Title]:
    """The site's titles, by name."""
    return list(session.scalars(select(Title).where(Title.site_id == site_id).order_by(Title.name)))


def create_title(
    session: Session,
    site_id: int,
    *,
    name: str,
    elements: Iterable[str] = (),
    class_ids: Iterable[int] = (),
) -> Title:
    """A custom field with its allowed values, shown for the given classes."""
    check.get(session, Site, site_id, "site")
    title_name = check.name("name", name, 100)
    if session.scalar(select(Title.id).where(Title.site_id == site_id, Title.name == title_name)):
        raise Conflict(f"a title named {title_name!r} already exists", field="name")
    title = Title(site_id=site_id, name=title_name)
    session.add(title)
    session.flush()
    for value in elements:
        add_element(session, title.id, value)
    set_title_classes(session, title.id, class_ids)
    return title


def add_element(session: Session, title_id: object, value: str) -> TitleElement:
    """A new allowed value of a title."""
    title = get_title(session, title_id)
    text = check.name("value", value)
    if any(element.value == text for element in title.elements):
        raise Conflict(f"title {title.name!r} already has the element {text!r}", field="value")
    element = TitleElement(title_id=title.id, value=text)
    title.elements.append(element)
    session.flush()
    return element


def remove_element(session: Session, element_id: object) -> None:
    """Remove an allowed value nobody has."""
    element = check.get(session, TitleElement, element_id, "element")
    if session.scalar(select(PersonTitle.person_id).where(PersonTitle.element_id == element.id)):
        raise Conflict(f"element {element.value!r} is the value of some persons: change them first")
    element.title.elements.remove(element)  # delete-orphan: the row goes at flush
    session.flush()


@atomic
def set_title_classes(session: Session, title_id: object, class_ids: Iterable[int]) -> Title:
    """The classes a title is shown for; refused while persons of a dropped class have a value."""
    title = get_title(session, title_id)
    wanted = {check.in_site(session, PersonClass, c, "class", title.site_id).id for c in class_ids}
    current = set(
        session.scalars(select(TitleClass.class_id).where(TitleClass.title_id == title.id))
    )
    dropped = current - wanted
    if dropped:
        used = session.scalar(
            select(Person.id)
            .join(PersonTitle, PersonTitle.person_id == Person.id)
            .where(PersonTitle.title_id == title.id, Person.class_id.in_(dropped))
            .limit(1)
        )
        if used is not None:
            raise Conflict(
                f"persons of a class being removed from title {title.name!r} have a value for "
                "it: clear those values first",
                field="class_ids",
            )
        session.execute(
            delete(TitleClass).where(
                TitleClass.title_id == title.id, TitleClass.class_id.in_(dropped)
            )
        )
    for class_id in sorted(wanted - current):
        session.add(TitleClass(title_id=title.id, class_id=class_id))
    session.flush()
    session.expire(title, ["classes"])
    return title


def titles_of_class(session: Session, class_id: int) -> list[Title]:
    """The titles configured for a class."""
    query = (
        select(Title)
        .join(TitleClass, TitleClass.title_id == Title.id)
        .where(TitleClass.class_id == class_id)
        .order_by(Title.name)
    )
    return list(session.scalars(query))


def _unique_class_name(session: Session, site_id: int, name: str, own_id: int | None) -> None:
    query = select(PersonClass.id).where(PersonClass.site_id == site_id, PersonClass.name == name)
    for other in session.scalars(query):
        if other != own_id:
            raise Conflict(f"a class named {name!r} already exists", field="name")
