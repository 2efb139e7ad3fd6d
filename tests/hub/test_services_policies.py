"""Access tables (rows, start dates, holiday exceptions) and persons' policies."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access import services as access
from hub.errors import Conflict, Invalid
from hub.people import groups
from hub.people import services as people
from hub.people.models import Person, PersonClass
from hub.policies import services as policies
from hub.schedules import services as schedules
from hub.sites.models import Site


@pytest.fixture
def setup(session: Session, site: Site) -> dict[str, int]:
    gate = access.create_door(session, site.id, name="Main gate")
    office = schedules.create_schedule(session, site.id, name="9-18", kind="weekly",
                                       days=[["09:00-18:00"]] * 7)
    rotation = schedules.create_schedule(session, site.id, name="4 shifts", kind="cyclic",
                                         days=[["00:00-24:00"], [], [], []])
    holiday = schedules.create_schedule(session, site.id, name="holiday", kind="holiday",
                                        days=[["10:00-12:00"]])
    national = schedules.create_holiday_list(session, site.id, name="SK", dates=["2025-05-01"])
    group = access.create_point_group(session, site.id, name="All gates")
    access.add_to_point_group(session, group.id, point_id=gate.access_points[0].id)
    return {
        "entry": gate.access_points[0].id, "exit": gate.access_points[1].id,
        "office": office.id, "rotation": rotation.id, "holiday": holiday.id,
        "national": national.id, "group": group.id,
    }


def make_person(session: Session, site: Site) -> Person:
    root = groups.create_group(session, site.id, name="Factory")
    employee = session.scalars(
        select(PersonClass.id).where(PersonClass.site_id == site.id, PersonClass.name == "employee")
    ).one()
    return people.create_person(session, site.id, surname="S", name="N", class_id=employee,
                                group_id=root.id)


def test_rows_entry_and_exit_with_own_schedules(
    session: Session, site: Site, setup: dict[str, int]
) -> None:
    table = policies.create_policy(session, site.id, name="factory")
    entry = policies.add_rule(session, table.id, access_point_id=setup["entry"],
                              schedule_id=setup["office"], start_date="2002-04-14")
    policies.add_rule(session, table.id, access_point_id=setup["exit"],
                      schedule_id=setup["rotation"], start_date=date(2025, 3, 1),
                      holiday_list_id=setup["national"], holiday_schedule_id=setup["holiday"])
    assert [(r.access_point_id, r.schedule_id, r.start_date, r.position) for r in table.rules] == [
        (setup["entry"], setup["office"], date(2002, 4, 14), 0),
        (setup["exit"], setup["rotation"], date(2025, 3, 1), 1),
    ]
    assert table.rules[1].holiday_schedule_id == setup["holiday"]
    policies.update_rule(session, entry.id, {"start_date": None})
    assert entry.start_date is None
    policies.remove_rule(session, entry.id)
    assert len(policies.get_policy(session, table.id).rules) == 1


def test_row_checks(session: Session, site: Site, setup: dict[str, int]) -> None:
    table = policies.create_policy(session, site.id, name="t")
    cases = [
        ({"schedule_id": setup["office"]}, "access_point_id"),
        ({"schedule_id": setup["office"], "access_point_id": setup["entry"],
          "access_point_group_id": setup["group"]}, "access_point_id"),
        ({"schedule_id": setup["rotation"], "access_point_id": setup["entry"]}, "start_date"),
        ({"schedule_id": setup["holiday"], "access_point_id": setup["entry"]}, "schedule_id"),
        ({"schedule_id": setup["office"], "access_point_id": setup["entry"],
          "holiday_schedule_id": setup["holiday"]}, "holiday_list_id"),
        ({"schedule_id": setup["office"], "access_point_id": setup["entry"],
          "holiday_list_id": setup["national"], "holiday_schedule_id": setup["office"]},
         "holiday_schedule_id"),
    ]
    for fields, field in cases:
        with pytest.raises(Invalid) as err:
            policies.add_rule(session, table.id, **fields)
        assert err.value.field == field, fields
    # a holiday list without a holiday schedule is allowed: no access on those dates
    row = policies.add_rule(session, table.id, access_point_group_id=setup["group"],
                            schedule_id=setup["office"], holiday_list_id=setup["national"])
    assert row.holiday_schedule_id is None
    assert [r.id for r in policies.get_policy(session, table.id).rules] == [row.id]


def test_main_policy_defaults_to_group_and_additional_validity(
    session: Session, site: Site, setup: dict[str, int]
) -> None:
    person = make_person(session, site)
    assert person.main_policy_id is None  # the group's access
    own = policies.create_policy(session, site.id, name="head of workshop")
    people.update_person(session, person.id, {"main_policy_id": own.id})
    assert people.get_person(session, person.id).main_policy_id == own.id
    extra = policies.create_policy(session, site.id, name="March project")
    open_ended = policies.add_person_policy(session, person.id, extra.id,
                                            valid_from="2025-03-01")
    assert (open_ended.valid_from, open_ended.valid_to) == (date(2025, 3, 1), None)
    bounded = policies.add_person_policy(session, person.id, extra.id,
                                         valid_from=date(2025, 6, 1), valid_to=date(2025, 6, 30))
    always = policies.add_person_policy(session, person.id, own.id)
    with pytest.raises(Invalid) as err:
        policies.add_person_policy(session, person.id, extra.id, valid_to="2025-03-31")
    assert err.value.field == "valid_to" and "start" in err.value.message
    with pytest.raises(Invalid, match="ends before"):
        policies.set_person_policy_validity(session, bounded.id, "2025-07-01", "2025-06-01")
    assert [g.id for g in policies.person_policies(session, person.id)] == [
        open_ended.id, bounded.id, always.id]
    groups_, persons = policies.holders_of(session, extra.id)
    assert groups_ == [] and [p.id for p in persons] == [person.id]
    with pytest.raises(Conflict):
        policies.delete_policy(session, extra.id)
    policies.remove_person_policy(session, open_ended.id)
    policies.remove_person_policy(session, bounded.id)
    policies.delete_policy(session, extra.id)
    people.update_person(session, person.id, {"main_policy_id": None})
    assert people.get_person(session, person.id).main_policy_id is None
