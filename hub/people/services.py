"""Services of person records (SPEC.md section 3).

The creation date is set by the database and is read-only: no service accepts it. The
external code exists only for classes whose badge type is employee. Custom field values
must be elements of a title configured for the person's class. Groups live in
hub/people/groups.py, classes and titles in hub/people/fields.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.access.models import Room
from hub.badges.models import Badge, BadgeEvent, BadgeState
from hub.compiler.load import load_site_rules
from hub.compiler.validate import Issue, validate_person, validate_policy
from hub.db import atomic
from hub.errors import Conflict, Invalid
from hub.people.models import (
    EXTERNAL_CODE_MAX,
    BadgeType,
    Group,
    Location,
    Person,
    PersonClass,
    PersonTitle,
    Title,
    TitleClass,
    TitleElement,
)
from hub.policies.models import AccessPolicy
from hub.sites.models import Site

EDITABLE = {
    "surname",
    "name",
    "class_id",
    "personal_number",
    "external_code",
    "free_field",
    "notes",
    "group_id",
    "main_policy_id",
}
READ_ONLY = {"id", "site_id", "created_at"}
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024


def get_person(session: Session, person_id: object) -> Person:
    """The person, or NotFound."""
    return check.get(session, Person, person_id, "person")


def create_person(
    session: Session,
    site_id: int,
    *,
    surname: str,
    name: str,
    class_id: int,
    group_id: int,
    personal_number: str | None = None,
    external_code: str | None = None,
    free_field: str = "",
    notes: str = "",
    main_policy_id: int | None = None,
) -> Person:
    """A new person in department ``group_id``; the creation date is set by the database."""
    check.get(session, Site, site_id, "site")
    person = Person(site_id=site_id)
    _apply(
        session,
        person,
        {
            "surname": surname,
            "name": name,
            "class_id": class_id,
            "group_id": group_id,
            "personal_number": personal_number,
            "external_code": external_code,
            "free_field": free_field,
            "notes": notes,
            "main_policy_id": main_policy_id,
        },
    )
    session.add(person)
    session.flush()
    session.refresh(person, ["created_at"])
    return person


@atomic
def update_person(session: Session, person_id: object, changes: Mapping[str, object]) -> Person:
    """Change a person's fields; ``created_at`` and the site are read-only."""
    person = get_person(session, person_id)
    for field in changes:
        if field in READ_ONLY:
            raise Invalid(field, "is read-only (set when the person record is created)")
    check.unknown_fields(changes, EDITABLE, "person")
    _apply(session, person, changes)
    session.flush()
    return person


def _apply(session: Session, person: Person, changes: Mapping[str, object]) -> None:
    site_id = person.site_id
    if "surname" in changes:
        person.surname = check.name("surname", changes["surname"], 100)
    if "name" in changes:
        person.name = check.name("name", changes["name"], 100)
    if "free_field" in changes:
        person.free_field = check.text("free_field", changes["free_field"], 200)
    if "notes" in changes:
        person.notes = check.text("notes", changes["notes"])
    if "group_id" in changes:
        person.group_id = check.in_site(session, Group, changes["group_id"], "group", site_id).id
    if "main_policy_id" in changes:
        policy_id = changes["main_policy_id"]
        person.main_policy_id = (
            None
            if policy_id is None
            else check.in_site(session, AccessPolicy, policy_id, "policy", site_id).id
        )
    if "personal_number" in changes:
        number = check.optional_text("personal_number", changes["personal_number"], 32)
        if number is not None:
            _unique_number(session, site_id, number, person.id)
        person.personal_number = number
    if "class_id" in changes:
        new_class = check.in_site(session, PersonClass, changes["class_id"], "class", site_id)
        if person.id is not None and new_class.id != person.class_id:
            _titles_fit_class(session, person, new_class)
        person.class_id = new_class.id
    if "external_code" in changes:
        person.external_code = check.optional_text(
            "external_code", changes["external_code"], EXTERNAL_CODE_MAX
        )
    if person.external_code is not None:
        person_class = check.get(session, PersonClass, person.class_id, "class")
        if person_class.badge_type is not BadgeType.EMPLOYEE:
            raise Invalid(
                "external_code",
                f"only classes whose badge type is employee have an external code; class "
                f"{person_class.name!r} has badge type {person_class.badge_type.value}",
            )


