"""Fixtures of the account tests: a cheap Argon2 hasher and a department with people."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from hub.auth.passwords import Passwords
from hub.people import groups
from hub.people import services as people
from hub.people.fields import list_classes
from hub.sites.models import Site
from tests.hub.auth_fixtures import FAST_AUTH


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    return Passwords(FAST_AUTH)


@dataclass
class Staff:
    site_id: int
    department: int
    manager: int
    worker: int


@pytest.fixture
def staff(session: Session, site: Site) -> Staff:
    employee = next(c.id for c in list_classes(session, site.id) if c.name == "employee")
    department = groups.create_group(session, site.id, name="Production").id
    manager = people.create_person(session, site.id, surname="Zich", name="Jan",
                                   class_id=employee, group_id=department).id
    worker = people.create_person(session, site.id, surname="Suchá", name="Eva",
                                  class_id=employee, group_id=department).id
    return Staff(site.id, department, manager, worker)
