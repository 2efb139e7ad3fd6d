"""Indexes the web UI's lists need to stay fast with 100,000 persons.

The person list is ordered by (surname, name, id) within a site and paged by keyset
(``WHERE (surname, name, id) > last seen``): this index serves the order, the keyset
and surname-prefix search without sorting or scanning the table.
"""

from __future__ import annotations

from sqlalchemy import Index

from hub.people.models import Person

_persons = Person.__table__.c
PERSON_SORT = Index(
    "ix_persons_site_surname_name_id",
    _persons.site_id,
    _persons.surname,
    _persons.name,
    _persons.id,
)
