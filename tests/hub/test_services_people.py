"""Person, group, class and custom-field services (SPEC.md sections 1 and 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access import services as access
from hub.badges import services as badges
from hub.errors import Conflict, Invalid, NotFound
from hub.people import fields, groups
from hub.people import services as people
from hub.people.models import Person, PersonClass
from hub.policies import services as policies
from hub.sites import services as sites
from hub.sites.models import Site


def class_id(session: Session, site: Site, name: str) -> int:
    return session.scalars(
        select(PersonClass.id).where(PersonClass.site_id == site.id, PersonClass.name == name)
    ).one()


@pytest.fixture
def factory(session: Session, site: Site) -> dict[str, int]:
    """The factory of manual 002: administration, workshop 1 with planning, workshop 2."""
    root = groups.create_group(session, site.id, name="Factory", is_company=True)
    admin = groups.create_group(session, site.id, name="Administration", parent_id=root.id)
    w1 = groups.create_group(session, site.id, name="Workshop 1", parent_id=root.id)
    planning = groups.create_group(session, site.id, name="Planning", parent_id=w1.id)
    w2 = groups.create_group(session, site.id, name="Workshop 2", parent_id=root.id)
    return {"root": root.id, "admin": admin.id, "w1": w1.id, "planning": planning.id,
            "w2": w2.id}


def make_person(session: Session, site: Site, group_id: int, number: str = "100",
                cls: str = "employee", **extra: object) -> Person:
    return people.create_person(
        session, site.id, surname="Kováč", name="Peter", class_id=class_id(session, site, cls),
        group_id=group_id, personal_number=number, **extra,  # type: ignore[arg-type]
    )


def test_site_time_zone_must_be_iana(session: Session) -> None:
    with pytest.raises(Invalid) as err:
        sites.create_site(session, code="x", name="X", time_zone="Mars/Olympus")
    assert err.value.field == "time_zone"
    with pytest.raises(Invalid):
        sites.create_site(session, code="y", name="Y", time_zone="localtime")
    site = sites.create_site(session, code="ok", name="OK", time_zone="America/New_York")
    changed = sites.update_site(session, site.id, {"time_zone": "Asia/Tokyo"})
    assert changed.time_zone == "Asia/Tokyo"
    with pytest.raises(Invalid, match="cannot be changed"):
        sites.update_site(session, site.id, {"code": "other"})
    with pytest.raises(Conflict):
        sites.create_site(session, code="ok", name="again", time_zone="UTC")


def test_hierarchy_inherits_policy_from_nearest_ancestor(
    session: Session, site: Site, factory: dict[str, int]
) -> None:
    everyone = policies.create_policy(session, site.id, name="9-18")
    planning_own = policies.create_policy(session, site.id, name="planning")
    assert groups.effective_policy_id(session, factory["planning"]) is None  # root has none
    groups.update_group(session, factory["root"], {"policy_id": everyone.id})
    assert groups.effective_policy_id(session, factory["planning"]) == everyone.id
    groups.update_group(session, factory["w1"], {"policy_id": planning_own.id})
    assert groups.effective_policy_id(session, factory["planning"]) == planning_own.id
    assert groups.effective_policy_id(session, factory["w2"]) == everyone.id
    groups.update_group(session, factory["w1"], {"policy_id": None})  # use department access
    assert groups.effective_policy_id(session, factory["planning"]) == everyone.id


def test_deep_hierarchy_and_company(session: Session, site: Site, factory: dict[str, int]) -> None:
    parent = factory["planning"]
    for depth in range(10):
        parent = groups.create_group(session, site.id, name=f"team {depth}", parent_id=parent).id
    chain = [g.name for g in groups.ancestors(session, parent)]
    assert chain == [f"team {d}" for d in reversed(range(10))] + [
        "Planning", "Workshop 1", "Factory"]
    assert groups.company_of(session, parent).id == factory["root"]


def test_group_cannot_become_its_own_ancestor(
    session: Session, site: Site, factory: dict[str, int]
) -> None:
    with pytest.raises(Invalid) as err:
        groups.update_group(session, factory["w1"], {"parent_id": factory["planning"]})
    assert err.value.field == "parent_id"
    assert groups.get_group(session, factory["w1"]).parent_id == factory["root"]
    moved = groups.update_group(session, factory["planning"], {"parent_id": factory["w2"]})
    assert moved.parent_id == factory["w2"]


def test_sibling_names_unique_and_delete_rules(
    session: Session, site: Site, factory: dict[str, int]
) -> None:
    with pytest.raises(Conflict):
        groups.create_group(session, site.id, name="Planning", parent_id=factory["w1"])
    groups.create_group(session, site.id, name="Planning", parent_id=factory["w2"])  # elsewhere ok
    with pytest.raises(Conflict, match="sub-groups"):
        groups.delete_group(session, factory["w1"])
    make_person(session, site, factory["admin"])
    with pytest.raises(Conflict, match="persons"):
        groups.delete_group(session, factory["admin"])
    groups.delete_group(session, factory["planning"])
    with pytest.raises(NotFound):
        groups.get_group(session, factory["planning"])


def test_person_has_every_field_and_read_only_creation_date(
    session: Session, site: Site, factory: dict[str, int]
) -> None:
    person = make_person(session, site, factory["planning"], external_code="EXT-0001",
                         free_field="locker 12", notes="first aid")
    assert (person.surname, person.name, person.personal_number) == ("Kováč", "Peter", "100")
    assert (person.external_code, person.free_field, person.notes) == (
        "EXT-0001", "locker 12", "first aid")
    assert person.created_at is not None
    created = person.created_at
    with pytest.raises(Invalid) as err:
        people.update_person(session, person.id, {"created_at": created - timedelta(days=9)})
    assert err.value.field == "created_at"
    people.update_person(session, person.id, {"notes": "changed"})
    session.expire(person)
    assert people.get_person(session, person.id).created_at == created
    assert groups.company_of(session, person.group_id).name == "Factory"
    with pytest.raises(Invalid) as err:
        people.update_person(session, person.id, {"salary": 1})
    assert err.value.field == "salary"


def test_external_code_only_for_employee_badge_types(
    session: Session, site: Site, factory: dict[str, int]
) -> None:
    with pytest.raises(Invalid) as err:
        make_person(session, site, factory["root"], "V1", cls="visitor", external_code="X")
    assert err.value.field == "external_code"
    assert "badge type is employee" in err.value.message
    with pytest.raises(Invalid, match="at most 20"):
        make_person(session, site, factory["root"], "E1", external_code="X" * 21)
    contractor = fields.create_class(session, site.id, name="contractor", badge_type="employee")
    person = people.create_person(
        session, site.id, surname="A", name="B", class_id=contractor.id,
        group_id=factory["root"], external_code="C-7",
    )
    with pytest.raises(Invalid, match="badge type is employee"):
        people.update_person(session, person.id, {"class_id": class_id(session, site, "visitor")})
    with pytest.raises(Conflict):
        fields.update_class(session, contractor.id, badge_type="visitor")
    people.update_person(
        session, person.id, {"class_id": class_id(session, site, "visitor"), "external_code": None}
    )
    assert person.external_code is None


def test_personal_number_unique(session: Session, site: Site, factory: dict[str, int]) -> None:
    make_person(session, site, factory["root"], "7")
    with pytest.raises(Conflict) as err:
        make_person(session, site, factory["w1"], "7")
    assert err.value.field == "personal_number"
    other = sites.create_site(session, code="other", name="Other", time_zone="UTC")
    root = groups.create_group(session, other.id, name="Root")
    make_person(session, other, root.id, "7")  # another site may reuse it


def test_builtin_classes_are_fixed(session: Session, site: Site) -> None:
    with pytest.raises(Conflict):
        fields.delete_class(session, class_id(session, site, "visitor"))
    with pytest.raises(Conflict):
        fields.update_class(session, class_id(session, site, "employee"), name="staff")
    with pytest.raises(Invalid) as err:
        fields.create_class(session, site.id, name="guest", badge_type="alien")
    assert err.value.field == "badge_type"
    assert [c.name for c in fields.list_classes(session, site.id)] == ["employee", "visitor"]


def test_custom_fields_only_allowed_elements_per_class(
    session: Session, site: Site, factory: dict[str, int]
) -> None:
    employee, visitor = class_id(session, site, "employee"), class_id(session, site, "visitor")
    shift = fields.create_title(session, site.id, name="Shift", elements=["A", "B"],
                                class_ids=[employee])
    person = make_person(session, site, factory["w1"])
    guest = make_person(session, site, factory["w1"], "G1", cls="visitor")
    people.set_title_value(session, person.id, shift.id, "B")
    assert people.title_values(session, person.id) == {"Shift": "B"}
    with pytest.raises(Invalid) as err:
        people.set_title_value(session, person.id, shift.id, "C")
    assert err.value.field == "titles.Shift" and "'A', 'B'" in err.value.message
    with pytest.raises(Invalid, match="not used for the person's class"):
        people.set_title_value(session, guest.id, shift.id, "A")
    fields.add_element(session, shift.id, "C")
    people.set_title_value(session, person.id, shift.id, "C")
    assert people.title_values(session, person.id) == {"Shift": "C"}
    # filters by title values
    found = people.list_persons(session, site.id, elements={shift.id: shift.elements[2].id})
    assert [p.id for p in found] == [person.id]
    with pytest.raises(Conflict):
        fields.remove_element(session, shift.elements[2].id)
    with pytest.raises(Conflict):
        fields.set_title_classes(session, shift.id, [visitor])
    with pytest.raises(Invalid, match="Shift"):
        people.update_person(session, person.id, {"class_id": visitor})
    people.set_title_value(session, person.id, shift.id, None)
    assert people.title_values(session, person.id) == {}
    fields.set_title_classes(session, shift.id, [visitor])
    assert [t.name for t in fields.titles_of_class(session, visitor)] == ["Shift"]
    assert fields.titles_of_class(session, employee) == []


def test_photo_bytes_or_reference(session: Session, site: Site, factory: dict[str, int]) -> None:
    person = make_person(session, site, factory["root"])
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 100
    people.set_photo(session, person.id, jpeg, "image/jpeg")
    session.expire(person)
    assert person.photo == jpeg and person.photo_media_type == "image/jpeg"
    with pytest.raises(Invalid) as err:
        people.set_photo(session, person.id, b"GIF89a", "image/gif")
    assert err.value.field == "photo_media_type"
    people.set_photo_ref(session, person.id, "photos/100.jpg")
    session.expire(person)
    again = people.get_person(session, person.id)
    assert again.photo is None and again.photo_ref == "photos/100.jpg"


def test_locations(session: Session, site: Site, factory: dict[str, int]) -> None:
    office = access.create_room(session, site.id, name="Office 2.14")
    person = make_person(session, site, factory["admin"])
    desk = people.add_location(session, person.id, name="Desk 3", room_id=office.id,
                               phone="+421 2 1234")
    people.add_location(session, person.id, name="Lab bench")
    assert [(loc.name, loc.room_id) for loc in person.locations] == [
        ("Desk 3", office.id), ("Lab bench", None)]
    people.remove_location(session, desk.id)
    assert [loc.name for loc in people.get_person(session, person.id).locations] == ["Lab bench"]


def test_person_with_badge_history_is_kept(
    session: Session, site: Site, factory: dict[str, int]
) -> None:
    person = make_person(session, site, factory["root"])
    badge = badges.register_badge(session, site.id, "H10301:1:100")
    badges.issue_badge(session, badge.id, person_id=person.id)
    with pytest.raises(Conflict, match="withdraw"):
        people.delete_person(session, person.id)
    badges.withdraw_badge(session, badge.id)
    with pytest.raises(Conflict, match="history"):
        people.delete_person(session, person.id)
    fresh = make_person(session, site, factory["root"], "101")
    people.delete_person(session, fresh.id)
    assert session.get(Person, fresh.id) is None
