"""The hub's fast paths against the real edge (edge.sync.EdgeSync) over a real Mosquitto:
a card activated or deactivated decides at the door as soon as the call returns, new
profiles and further cards after them apply as deltas, door commands move MemoryDoors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from edge.core.reasons import GRANTED, OUTSIDE_SCHEDULE, UNKNOWN_CARD, WITHDRAWN
from edge.sync import EdgeSync, MemoryDoors, SyncConfig
from hub.access import controllers
from hub.badges import services as badges
from hub.people import groups
from hub.people import services as people
from hub.people.models import PersonClass
from hub.policies import services as policies
from hub.schedules import services as schedules
from hub.sync.activation import activate
from hub.sync.commands import door_command
from hub.sync.keys import current_key
from hub.sync.models import ControllerSync
from hub.sync.service import SyncService
from tests.hub.sync.conftest import Plant, eventually
from tests.mqtt import MosquittoBroker

READER = 1
EdgeFactory = Callable[..., EdgeSync]


@pytest.fixture
def real_edge(plant: Plant, sessions: sessionmaker[Session], mosquitto: MosquittoBroker,
              tmp_path: Path) -> Iterator[EdgeFactory]:
    started: list[EdgeSync] = []

    def factory(code: str) -> EdgeSync:
        with sessions() as db:
            key = current_key(db, plant.controllers[code])
            db.commit()
        edge = EdgeSync(SyncConfig(
            broker_url=mosquitto.url, site=plant.site, controller=code, key_id=key.kid,
            device_key=key.key, data_dir=tmp_path / code, reconnect_min=0.05,
            reconnect_max=0.5, readers=((READER, "sim"),)), MemoryDoors([1]))
        edge.start()
        started.append(edge)
        eventually(lambda: edge.status().in_sync, timeout=10)

        def online() -> bool:
            with sessions() as db:
                row = db.get(ControllerSync, plant.controllers[code])
                return row is not None and row.online

        eventually(online)
        return edge

    yield factory
    for edge in started:
        edge.stop()


def _issue(sessions: sessionmaker[Session], plant: Plant, card: str, person_id: int) -> int:
    with sessions() as db:
        badge = badges.register_badge(db, plant.site_id, card)
        badges.issue_badge(db, badge.id, person_id=person_id)
        db.commit()
        return badge.id


def test_activated_card_opens_at_once_and_deactivated_one_is_refused(
    hub: SyncService, plant: Plant, sessions: sessionmaker[Session], real_edge: EdgeFactory
) -> None:
    edge = real_edge("door-1")
    badge_id = _issue(sessions, plant, "H10301:5:5", plant.person_id)
    key = badges.parse_card("H10301:5:5")
    assert edge.decide_now(key, READER) == UNKNOWN_CARD  # not pushed yet
    report = activate(hub, plant.site_id, badge_id)
    assert {o.code: o.result for o in report.controllers}["door-1"] == "applied"
    assert edge.decide_now(key, READER) == GRANTED  # no waiting: applied means decided
    report = activate(hub, plant.site_id, badge_id, deactivate=True)
    assert {o.code: o.result for o in report.controllers}["door-1"] == "applied"
    assert edge.decide_now(key, READER) == WITHDRAWN


def test_new_profiles_and_later_cards_apply_as_deltas(
    hub: SyncService, plant: Plant, sessions: sessionmaker[Session], real_edge: EdgeFactory
) -> None:
    """A group with other access adds a profile (and a schedule) to the list; cards after it
    are deltas against the list as both sides hold it, so every one applies."""
    edge = real_edge("door-1")
    with sessions() as db:
        nights = schedules.create_schedule(db, plant.site_id, name="nights", kind="weekly",
                                           days=[["22:00-06:00"]] * 7)
        table = policies.create_policy(db, plant.site_id, name="night shift")
        policies.add_rule(db, table.id, access_point_id=plant.point_ids["door-1"],
                          schedule_id=nights.id)
        night_group = groups.create_group(db, plant.site_id, name="Night", policy_id=table.id)
        employee = db.scalars(select(PersonClass.id).where(
            PersonClass.site_id == plant.site_id, PersonClass.name == "employee")).one()
        people_ids = [people.create_person(db, plant.site_id, surname=f"N{n}", name="X",
                                           class_id=employee, group_id=night_group.id).id
                      for n in range(3)]
        db.commit()
    versions = []
    # card numbers below and above the existing card, so profile order by lowest key moves
    for person_id, card in zip(people_ids, ("H10301:1:1", "H10301:200:1", "H10301:2:2"),
                               strict=True):
        badge_id = _issue(sessions, plant, card, person_id)
        report = activate(hub, plant.site_id, badge_id)
        outcome = {o.code: o for o in report.controllers}["door-1"]
        assert outcome.result == "applied", outcome.detail
        versions.append(outcome.version)
        # listed (night windows: granted or outside the schedule, never unknown)
        assert edge.decide_now(badges.parse_card(card), READER) in (GRANTED, OUTSIDE_SCHEDULE)
    assert versions == sorted(versions) and edge.active.version == versions[-1]
    assert edge.status().list_errors == 0
    state = hub.lists.state(plant.controllers["door-1"])
    assert state is not None and edge.active.hash == state[1].content_hash


def test_door_commands_reach_the_real_edge(
    hub: SyncService, plant: Plant, sessions: sessionmaker[Session], real_edge: EdgeFactory
) -> None:
    edge = real_edge("door-1")
    [pulse] = door_command(hub, plant.door_id, "pulse", 2000)
    assert pulse.status == "ok", pulse.detail
    assert edge.status().commands_executed == 1
    doors = edge.doors
    assert isinstance(doors, MemoryDoors)
    assert doors.history == [("pulse", 1, 2000)] and doors.is_unlocked(1)
    with sessions() as db:
        controllers.update_controller(db, plant.controllers["door-1"], {"enabled": False})
        db.commit()
    hub.refresh_site(plant.site_id)
    [refused] = door_command(hub, plant.door_id, "lock")
    assert refused.status == "disabled"


def _group_with_own_access(sessions: sessionmaker[Session], plant: Plant, name: str,
                           hours: str) -> int:
    """A person in a new group whose policy has its own schedule (a new profile)."""
    with sessions() as db:
        hours_schedule = schedules.create_schedule(db, plant.site_id, name=name,
                                                   kind="weekly", days=[[hours]] * 7)
        table = policies.create_policy(db, plant.site_id, name=name)
        policies.add_rule(db, table.id, access_point_id=plant.point_ids["door-1"],
                          schedule_id=hours_schedule.id)
        group = groups.create_group(db, plant.site_id, name=name, policy_id=table.id)
        employee = db.scalars(select(PersonClass.id).where(
            PersonClass.site_id == plant.site_id, PersonClass.name == "employee")).one()
        person = people.create_person(db, plant.site_id, surname=name, name="X",
                                      class_id=employee, group_id=group.id)
        db.commit()
        return person.id


def test_after_an_edge_restart_activation_still_applies(
    hub: SyncService, plant: Plant, sessions: sessionmaker[Session], real_edge: EdgeFactory
) -> None:
    """Two new profiles arrive by delta in an order other than the snapshot order (by
    lowest card key): the edge's slots and the snapshot's differ. A restarted edge holds
    the snapshot's order, so the next delta does not fit; the edge reloads the whole list
    and the activation still ends applied."""
    first = real_edge("door-1")
    late = _group_with_own_access(sessions, plant, "late", "12:00-20:00")
    early = _group_with_own_access(sessions, plant, "early", "04:00-12:00")
    for person_id, card in ((late, "H10301:250:1"), (early, "H10301:1:9")):
        badge_id = _issue(sessions, plant, card, person_id)
        assert {o.code: o.result for o in activate(hub, plant.site_id, badge_id).controllers
                }["door-1"] == "applied"
    assert first.status().list_errors == 0
    first.stop()
    second = real_edge("door-1")  # the same data directory: loads the stored list
    badge_id = _issue(sessions, plant, "H10301:251:1", late)
    report = activate(hub, plant.site_id, badge_id)
    assert {o.code: o.result for o in report.controllers}["door-1"] == "applied"
    # the delta did not fit (once, or twice when the manifest made the edge ask for it
    # again before the snapshot came); the snapshot did
    assert second.status().list_errors >= 1
    assert second.decide_now(badges.parse_card("H10301:251:1"), READER) in (
        GRANTED, OUTSIDE_SCHEDULE)
    state = hub.lists.state(plant.controllers["door-1"])
    assert state is not None and second.active.hash == state[1].content_hash
