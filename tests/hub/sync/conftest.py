"""Fixtures for the sync tests: a migrated database the service's own threads use, a small
site built through the services, a running SyncService on a real Mosquitto, edge peers.

The service opens its own sessions from several threads, so these tests commit for real
instead of rolling back: each test gets a site with a fresh random code, which also keeps
its MQTT topics (and retained messages) apart from other tests on the shared broker.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from hub.access import controllers
from hub.access import services as access
from hub.badges import services as badges
from hub.db import make_engine, make_session_factory, upgrade
from hub.people import groups
from hub.people import services as people
from hub.people.models import PersonClass
from hub.policies import services as policies
from hub.schedules import services as schedules
from hub.sites.services import create_site
from hub.sync.keys import current_key
from hub.sync.service import SyncService
from hub.sync.settings import SyncSettings
from tests.hub.sync.edge_peer import EdgePeer
from tests.mqtt import MosquittoBroker, mosquitto, secured_mosquitto_factory

__all__ = ["mosquitto", "secured_mosquitto_factory"]  # fixtures, used by name


@pytest.fixture(scope="session")
def sync_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sync') / 'hub.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def sync_engine(sync_sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sync_sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def service_sessions(sync_engine: Engine) -> sessionmaker[Session]:
    """Plain sessions, for the sync services under test."""
    return make_session_factory(sync_engine)


@pytest.fixture(scope="session")
def sessions(sync_engine: Engine) -> sessionmaker[Session]:
    """Sessions for the tests' own reads and changes. Each transaction takes SQLite's
    write lock first, so a test's read-then-write waits for the running sync worker's
    commit instead of failing at once with "database is locked" (hub/sync/txn.py)."""
    factory = make_session_factory(sync_engine)

    @event.listens_for(factory, "after_begin")
    def _writer(_session: Session, _transaction: object, connection: Connection) -> None:
        connection.exec_driver_sql("UPDATE event_cursors SET upto = upto WHERE 1 = 0")

    return factory


@dataclass
class Plant:
    """A site with three controllers: door-1 (two readers), door-2, door-3 (disabled)."""

    site_id: int
    site: str
    controllers: dict[str, int]
    badge_id: int
    person_id: int
    door_id: int
    point_ids: dict[str, int]

    def card_key(self, sessions: sessionmaker[Session]) -> int:
        with sessions() as session:
            return badges.get_badge(session, self.badge_id).card_key


def build_plant(sessions: sessionmaker[Session], persons: int = 1) -> Plant:
    """The site, committed. Everyone has 24/7 access on every reader."""
    code = "s" + secrets.token_hex(4)
    with sessions() as session:
        site = create_site(session, code=code, name=code, time_zone="Europe/Bratislava")
        s = site.id
        always = schedules.create_schedule(session, s, name="24h", kind="weekly",
                                           days=[["00:00-24:00"]] * 7)
        table = policies.create_policy(session, s, name="all")
        ids: dict[str, int] = {}
        points: dict[str, int] = {}
        door_id = 0
        for number, name in enumerate(("door-1", "door-2", "door-3"), start=1):
            door = access.create_door(session, s, name=f"Door {number}")
            entry, exit_ = door.access_points
            ctl = controllers.create_controller(session, s, code=name, name=name,
                                                enabled=name != "door-3")
            controllers.add_reader(session, ctl.id, reader_no=1, access_point_id=entry.id)
            points[name] = entry.id
            policies.add_rule(session, table.id, access_point_id=entry.id, schedule_id=always.id)
            if name == "door-1":
                controllers.add_reader(session, ctl.id, reader_no=2, access_point_id=exit_.id)
                policies.add_rule(session, table.id, access_point_id=exit_.id,
                                  schedule_id=always.id)
                door_id = door.id
            ids[name] = ctl.id
        root = groups.create_group(session, s, name="Company", is_company=True,
                                   policy_id=table.id)
        employee = session.scalars(select(PersonClass.id).where(
            PersonClass.site_id == s, PersonClass.name == "employee")).one()
        person_id = badge_id = 0
        for n in range(persons):
            who = people.create_person(session, s, surname=f"P{n}", name="X",
                                       class_id=employee, group_id=root.id,
                                       personal_number=f"{n}")
            badge = badges.register_badge(session, s, f"H10301:7:{n + 1}")
            badges.issue_badge(session, badge.id, person_id=who.id)
            if n == 0:
                person_id, badge_id = who.id, badge.id
        session.commit()
        return Plant(s, code, ids, badge_id, person_id, door_id, points)


@pytest.fixture
def plant(sessions: sessionmaker[Session]) -> Plant:
    return build_plant(sessions)


def quick_settings(url: str | None, **overrides: object) -> SyncSettings:
    """Settings for tests: fast timeouts, small chunks, no periodic recompile."""
    values: dict[str, object] = {
        "broker_url": url, "client_id": f"hub-{secrets.token_hex(4)}",
        "reconcile_interval": 3600.0, "activation_timeout": 3.0, "command_timeout": 3.0,
        "chunk_size": 64, "embedded_port": 0, "replay_interval": 0.5,
    }
    values.update(overrides)
    return SyncSettings(**values)  # type: ignore[arg-type]


HubFactory = Callable[..., SyncService]


@pytest.fixture
def hub_factory(service_sessions: sessionmaker[Session]) -> Iterator[HubFactory]:
    """``factory(url, **settings)`` -> a started SyncService, stopped after the test."""
    started: list[SyncService] = []

    def factory(url: str | None, **overrides: object) -> SyncService:
        service = SyncService(service_sessions, quick_settings(url, **overrides))
        started.append(service)
        service.start()
        assert service.wait_connected(10), "the hub did not connect to the broker"
        return service

    yield factory
    for service in started:
        service.stop()


@pytest.fixture
def hub(hub_factory: HubFactory, mosquitto: MosquittoBroker, plant: Plant) -> SyncService:
    return hub_factory(mosquitto.url)


PeerFactory = Callable[..., EdgePeer]


@pytest.fixture
def edge_factory(sessions: sessionmaker[Session], mosquitto: MosquittoBroker
                 ) -> Iterator[PeerFactory]:
    """``factory(plant, controller_code, **kwargs)`` -> a connected EdgePeer with its key."""
    made: list[EdgePeer] = []

    def factory(plant: Plant, code: str, *, port: int | None = None, session: int | None = 1,
                connect: bool = True, **kwargs: object) -> EdgePeer:
        with sessions() as db:
            key = current_key(db, plant.controllers[code])
            db.commit()
        peer = EdgePeer("127.0.0.1", port or mosquitto.port, plant.site, code, key.kid,
                        key.key, **kwargs)  # type: ignore[arg-type]
        made.append(peer)
        return peer.connect(session) if connect else peer

    yield factory
    for peer in made:
        peer.close()


def eventually(check: Callable[[], object], timeout: float = 5.0, step: float = 0.02) -> object:
    """Poll ``check`` until it returns something truthy; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {value!r})")
        time.sleep(step)
