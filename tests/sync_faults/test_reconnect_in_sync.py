"""An edge already in sync that reconnects (here: restarts on the same data directory)
asks only for what came after its manifest: the hub sends no snapshot again."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from edge.sync import EdgeSync, MemoryDoors, SyncConfig
from hub.sync.keys import current_key
from hub.sync.service import SyncService
from tests.hub.sync.conftest import Plant, eventually
from tests.mqtt import MosquittoBroker
from tests.sync_faults.chunks import TopicCounter


def _edge(plant: Plant, sessions: sessionmaker[Session], broker: MosquittoBroker,
          data_dir: Path) -> EdgeSync:
    with sessions() as db:
        key = current_key(db, plant.controllers["door-1"])
        db.commit()
    edge = EdgeSync(SyncConfig(
        broker_url=broker.url, site=plant.site, controller="door-1", key_id=key.kid,
        device_key=key.key, data_dir=data_dir, reconnect_min=0.05, reconnect_max=0.5,
        readers=((1, "sim"),)), MemoryDoors([1]))
    edge.start()
    return edge


def test_reconnect_of_an_in_sync_edge_transfers_no_snapshot(
        hub: SyncService, plant: Plant, sessions: sessionmaker[Session],
        mosquitto: MosquittoBroker, tmp_path: Path) -> None:
    first_counter = TopicCounter(mosquitto.host, mosquitto.port, plant.site, "door-1",
                                 "list/snap")
    edge = _edge(plant, sessions, mosquitto, tmp_path / "door-1")
    try:
        eventually(lambda: edge.status().in_sync, timeout=10)
        assert first_counter.count > 1  # the first sync was a (chunked) snapshot
    finally:
        edge.stop()
        first_counter.close()
    counter = TopicCounter(mosquitto.host, mosquitto.port, plant.site, "door-1", "list/snap")
    again = _edge(plant, sessions, mosquitto, tmp_path / "door-1")
    try:
        eventually(lambda: again.status().in_sync, timeout=10)
        time.sleep(1.0)  # room for an answer to the reconnect's list_request to arrive
        assert counter.count == 0
        state = hub.lists.state(plant.controllers["door-1"])
        assert state is not None and again.active.hash == state[1].content_hash
    finally:
        again.stop()
        counter.close()
