"""A real hub for the browser tests: the app (with its sync service on the embedded MQTT
broker) served by waitress on a free port in a thread, and headless Chromium driven by
Playwright (the Debian /usr/bin/chromium; Playwright's own browser download is not used).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy.orm import Session, sessionmaker
from waitress.server import create_server

from hub.access import controllers
from hub.access import services as access
from hub.app import create_app, hub_state
from hub.config import HubConfig
from hub.db import upgrade
from hub.policies import services as policies
from hub.schedules import services as schedules
from hub.sites.services import create_site
from hub.sync.runtime import service_of, stop_sync
from tests.hub.auth_fixtures import FAST_AUTH
from tests.hub.sync.conftest import quick_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ADMIN_PASSWORD = "browser admin password"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass
class LiveHub:
    """The running hub: its address, app, sessions and what the arrangement made."""

    url: str
    app: Flask
    sessions: sessionmaker[Session]
    ids: dict[str, Any]


def arrange(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """A site with a gate (controller gate-1, reader 1 on the entry) and a 24 h policy."""
    with sessions() as session:
        site = create_site(session, code="plant", name="Plant", time_zone="Europe/Bratislava")
        always = schedules.create_schedule(session, site.id, name="Always", kind="weekly",
                                           days=[["00:00-24:00"]] * 7)
        hall = access.create_room(session, site.id, name="Hall")
        door = access.create_door(session, site.id, name="Gate", to_room_id=hall.id)
        entry = door.access_points[0]
        ctl = controllers.create_controller(session, site.id, code="gate-1", name="Gate")
        controllers.add_reader(session, ctl.id, reader_no=1, access_point_id=entry.id)
        policy = policies.create_policy(session, site.id, name="All doors")
        policies.add_rule(session, policy.id, access_point_id=entry.id, schedule_id=always.id)
        session.commit()
        return {"site": site.id, "controller": ctl.id, "policy": policy.id}


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    folder = tmp_path_factory.mktemp("live-hub")
    url = f"sqlite:///{folder / 'hub.db'}"
    upgrade(url)
    auth = dataclasses.replace(FAST_AUTH, admin_password=ADMIN_PASSWORD)
    app = create_app(HubConfig(database_url=url, migrate_on_start=False, instance_path=str(
        folder), auth=auth, sync=quick_settings(None, activation_timeout=5.0)))
    app.config.update(VRATNIK_EVENTS_POLL_SECONDS=0.2, VRATNIK_EVENTS_STREAM_SECONDS=60,
                      VRATNIK_EVENTS_HEARTBEAT_SECONDS=0.5)
    sessions = hub_state(app).sessions
    ids = arrange(sessions)
    service = service_of(app)
    assert service is not None and service.wait_connected(10)
    service.refresh_site(ids["site"])
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield LiveHub(f"http://127.0.0.1:{server.effective_port}", app, sessions, ids)
    finally:
        server.close()
        thread.join(10)
        stop_sync(app)
        hub_state(app).engine.dispose()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
