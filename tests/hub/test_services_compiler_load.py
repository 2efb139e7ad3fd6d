"""The loader: a site built through the services, loaded and compiled, decides as the
seed manuals say (manual 002's factory and four rotating shifts; 003's policies)."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access import controllers
from hub.access import services as access
from hub.badges import pins as pin_keys
from hub.badges import services as badges
from hub.compiler import reference
from hub.compiler.compile import CompileOptions, compile_site
from hub.compiler.load import load_site_rules
from hub.people import groups
from hub.people import services as people
from hub.people.models import PersonClass
from hub.policies import services as policies
from hub.schedules import services as schedules
from hub.sites.models import Site
from protocols.portable.accesslist_model import CARD_WITHDRAWN, AccessList

ZONE = ZoneInfo("Europe/Bratislava")


def at(day: int, hour: int, month: int = 3) -> int:
    """UTC second of a local wall-clock time in March 2025."""
    return int(dt.datetime(2025, month, day, hour, tzinfo=ZONE).timestamp())


def opens(compiled: AccessList, key: int, reader: int, t: int) -> bool:
    entry = compiled.lookup(key)
    if entry is None:
        return False
    profile, valid_from, valid_to, flags = entry
    if flags & CARD_WITHDRAWN or not valid_from <= t < valid_to:
        return False
    schedule = compiled.profiles[profile].get(reader)
    return schedule is not None and bisect_right(compiled.schedules[schedule], t) % 2 == 1


@pytest.fixture
def vault() -> pin_keys.PinVault:
    return pin_keys.PinVault(pin_keys.generate_key())


@pytest.fixture
def plant(session: Session, site: Site, vault: pin_keys.PinVault) -> dict[str, int]:
    """Manual 002's factory, wired to two controllers, with its persons and badges."""
    s = site.id
    gate = access.create_door(session, s, name="Main gate")
    w1_door = access.create_door(session, s, name="Workshop 1 door")
    store = access.create_door(session, s, name="Store")  # no reader: not installed
    entry, exit_ = gate.access_points
    w1_in = w1_door.access_points[0]
    gate_ctl = controllers.create_controller(session, s, code="gate", name="Gate")
    controllers.add_reader(session, gate_ctl.id, reader_no=1, access_point_id=entry.id)
    controllers.add_reader(session, gate_ctl.id, reader_no=2, access_point_id=exit_.id)
    w1_ctl = controllers.create_controller(session, s, code="w1", name="W1", kind="concentrator")
    controllers.add_reader(session, w1_ctl.id, reader_no=1, access_point_id=w1_in.id,
                           requires_pin=True)
    nine_to_six = schedules.create_schedule(session, s, name="9-18", kind="weekly",
                                            days=[["09:00-18:00"]] * 7)
    always = schedules.create_schedule(session, s, name="24h", kind="weekly",
                                       days=[["00:00-24:00"]] * 7)
    rotation = schedules.create_schedule(session, s, name="4 shifts", kind="cyclic",
                                         days=[["00:00-24:00"], [], [], []])
    factory_table = policies.create_policy(session, s, name="factory")
    for point in (entry, exit_):
        policies.add_rule(session, factory_table.id, access_point_id=point.id,
                          schedule_id=nine_to_six.id, start_date="2002-04-14")
    policies.add_rule(session, factory_table.id, access_point_id=store.access_points[0].id,
                      schedule_id=always.id)
    head_table = policies.create_policy(session, s, name="head")
    everywhere = access.create_point_group(session, s, name="everywhere")
    for point in (entry, exit_, w1_in):
        access.add_to_point_group(session, everywhere.id, point_id=point.id)
    policies.add_rule(session, head_table.id, access_point_group_id=everywhere.id,
                      schedule_id=always.id)
    root = groups.create_group(session, s, name="Factory", is_company=True,
                               policy_id=factory_table.id)
    groups.create_group(session, s, name="Administration", parent_id=root.id)
    w1 = groups.create_group(session, s, name="Workshop 1", parent_id=root.id)
    planning = groups.create_group(session, s, name="Planning", parent_id=w1.id)
    w2 = groups.create_group(session, s, name="Workshop 2", parent_id=root.id)
    employee = session.scalars(select(PersonClass.id).where(
        PersonClass.site_id == s, PersonClass.name == "employee")).one()
    ids: dict[str, int] = {"entry": entry.id, "w1_in": w1_in.id}

    def person(label: str, group_id: int, card: str, **badge: object) -> int:
        who = people.create_person(session, s, surname=label, name="X", class_id=employee,
                                   group_id=group_id, personal_number=label)
        issued = badges.register_badge(session, s, card)
        badges.issue_badge(session, issued.id, person_id=who.id, vault=vault, **badge)  # type: ignore[arg-type]
        ids[label], ids[label + "_key"] = who.id, issued.card_key
        return who.id

    person("planner", planning.id, "H10301:1:1")
    head = person("head", w1.id, "H10301:1:2", pin="2468")
    people.update_person(session, head, {"main_policy_id": head_table.id})
    for shift in range(1, 5):
        shift_table = policies.create_policy(session, s, name=f"shift {shift}")
        policies.add_rule(session, shift_table.id, access_point_id=w1_in.id,
                          schedule_id=rotation.id, start_date=dt.date(2025, 3, shift))
        worker = person(f"shift{shift}", w2.id, f"H10301:2:{shift}")
        policies.add_person_policy(session, worker, shift_table.id)
    gone = person("leaver", w2.id, "H10301:3:1")
    badges.withdraw_badge(session, badges.find_badge(session, s, "H10301:3:1").id,  # type: ignore[union-attr]
                          at=dt.datetime(2025, 2, 28, tzinfo=dt.UTC))
    ids["leaver"] = gone
    ids["unused_key"] = badges.register_badge(session, s, "H10301:9:9").card_key
    alarm = badges.register_badge(session, s, "H10301:4:1")
    badges.issue_badge(session, alarm.id, group_id=w1.id)
    ids["alarm_key"] = alarm.card_key
    return ids


