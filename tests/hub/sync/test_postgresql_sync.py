"""The sync service on PostgreSQL: events from an edge stored once and acknowledged, a card
activated at once, versions continued after a restart (its own fresh database)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.badges import services as badges
from hub.db import make_engine, make_session_factory, upgrade
from hub.events.models import Event
from hub.sync.activation import activate
from hub.sync.keys import current_key
from hub.sync.models import ControllerSync
from hub.sync.service import SyncService
from tests.hub.sync.conftest import build_plant, eventually, quick_settings
from tests.hub.sync.edge_peer import EdgePeer
from tests.mqtt import MosquittoBroker
from tests.pg import fresh_database


@pytest.fixture(scope="module")
def pg_sessions(pg_server_url: str) -> Iterator[sessionmaker[Session]]:
    with fresh_database(pg_server_url, "sync") as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            yield make_session_factory(engine)
        finally:
            engine.dispose()


def test_events_and_activation_on_postgresql(
    pg_sessions: sessionmaker[Session], mosquitto: MosquittoBroker
) -> None:
    plant = build_plant(pg_sessions)
    service = SyncService(pg_sessions, quick_settings(mosquitto.url)).start()
    try:
        assert service.wait_connected(10)
        with pg_sessions() as db:
            key = current_key(db, plant.controllers["door-1"])
            db.commit()
        edge = EdgePeer("127.0.0.1", mosquitto.port, plant.site, "door-1", key.kid,
                        key.key).connect(1)
        try:
            edge.follow_lists()
            edge.birth(1)
            eventually(lambda: edge.list is not None)
            now = int(time.time())
            events = [{"seq": s, "ts": now, "reader": 1, "door": 1, "card": None,
                       "kind": "exit_button", "reason": 0, "granted": True, "faces": None,
                       "photo": None, "historical": False} for s in range(1, 301)]
            edge.send("events", "event_batch", {"events": events[:256]})
            edge.send("events", "event_batch", {"events": events[200:]})  # overlapping
            edge.wait_for("event_ack", lambda f: f["upto"] == 300)
            with pg_sessions() as db:
                seqs = list(db.scalars(select(Event.seq).where(
                    Event.controller_id == plant.controllers["door-1"]).order_by(Event.seq)))
            assert seqs == list(range(1, 301))
            with pg_sessions() as db:
                badge = badges.register_badge(db, plant.site_id, "H10301:6:6")
                badges.issue_badge(db, badge.id, person_id=plant.person_id)
                db.commit()
            eventually(lambda: _online(pg_sessions, plant.controllers["door-1"]))
            report = activate(service, plant.site_id, badge.id)
            assert {o.code: o.result for o in report.controllers}["door-1"] == "applied"
            assert edge.list is not None and edge.list.lookup(badge.card_key) is not None
        finally:
            edge.close()
    finally:
        service.stop()


def _online(sessions: sessionmaker[Session], controller_id: int) -> bool:
    with sessions() as db:
        row = db.get(ControllerSync, controller_id)
        return row is not None and row.online


def test_versions_continue_after_a_restart_on_postgresql(
    pg_sessions: sessionmaker[Session], mosquitto: MosquittoBroker
) -> None:
    plant = build_plant(pg_sessions)
    first = SyncService(pg_sessions, quick_settings(mosquitto.url)).start()
    found = first.lists.state(plant.controllers["door-2"])
    assert found is not None
    before = (found[1].version, found[1].content_hash)
    first.stop()
    second = SyncService(pg_sessions, quick_settings(mosquitto.url)).start()
    try:
        again = second.lists.state(plant.controllers["door-2"])
        assert again is not None and (again[1].version, again[1].content_hash) == before
    finally:
        second.stop()
