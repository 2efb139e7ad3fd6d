"""The REST API with the sync service running inside the app on the embedded (amqtt) broker:
controller state, card activation, door commands, key rotation, clean stop."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from hub.app import create_app
from hub.badges import services as badges
from hub.config import HubConfig
from hub.sync.runtime import service_of, stop_sync
from hub.sync.service import SyncService
from tests.hub.auth_fixtures import authorise_as_admin
from tests.hub.sync.conftest import Plant, build_plant, eventually, quick_settings
from tests.hub.sync.edge_peer import EdgePeer


@pytest.fixture
def app(sync_sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    before = {t.name for t in threading.enumerate()}
    app = create_app(HubConfig(database_url=sync_sqlite_url, migrate_on_start=False,
                               instance_path=str(tmp_path), sync=quick_settings(None)))
    app.config["TESTING"] = True
    yield app
    stop_sync(app)
    # nothing the service started is left running
    eventually(lambda: not ({t.name for t in threading.enumerate()} - before), timeout=10)


@pytest.fixture
def running(app: Flask) -> SyncService:
    service = service_of(app)
    assert service is not None and service.broker is not None  # the embedded broker
    assert service.wait_connected(10)
    return service


def edge_on(service: SyncService, sessions: sessionmaker[Session], plant: Plant, code: str,
            client: FlaskClient) -> EdgePeer:
    key = client.post(f"/api/sites/{plant.site}/controllers/{plant.controllers[code]}/sync/key",
                      json={}).json
    assert key is not None
    assert service.broker is not None
    peer = EdgePeer("127.0.0.1", service.broker.port, plant.site, code, key["kid"],
                    base64.b64decode(key["key"])).connect(1)
    return peer


def test_state_activation_and_commands_through_the_api(
    app: Flask, running: SyncService, sessions: sessionmaker[Session]
) -> None:
    plant = build_plant(sessions)
    running.refresh_site(plant.site_id)  # a site created after the start
    client = authorise_as_admin(app.test_client(), sessions)  # the API needs a login
    edge = edge_on(running, sessions, plant, "door-1", client)
    try:
        edge.follow_lists()
        edge.birth(1)
        eventually(lambda: edge.list is not None)
        url = f"/api/sites/{plant.site}/controllers/{plant.controllers['door-1']}/sync"
        state: dict[str, Any] = eventually(  # type: ignore[assignment]
            lambda: (r := client.get(url).json) is not None and r["in_sync"] and r)
        assert state["online"] and state["firmware"] == "test-peer 1"
        assert state["applied_version"] == state["desired_version"]
        # a new card, activated through the API
        with sessions() as db:
            badge = badges.register_badge(db, plant.site_id, "H10301:9:1")
            badges.issue_badge(db, badge.id, person_id=plant.person_id)
            db.commit()
        answer = client.post(f"/api/sites/{plant.site}/badges/{badge.id}/activate",
                             json={"wait_ms": 3000})
        assert answer.status_code == 200, answer.json
        body = answer.json
        assert body is not None
        results = {c["code"]: c["result"] for c in body["controllers"]}
        assert results == {"door-1": "applied", "door-2": "offline", "door-3": "disabled"}
        assert edge.list is not None and edge.list.lookup(badge.card_key) is not None
        # a door command with no edge answering: stored, timed out
        commands = client.post(f"/api/sites/{plant.site}/doors/{plant.door_id}/unlock",
                               json={"wait_ms": 300}).json
        assert commands is not None and [c["status"] for c in commands] == ["timeout"]
        stored = client.get(f"/api/sites/{plant.site}/commands/{commands[0]['id']}").json
        assert stored is not None and stored["status"] == "timeout"
        assert edge.wait_for("command")["req"] == commands[0]["req"]
    finally:
        edge.close()


def test_without_sync_the_api_says_nothing_was_sent(
    sync_sqlite_url: str, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    app = create_app(HubConfig(database_url=sync_sqlite_url, migrate_on_start=False,
                               instance_path=str(tmp_path)))
    assert service_of(app) is None
    plant = build_plant(sessions)
    client = authorise_as_admin(app.test_client(), sessions)  # the API needs a login
    body = client.post(f"/api/sites/{plant.site}/badges/{plant.badge_id}/activate",
                       json={}).json
    assert body is not None and body["controllers"] == []
    assert "not running" in body["warnings"][-1]
    commands = client.post(f"/api/sites/{plant.site}/doors/{plant.door_id}/pulse",
                           json={}).json
    assert commands is not None and commands[0]["status"] == "offline"
    assert "not running" in commands[0]["detail"]