def test_loaded_rules_follow_the_database(
    session: Session, site: Site, plant: dict[str, int], vault: pin_keys.PinVault
) -> None:
    rules = load_site_rules(session, site.id, pins=vault)
    assert rules.site.id == "factory" and rules.site.tz == "Europe/Bratislava"
    assert sorted(rules.controllers) == ["gate", "w1"]
    assert rules.controllers["w1"].concentrator and rules.controllers["w1"].readers == (1,)
    assert rules.point_at("w1", 1).pin_required  # type: ignore[union-attr]
    # the store door has no reader: its access point and the row on it are left out
    factory = next(p for p in rules.policies.values() if p.name == "factory")
    assert len(factory.rows) == 2
    planner = rules.persons[plant["planner"]]
    assert rules.main_policy(planner) == factory.id  # inherited over two levels
    head = rules.persons[plant["head"]]
    assert head.badges[0].pin == "2468"
    leaver = rules.persons[plant["leaver"]]
    assert [(b.state, b.withdrawn_at) for b in leaver.badges] == [
        ("withdrawn", dt.datetime(2025, 2, 28, tzinfo=dt.UTC))]
    keys = {b.key for _, b in rules.holders()}
    assert plant["unused_key"] not in keys and plant["alarm_key"] in keys
    assert load_site_rules(session, site.id, pins=None).persons[plant["head"]].badges[0].pin is None


def test_reference_decisions_match_the_manual(
    session: Session, site: Site, plant: dict[str, int]
) -> None:
    rules = load_site_rules(session, site.id, pins=None)
    planner = rules.persons[plant["planner"]]
    card = planner.badges[0]
    assert reference.allowed(rules, planner, card, plant["entry"], at(4, 10))
    assert not reference.allowed(rules, planner, card, plant["entry"], at(4, 19))
    assert reference.evaluate(rules, planner, card, plant["w1_in"], at(4, 10)) == "no_access"
    for shift in range(1, 5):
        worker = rules.persons[plant[f"shift{shift}"]]
        on_duty = [day for day in range(1, 13)
                   if reference.allowed(rules, worker, worker.badges[0], plant["w1_in"],
                                        at(day, 12))]
        assert on_duty == [shift, shift + 4, shift + 8]


def test_compiled_lists_from_the_database(
    session: Session, site: Site, plant: dict[str, int], vault: pin_keys.PinVault
) -> None:
    rules = load_site_rules(session, site.id, pins=vault)
    options = CompileOptions(horizon_start=at(1, 0), secret=site.secret)
    lists = compile_site(rules, options)
    gate, w1 = lists["gate"], lists["w1"]
    assert opens(gate, plant["planner_key"], 1, at(4, 10))
    assert not opens(gate, plant["planner_key"], 2, at(4, 8))
    assert w1.lookup(plant["planner_key"]) is None  # no access there, so not listed
    assert opens(w1, plant["head_key"], 1, at(4, 3))
    assert plant["head_key"] in w1.pins and plant["planner_key"] not in w1.pins
    assert opens(w1, plant["shift3_key"], 1, at(7, 12))
    assert not opens(w1, plant["shift3_key"], 1, at(8, 12))
    withdrawn = gate.lookup(plant["leaver_key"])
    assert withdrawn is not None and withdrawn[3] & CARD_WITHDRAWN
    assert all(lst.lookup(plant["unused_key"]) is None for lst in lists.values())
    assert opens(gate, plant["alarm_key"], 1, at(5, 11))  # group card: the group's access


def test_person_conflicts_and_activation_warnings(
    session: Session, site: Site, plant: dict[str, int]
) -> None:
    assert people.conflicts(session, plant["shift1"]) == []
    # a second policy with other rules for the same access point: a conflict (003)
    other = policies.create_policy(session, site.id, name="other")
    always = schedules.list_schedules(session, site.id)[0]
    policies.add_rule(session, other.id, access_point_id=plant["w1_in"], schedule_id=always.id)
    policies.add_person_policy(session, plant["shift1"], other.id, valid_from="2025-03-01")
    found = people.conflicts(session, plant["shift1"])
    assert found and all(issue.subject for issue in found)
    assert any("other" in issue.message for issue in found)
    card = badges.find_badge(session, site.id, "H10301:2:1")
    assert card is not None
    badges.set_validity(session, card.id, None, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    warnings = badges.activation_warnings(session, card.id,
                                          now=dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
    assert [w.code for w in warnings] == ["activate_expired"]
    unused = badges.find_badge(session, site.id, "H10301:9:9")
    assert unused is not None
    assert [w.code for w in badges.activation_warnings(session, unused.id)] == ["activate_unused"]