def _unique_number(session: Session, site_id: int, number: str, own_id: int | None) -> None:
    query = select(Person.id).where(Person.site_id == site_id, Person.personal_number == number)
    for other in session.scalars(query):
        if other != own_id:
            raise Conflict(
                f"personal number {number!r} belongs to another person", field="personal_number"
            )


def _titles_fit_class(session: Session, person: Person, new_class: PersonClass) -> None:
    allowed = set(
        session.scalars(select(TitleClass.title_id).where(TitleClass.class_id == new_class.id))
    )
    for value in person.titles:
        if value.title_id not in allowed:
            title = check.get(session, Title, value.title_id, "title")
            raise Invalid(
                "class_id",
                f"title {title.name!r} is not used by class {new_class.name!r}: clear the "
                "person's value for it first",
            )


def delete_person(session: Session, person_id: object) -> None:
    """Delete a person who never held a badge (others are kept: their badge history names them)."""
    person = get_person(session, person_id)
    held = session.scalar(select(Badge.id).where(Badge.person_id == person.id).limit(1))
    if held is not None:
        raise Conflict("the person holds badges: withdraw them first")
    in_history = session.scalar(
        select(BadgeEvent.id).where(BadgeEvent.person_id == person.id).limit(1)
    )
    if in_history is not None:
        raise Conflict("the person appears in badge history and is kept; anonymise instead")
    session.delete(person)
    session.flush()


def list_persons(
    session: Session,
    site_id: int,
    *,
    group_id: int | None = None,
    class_id: int | None = None,
    elements: Mapping[int, int] | None = None,
) -> list[Person]:
    """Persons of a site, optionally filtered by group, class and title values
    (``elements``: title id -> element id, all must match), by surname and name."""
    query = select(Person).where(Person.site_id == site_id)
    if group_id is not None:
        query = query.where(Person.group_id == group_id)
    if class_id is not None:
        query = query.where(Person.class_id == class_id)
    for title_id, element_id in (elements or {}).items():
        query = query.where(
            select(PersonTitle.person_id)
            .where(
                PersonTitle.person_id == Person.id,
                PersonTitle.title_id == title_id,
                PersonTitle.element_id == element_id,
            )
            .exists()
        )
    return list(session.scalars(query.order_by(Person.surname, Person.name, Person.id)))


def set_title_value(
    session: Session, person_id: object, title_id: object, value: str | int | None
) -> PersonTitle | None:
    """Set a custom field: ``value`` is an element (its id or its text) of the title, which
    must be configured for the person's class; None clears the field."""
    person = get_person(session, person_id)
    title = check.in_site(session, Title, title_id, "title", person.site_id)
    existing = next((v for v in person.titles if v.title_id == title.id), None)
    if value is None:
        if existing is not None:
            person.titles.remove(existing)
            session.flush()
        return None
    configured = session.scalar(
        select(TitleClass.title_id).where(
            TitleClass.title_id == title.id, TitleClass.class_id == person.class_id
        )
    )
    if configured is None:
        raise Invalid(f"titles.{title.name}", "this field is not used for the person's class")
    element = _element_of(title, value)
    if existing is None:
        existing = PersonTitle(person_id=person.id, title_id=title.id, element_id=element.id)
        person.titles.append(existing)
    else:
        existing.element_id = element.id
    session.flush()
    session.expire(existing, ["element"])
    return existing


def _element_of(title: Title, value: str | int) -> TitleElement:
    for element in title.elements:
        if (isinstance(value, int) and element.id == value) or element.value == value:
            return element
    allowed = ", ".join(repr(e.value) for e in title.elements) or "none defined yet"
    raise Invalid(f"titles.{title.name}", f"{value!r} is not an allowed value ({allowed})")


