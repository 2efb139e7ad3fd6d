"""The person list: filters, search and keyset pages that stay fast with 100,000 persons.

Pages are ordered by (surname, name, id) and continue from the last row shown
(``WHERE (surname, name, id) > :last``), served by the index ``ix_persons_site_surname_
name_id`` (hub/ui/models.py): a page costs the same at the start and at the end of the
list, where ``OFFSET`` would walk every row before it. Each page is a fixed number of
queries whatever the page size (rows, one count, the labels of the groups and classes).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select, tuple_
from sqlalchemy.orm import Session

from hub.people.models import Group, Person, PersonClass

PAGE_SIZE = 50
Key = tuple[str, str, int]


def encode_key(key: Key) -> str:
    """A page position as URL-safe text."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_key(token: str | None) -> Key | None:
    """The position of ``token`` (None for a missing or damaged one: the first page)."""
    if not token:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        return None
    if (isinstance(raw, list) and len(raw) == 3 and isinstance(raw[0], str)
            and isinstance(raw[1], str) and isinstance(raw[2], int)):
        return raw[0], raw[1], raw[2]
    return None


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to."""

    q: str = ""  # start of the surname or name (any case), or an exact personal number
    group_id: int | None = None
    class_id: int | None = None


@dataclass(frozen=True)
class PersonRow:
    """One line of the list."""

    id: int
    surname: str
    name: str
    personal_number: str | None
    class_name: str
    group_name: str


@dataclass(frozen=True)
class PersonPage:
    """A page of the list and the positions of its neighbours."""

    rows: list[PersonRow]
    total: int
    next_token: str | None
    previous_token: str | None


def _filtered(site_id: int, filters: Filters) -> Select[Person]:
    query = select(Person).where(Person.site_id == site_id)
    if filters.group_id is not None:
        query = query.where(Person.group_id == filters.group_id)
    if filters.class_id is not None:
        query = query.where(Person.class_id == filters.class_id)
    needle = filters.q.strip().lower()
    if needle:
        matches: list[ColumnElement[bool]] = [
            func.lower(Person.surname).startswith(needle, autoescape=True),
            func.lower(Person.name).startswith(needle, autoescape=True),
            Person.personal_number == filters.q.strip(),
        ]
        query = query.where(or_(*matches))
    return query


def person_page(session: Session, site_id: int, filters: Filters, *, after: str | None = None,
                before: str | None = None, size: int = PAGE_SIZE) -> PersonPage:
    """The page after position ``after`` (or before ``before``; neither: the first)."""
    base = _filtered(site_id, filters)
    order = (Person.surname, Person.name, Person.id)
    key = tuple_(*order)
    after_key, before_key = decode_key(after), decode_key(before)
    if before_key is not None:
        query = base.where(key < tuple_(*before_key)).order_by(
            *(c.desc() for c in order)).limit(size + 1)
        found = list(session.scalars(query))
        more_before = len(found) > size
        persons = list(reversed(found[:size]))
        more_after = True
    else:
        query = base.order_by(*order).limit(size + 1)
        if after_key is not None:
            query = query.where(key > tuple_(*after_key))
        found = list(session.scalars(query))
        more_after = len(found) > size
        persons = found[:size]
        more_before = after_key is not None
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    labels = _labels(session, persons)
    rows = [PersonRow(p.id, p.surname, p.name, p.personal_number,
                      labels[0].get(p.class_id, ""), labels[1].get(p.group_id, ""))
            for p in persons]
    first, last = (persons[0], persons[-1]) if persons else (None, None)
    return PersonPage(
        rows=rows,
        total=total,
        next_token=encode_key((last.surname, last.name, last.id)) if more_after and last
        else None,
        previous_token=encode_key((first.surname, first.name, first.id))
        if more_before and first else None,
    )


def _labels(session: Session, persons: list[Person]) -> tuple[dict[int, str], dict[int, str]]:
    """Class and group names of a page's persons (two queries, whatever the page size)."""
    class_ids = {p.class_id for p in persons}
    group_ids = {p.group_id for p in persons}
    classes = dict(session.execute(select(PersonClass.id, PersonClass.name)
                                   .where(PersonClass.id.in_(class_ids))).all()) if persons else {}
    groups = dict(session.execute(select(Group.id, Group.name)
                                  .where(Group.id.in_(group_ids))).all()) if persons else {}
    return classes, groups
