"""Database-level guarantees of the model, on SQLite and PostgreSQL.

The services check all of these first with friendlier errors; these tests prove the
database itself refuses bad rows, so no other client or raw SQL can break the rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hub.access.models import (
    AccessPoint,
    AccessPointGroup,
    AccessPointGroupMember,
    Controller,
    Direction,
    Door,
    Reader,
    Room,
)
from hub.badges.models import Badge, BadgeAction, BadgeEvent, BadgeState
from hub.errors import Conflict
from hub.people.models import Group, Person, PersonClass, PersonTitle, Title, TitleElement
from hub.policies.models import AccessPolicy, PersonPolicy
from hub.schedules.models import Schedule, ScheduleInterval, ScheduleKind
from hub.sites.models import Site
from protocols.portable import cardkey


@contextmanager
def refused(session: Session) -> Iterator[None]:
    """The statements in the block must be refused by the database (then rolled back)."""
    with pytest.raises(DBAPIError), session.begin_nested():
        yield
        session.flush()


def employee_class(session: Session, site: Site) -> PersonClass:
    return session.scalars(
        select(PersonClass).where(PersonClass.site_id == site.id, PersonClass.name == "employee")
    ).one()


def make_person(session: Session, site: Site, number: str = "1") -> Person:
    group = session.scalars(select(Group).where(Group.site_id == site.id)).first()
    if group is None:
        group = Group(site_id=site.id, name="Factory")
        session.add(group)
        session.flush()
    person = Person(
        site_id=site.id, surname="Novák", name="Ján", class_id=employee_class(session, site).id,
        personal_number=number, group_id=group.id,
    )
    session.add(person)
    session.flush()
    return person


def make_badge(session: Session, site: Site, value: int = 1234) -> Badge:
    badge = Badge(site_id=site.id, card_format=cardkey.H10301_26, card_value=value)
    session.add(badge)
    session.flush()
    return badge


def test_site_has_builtin_classes(session: Session, site: Site) -> None:
    classes = session.scalars(
        select(PersonClass).where(PersonClass.site_id == site.id).order_by(PersonClass.name)
    ).all()
    assert [(c.name, c.badge_type.value, c.builtin) for c in classes] == [
        ("employee", "employee", True),
        ("visitor", "visitor", True),
    ]


def test_created_at_is_set_by_the_database(session: Session, site: Site) -> None:
    person = make_person(session, site)
    session.refresh(person)
    assert person.created_at.tzinfo is UTC
    assert abs(person.created_at - datetime.now(UTC)) < timedelta(hours=1)


def test_instants_come_back_aware_in_utc(session: Session, site: Site) -> None:
    badge = make_badge(session, site)
    badge.valid_from = datetime(2025, 3, 30, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    session.flush()
    session.expire(badge)
    assert badge.valid_from == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert badge.valid_from.tzinfo is UTC


def test_naive_instants_are_refused(session: Session, site: Site) -> None:
    badge = make_badge(session, site)
    badge.valid_to = datetime(2025, 1, 1)  # a naive datetime: the point of the test
    with pytest.raises(Exception, match="naive datetime"), session.begin_nested():
        session.flush()


def test_personal_number_unique_per_site(session: Session, site: Site) -> None:
    make_person(session, site, "42")
    with refused(session):
        make_person(session, site, "42")


def test_foreign_keys_are_enforced(session: Session, site: Site) -> None:
    group = Group(site_id=site.id, name="G")
    session.add(group)
    session.flush()
    with refused(session):
        session.add(Person(site_id=site.id, surname="X", name="Y", class_id=999_999,
                           group_id=group.id))


def test_person_needs_a_group(session: Session, site: Site) -> None:
    with refused(session):
        session.add(Person(site_id=site.id, surname="X", name="Y", group_id=None,
                           class_id=employee_class(session, site).id))


def test_title_value_must_be_an_element_of_that_title(session: Session, site: Site) -> None:
    person = make_person(session, site)
    shirt, shoe = Title(site_id=site.id, name="shirt"), Title(site_id=site.id, name="shoe")
    session.add_all([shirt, shoe])
    session.flush()
    large = TitleElement(title_id=shirt.id, value="L")
    session.add(large)
    session.flush()
    session.add(PersonTitle(person_id=person.id, title_id=shirt.id, element_id=large.id))
    session.flush()
    assert person.titles[0].element.value == "L"
    other = make_person(session, site, "2")
    with refused(session):
        session.add(PersonTitle(person_id=other.id, title_id=shoe.id, element_id=large.id))


def test_additional_policy_end_without_start_is_refused(session: Session, site: Site) -> None:
    person = make_person(session, site)
    policy = AccessPolicy(site_id=site.id, name="March")
    session.add(policy)
    session.flush()
    session.add(PersonPolicy(person_id=person.id, policy_id=policy.id, valid_from=date(2025, 3, 1)))
    session.flush()
    with refused(session):
        session.add(
            PersonPolicy(person_id=person.id, policy_id=policy.id, valid_to=date(2025, 3, 31))
        )


def test_badge_states_follow_the_holder(session: Session, site: Site) -> None:
    badge = make_badge(session, site)
    assert badge.state is BadgeState.UNUSED
    assert badge.card_key == cardkey.card_key(cardkey.H10301_26, 1234)
    person = make_person(session, site)
    with refused(session):
        badge.person_id = person.id  # held but not issued
    session.refresh(badge)
    with refused(session):
        badge.state = BadgeState.ISSUED  # issued but nobody holds it
    session.refresh(badge)
    group = Group(site_id=site.id, name="Security")
    session.add(group)
    session.flush()
    with refused(session):
        badge.state, badge.person_id, badge.group_id = BadgeState.ISSUED, person.id, group.id


def test_same_card_twice_in_a_site_is_refused(session: Session, site: Site) -> None:
    make_badge(session, site, 77)
    with refused(session):
        make_badge(session, site, 77)


def test_badge_delete_refused_by_orm(session: Session, site: Site) -> None:
    badge = make_badge(session, site)
    with pytest.raises(Conflict, match="withdraw it instead"), session.begin_nested():
        session.delete(badge)
        session.flush()
    assert session.scalar(select(Badge.id).where(Badge.id == badge.id)) == badge.id


def test_badge_delete_refused_by_database(session: Session, site: Site) -> None:
    badge = make_badge(session, site)
    with pytest.raises(DBAPIError, match="never deleted"), session.begin_nested():
        session.execute(text("DELETE FROM badges WHERE id = :id"), {"id": badge.id})
    assert session.get(Badge, badge.id) is not None


def test_badge_history_is_append_only_in_database(session: Session, site: Site) -> None:
    badge = make_badge(session, site)
    event = BadgeEvent(
        badge_id=badge.id, at=datetime.now(UTC), action=BadgeAction.REGISTERED,
        state=BadgeState.UNUSED,
    )
    session.add(event)
    session.flush()
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(
            text("UPDATE badge_history SET note = 'x' WHERE id = :id"), {"id": event.id}
        )
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("DELETE FROM badge_history WHERE id = :id"), {"id": event.id})
    assert session.scalar(select(BadgeEvent.note).where(BadgeEvent.id == event.id)) == ""


def test_access_point_is_one_direction_of_a_door(session: Session, site: Site) -> None:
    hall = Room(site_id=site.id, name="Hall")
    session.add(hall)
    session.flush()
    door = Door(site_id=site.id, name="Main gate", from_room_id=None, to_room_id=hall.id)
    session.add(door)
    session.flush()
    session.add_all([
        AccessPoint(site_id=site.id, door_id=door.id, direction=Direction.ENTRY, name="in"),
        AccessPoint(site_id=site.id, door_id=door.id, direction=Direction.EXIT, name="out"),
    ])
    session.flush()
    with refused(session):
        session.add(
            AccessPoint(site_id=site.id, door_id=door.id, direction=Direction.ENTRY, name="in2")
        )
    with refused(session):
        session.add(Door(site_id=site.id, name="loop", from_room_id=hall.id, to_room_id=hall.id))


def test_group_member_is_a_point_or_a_group(session: Session, site: Site) -> None:
    group = AccessPointGroup(site_id=site.id, name="all")
    session.add(group)
    session.flush()
    with refused(session):
        session.add(AccessPointGroupMember(group_id=group.id))
    with refused(session):
        session.add(AccessPointGroupMember(group_id=group.id, child_group_id=group.id))


def test_reader_numbers_are_16_bit_and_unique(session: Session, site: Site) -> None:
    door = Door(site_id=site.id, name="D")
    session.add(door)
    session.flush()
    point = AccessPoint(site_id=site.id, door_id=door.id, direction=Direction.ENTRY, name="in")
    controller = Controller(site_id=site.id, code="c1", name="C1")
    session.add_all([point, controller])
    session.flush()
    exit_point = AccessPoint(site_id=site.id, door_id=door.id, direction=Direction.EXIT,
                             name="out")
    session.add(exit_point)
    session.add(Reader(controller_id=controller.id, reader_no=0, access_point_id=point.id))
    session.flush()
    with refused(session):  # reader number taken
        session.add(Reader(controller_id=controller.id, reader_no=0,
                           access_point_id=exit_point.id))
    with refused(session):  # access point already has a reader
        session.add(Reader(controller_id=controller.id, reader_no=1, access_point_id=point.id))
    with refused(session):
        session.add(Reader(controller_id=controller.id, reader_no=65536,
                           access_point_id=exit_point.id))


def test_schedule_shapes(session: Session, site: Site) -> None:
    with refused(session):
        session.add(Schedule(site_id=site.id, name="w", kind=ScheduleKind.WEEKLY, cycle_days=5))
    schedule = Schedule(site_id=site.id, name="c", kind=ScheduleKind.CYCLIC, cycle_days=4)
    session.add(schedule)
    session.flush()
    with refused(session):
        session.add(ScheduleInterval(schedule_id=schedule.id, day=1, start_minute=600,
                                     end_minute=600))
    with refused(session):
        session.add(ScheduleInterval(schedule_id=schedule.id, day=1, start_minute=0,
                                     end_minute=1441))
    with refused(session):
        session.add(ScheduleInterval(schedule_id=schedule.id, day=1, start_minute=1440,
                                     end_minute=60))
    night = ScheduleInterval(schedule_id=schedule.id, day=2, start_minute=1320, end_minute=360)
    session.add(night)
    session.flush()
    assert [(i.day, i.start_minute, i.end_minute) for i in schedule.intervals] == [(2, 1320, 360)]