def title_values(session: Session, person_id: object) -> dict[str, str]:
    """The person's custom fields: title name -> element text."""
    person = get_person(session, person_id)
    query = (
        select(Title.name, TitleElement.value)
        .join(PersonTitle, PersonTitle.title_id == Title.id)
        .join(TitleElement, TitleElement.id == PersonTitle.element_id)
        .where(PersonTitle.person_id == person.id)
    )
    return {title: value for title, value in session.execute(query).all()}


def set_photo(
    session: Session, person_id: object, data: bytes | None, media_type: str | None = None
) -> Person:
    """Store a photo (JPEG, PNG or WebP, at most 5 MB) in the database; None removes it."""
    person = get_person(session, person_id)
    if data is None:
        person.photo, person.photo_media_type = None, None
    else:
        if not isinstance(data, bytes) or not data:
            raise Invalid("photo", "the photo is empty")
        if len(data) > PHOTO_MAX_BYTES:
            raise Invalid("photo", f"the photo is {len(data)} bytes; at most {PHOTO_MAX_BYTES}")
        if media_type not in PHOTO_TYPES:
            raise Invalid("photo_media_type", f"use one of {', '.join(sorted(PHOTO_TYPES))}")
        person.photo, person.photo_media_type, person.photo_ref = data, media_type, None
    session.flush()
    return person


def set_photo_ref(session: Session, person_id: object, ref: str | None) -> Person:
    """Reference a photo kept elsewhere (a path or URL of the file store); None removes it."""
    person = get_person(session, person_id)
    person.photo_ref = check.optional_text("photo_ref", ref, 500)
    if person.photo_ref is not None:
        person.photo, person.photo_media_type = None, None
    session.flush()
    return person


def add_location(
    session: Session,
    person_id: object,
    *,
    name: str,
    room_id: int | None = None,
    phone: str = "",
    notes: str = "",
) -> Location:
    """A place where the person can be found (a workstation, optionally in a room)."""
    person = get_person(session, person_id)
    location = Location(
        person_id=person.id,
        name=check.name("name", name),
        phone=check.text("phone", phone, 50),
        notes=check.text("notes", notes),
        room_id=None
        if room_id is None
        else check.in_site(session, Room, room_id, "room", person.site_id).id,
    )
    person.locations.append(location)
    session.flush()
    return location


def remove_location(session: Session, location_id: object) -> None:
    """Remove one of a person's locations."""
    location = check.get(session, Location, location_id, "location")
    person = get_person(session, location.person_id)
    person.locations.remove(location)  # delete-orphan: the row goes at flush
    session.flush()


def issued_badges(session: Session, person_id: object) -> list[Badge]:
    """The badges the person holds now."""
    person = get_person(session, person_id)
    query = select(Badge).where(Badge.person_id == person.id, Badge.state == BadgeState.ISSUED)
    return list(session.scalars(query.order_by(Badge.id)))


def conflicts(session: Session, person_id: object) -> list[Issue]:
    """What is wrong with the person's access, for the person's page (SPEC.md section 4):
    two policies with different rules for one access point, a policy on intersecting
    areas, an additional policy ending without a start, a badge never valid while an
    additional policy is, and the problems of the person's policies themselves."""
    person = get_person(session, person_id)
    site_rules = load_site_rules(session, person.site_id, pins=None, person_ids=[person.id])
    subject = site_rules.persons[person.id]
    policy_ids: list[int] = []
    main = site_rules.main_policy(subject)
    if main is not None:
        policy_ids.append(main)
    policy_ids.extend(g.policy_id for g in subject.additional if g.policy_id not in policy_ids)
    issues: list[Issue] = []
    for policy_id in dict.fromkeys(policy_ids):
        issues.extend(validate_policy(site_rules, site_rules.policies[policy_id]))
    issues.extend(validate_person(site_rules, subject))
    return issues
