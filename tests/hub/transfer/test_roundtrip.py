"""Export -> import into an empty database -> export gives the same bytes, on both backends."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.badges.models import Badge, BadgeEvent, BadgeState
from hub.people.groups import effective_policy_id
from hub.people.models import Group, Person
from hub.people.services import set_photo
from hub.policies.models import AccessPolicy
from hub.schedules.models import Schedule
from hub.transfer.export import dumps, export_site
from hub.transfer.importer import import_site


def test_factory_sample_round_trips_byte_for_byte(session: Session, factory_text: str) -> None:
    site = import_site(session, json.loads(factory_text))
    session.flush()
    assert dumps(export_site(session, site)) == factory_text


def test_imported_factory_has_the_manuals_structure(session: Session, factory: Any) -> None:
    site = import_site(session, factory)
    session.flush()
    groups = {g.name: g for g in session.scalars(select(Group).where(Group.site_id == site.id))}
    policies = {p.id: p.name for p in session.scalars(select(AccessPolicy))}
    # Sub-groups without their own policy inherit; the planning department has its own.
    assert groups["Planning department"].parent_id == groups["Workshop 1"].id
    assert policies[effective_policy_id(session, groups["Shift C"].id) or 0] == "Shift C"
    assert effective_policy_id(session, groups["Strojáreň Vrátnik"].id) is None
    rotation = session.scalars(select(Schedule).where(Schedule.name == "4-day rotation")).one()
    assert rotation.cycle_days == 4
    starts = sorted(
        str(rule.start_date) for p in session.scalars(select(AccessPolicy))
        if p.name.startswith("Shift ") for rule in p.rules
    )
    assert starts[0] == "2025-03-01" and starts[-1] == "2025-03-04"
    visitor = session.scalars(select(Person).where(Person.surname == "Schmidt")).one()
    assert visitor.personal_number is None
    held = session.scalars(select(Badge).where(Badge.person_id == visitor.id)).one()
    assert held.valid_to is not None and held.valid_to.isoformat() == "2025-03-10T17:00:00+00:00"
    pool = session.scalars(
        select(Badge.state).where(Badge.site_id == site.id, Badge.person_id.is_(None),
                                  Badge.group_id.is_(None))
    ).all()
    assert sorted(pool) == [BadgeState.UNUSED, BadgeState.UNUSED, BadgeState.WITHDRAWN]
    imported = session.scalar(select(func.count()).select_from(BadgeEvent).where(
        BadgeEvent.actor == "import"))
    assert imported and imported >= len(factory["persons"])


def test_photos_round_trip_when_asked(session: Session, factory: Any) -> None:
    site = import_site(session, factory)
    person = session.scalars(select(Person).where(Person.surname == "Novák")).one()
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
    set_photo(session, person.id, image, "image/png")
    session.flush()
    without = export_site(session, site)
    assert all("photo" not in p for p in without["persons"])
    with_photos = export_site(session, site, photos=True)
    record = next(p for p in with_photos["persons"] if p["surname"] == "Novák")
    assert base64.b64decode(record["photo"]["data"]) == image
    # Into a second site: same document with another code, photos included.
    with_photos["site"]["code"] = "factory-copy"
    copy = import_site(session, json.loads(dumps(with_photos)))
    session.flush()
    assert dumps(export_site(session, copy, photos=True)) == dumps(with_photos)


def test_export_order_does_not_depend_on_creation_order(
    session: Session, factory: Any, factory_text: str
) -> None:
    # Create everything in reverse order (so ids run against the names); lists whose order
    # means something (policy rows, group members, elements, locations) keep theirs.
    for key in ("classes", "titles", "schedules", "holiday_lists", "rooms", "doors",
                "access_point_groups", "controllers", "policies", "persons", "pool"):
        factory[key].reverse()
    for controller in factory["controllers"]:
        controller["readers"].reverse()

    def reverse_tree(groups: list[dict[str, Any]]) -> None:
        groups.reverse()
        for group in groups:
            reverse_tree(group["groups"])

    reverse_tree(factory["groups"])
    site = import_site(session, factory)
    session.flush()
    assert dumps(export_site(session, site)) == factory_text
