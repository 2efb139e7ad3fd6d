"""The real edge (EdgeSync) with the real hub (hub.sync.SyncService) over a real Mosquitto."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from edge.core.reasons import GRANTED, WITHDRAWN
from edge.sync import EdgeSync, MemoryDoors, SyncConfig
from hub.badges import services as badges
from hub.events.models import Event
from hub.sync.keys import current_key
from hub.sync.models import ControllerSync
from hub.sync.service import SyncService
from tests.edge.sync.helpers import wait_until
from tests.hub.sync.conftest import Plant, build_plant, quick_settings
from tests.mqtt import MosquittoBroker

READER = 1  # build_plant gives every controller reader 1 (24/7 for everyone)


@pytest.fixture
def plant(sessions: sessionmaker[Session]) -> Plant:
    return build_plant(sessions)


@pytest.fixture
def hub(sessions: sessionmaker[Session], mosquitto: MosquittoBroker,
        plant: Plant) -> Iterator[SyncService]:
    service = SyncService(sessions, quick_settings(mosquitto.url))
    service.start()
    assert service.wait_connected(10)
    yield service
    service.stop()


def _edge(plant: Plant, sessions: sessionmaker[Session], broker: MosquittoBroker,
          data_dir: Path, code: str = "door-1", **overrides: object) -> EdgeSync:
    with sessions() as db:
        key = current_key(db, plant.controllers[code])
        db.commit()
    values: dict[str, object] = {
        "broker_url": broker.url, "site": plant.site, "controller": code,
        "key_id": key.kid, "device_key": key.key, "data_dir": data_dir,
        "reconnect_min": 0.05, "reconnect_max": 0.5, "readers": ((READER, "sim"),),
    }
    values.update(overrides)
    return EdgeSync(SyncConfig(**values), MemoryDoors([1]))  # type: ignore[arg-type]


def _hub_version(hub: SyncService, controller_id: int) -> int | None:
    state = hub.lists.state(controller_id)
    return None if state is None else state[1].version


def _stored_seqs(sessions: sessionmaker[Session], controller_id: int) -> list[int]:
    with sessions() as db:
        return list(db.scalars(select(Event.seq).where(Event.controller_id == controller_id)
                               .order_by(Event.seq)))


def test_edge_converges_decides_and_reports_to_the_real_hub(
        hub: SyncService, plant: Plant, sessions: sessionmaker[Session],
        mosquitto: MosquittoBroker, tmp_path: Path) -> None:
    ctl = plant.controllers["door-1"]
    card = plant.card_key(sessions)
    with _edge(plant, sessions, mosquitto, tmp_path) as edge:
        wait_until(lambda: edge.status().in_sync, what="first list")
        assert edge.active.version == _hub_version(hub, ctl)
        assert edge.decide_now(card, READER) == GRANTED
        # Quiet first: a badge change racing the hub worker's event insert on SQLite can
        # fail with "database is locked" (the service's read-then-write transaction).
        wait_until(lambda: edge.outbox.acked_seq == 1, what="first event acknowledged")

        with sessions() as db:  # a change on the hub reaches the door as a delta
            badges.withdraw_badge(db, plant.badge_id)
            db.commit()
        hub.refresh_site(plant.site_id)
        wanted = _hub_version(hub, ctl)
        wait_until(lambda: edge.active.version == wanted and edge.status().in_sync,
                   what="the delta")
        assert edge.decide_now(card, READER) == WITHDRAWN

        # both decisions are in the hub's database, acknowledged and pruned on the edge
        wait_until(lambda: edge.outbox.acked_seq == 2, what="events acknowledged")
        assert _stored_seqs(sessions, ctl) == [1, 2]
        with sessions() as db:
            reasons = list(db.scalars(select(Event.reason).where(Event.controller_id == ctl)
                                      .order_by(Event.seq)))
            row = db.get(ControllerSync, ctl)
            assert row is not None
            assert row.online and row.birth_session == edge.status().session
            assert row.applied_version == wanted
        assert reasons == [GRANTED, WITHDRAWN]
    # the clean stop's death marks it offline
    wait_until(lambda: not _online(sessions, ctl), what="offline after stop")


def _online(sessions: sessionmaker[Session], ctl: int) -> bool:
    with sessions() as db:
        row = db.get(ControllerSync, ctl)
        return bool(row is not None and row.online)


def test_no_event_lost_or_duplicated_across_broker_restarts(
        hub: SyncService, plant: Plant, sessions: sessionmaker[Session],
        mosquitto: MosquittoBroker, tmp_path: Path) -> None:
    ctl = plant.controllers["door-2"]
    total = 1500
    with _edge(plant, sessions, mosquitto, tmp_path, "door-2", ack_timeout=2.0) as edge:
        wait_until(lambda: edge.status().online, what="online")

        def produce() -> None:
            for n in range(total):
                edge.record_event("exit_button", int(time.time()), door=1)
                if n % 100 == 99:
                    time.sleep(0.01)  # a steady stream, not one burst

        producer = threading.Thread(target=produce)
        producer.start()
        wait_until(lambda: edge.outbox.acked_seq > 200, what="some events stored")
        mosquitto.restart()  # mid-stream
        wait_until(lambda: edge.outbox.last_seq > 900, what="more events recorded")
        mosquitto.restart(kill=True)  # and once more, without a clean shutdown
        producer.join()
        wait_until(lambda: edge.outbox.acked_seq == total, timeout=30, what="all acknowledged")
        assert edge.status().connections >= 3
        assert edge.outbox.pending(0, 10) == []
    assert _stored_seqs(sessions, ctl) == list(range(1, total + 1))
