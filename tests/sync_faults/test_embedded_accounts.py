"""The embedded broker with ``embedded_accounts``: controllers log in with the passwords the
database holds (the ones `vratnik hub broker-config` hands out); anonymous and wrong
logins are refused; the hub logs in with its own account."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from edge.sync import EdgeSync, MemoryDoors, SyncConfig
from hub.sync.keys import current_key, sync_row
from tests.hub.sync.conftest import HubFactory, Plant, eventually
from tests.hub.sync.test_brokers import Snoop


def test_embedded_broker_takes_controller_accounts_from_the_database(
        plant: Plant, hub_factory: HubFactory, sessions: sessionmaker[Session],
        tmp_path: Path) -> None:
    with sessions() as db:
        controller_id = plant.controllers["door-1"]
        password = sync_row(db, controller_id).broker_password
        key = current_key(db, controller_id)
        db.commit()
    hub = hub_factory(None, embedded_accounts=True)
    assert hub.broker is not None and hub.address is not None
    port = hub.broker.port
    assert hub.address.username  # the hub itself logged in with an account
    anonymous = Snoop(port, "", "")
    wrong = Snoop(port, f"{plant.site}.door-1", "not-the-password")
    eventually(lambda: anonymous.refused and wrong.refused)
    anonymous.close()
    wrong.close()
    edge = EdgeSync(SyncConfig(
        broker_url=f"mqtt://127.0.0.1:{port}", username=f"{plant.site}.door-1",
        password=password, site=plant.site, controller="door-1", key_id=key.kid,
        device_key=key.key, data_dir=tmp_path / "door-1", reconnect_min=0.05,
        reconnect_max=0.5, readers=((1, "sim"),)), MemoryDoors([1]))
    edge.start()
    try:
        eventually(lambda: edge.status().in_sync, timeout=15)
        state = hub.lists.state(controller_id)
        assert state is not None and edge.active.hash == state[1].content_hash
    finally:
        edge.stop()
