"""The live events stream (server-sent events), event photos, presence and the dashboard,
each showing only what the user may see."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from hub.access import services as access
from hub.access.controllers import add_reader
from hub.badges import services as badges
from hub.events.models import Event
from hub.photos.models import AccessPhoto
from hub.sync.models import ControllerSync, ListSnapshot
from tests.hub.auth_fixtures import Browser, make_user
from tests.hub.ui.site_data import build_site

PASSWORD = "a long password"
JPEG = b"\xff\xd8\xff\xe0fake jpeg bytes\xff\xd9"


@pytest.fixture
def fast_stream(web_app: Flask) -> Iterator[None]:
    web_app.config.update(VRATNIK_EVENTS_POLL_SECONDS=0.05, VRATNIK_EVENTS_STREAM_SECONDS=5)
    yield
    web_app.config.pop("VRATNIK_EVENTS_POLL_SECONDS")
    web_app.config.pop("VRATNIK_EVENTS_STREAM_SECONDS")


def arrange(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as session:
        ids = build_site(session)
        session.commit()
    make_user(sessions, "admin", PASSWORD, admin=True)
    make_user(sessions, "eva", PASSWORD, person_id=ids["worker"])  # sees only herself
    make_user(sessions, "fitter", PASSWORD, person_id=ids["fitter"])
    return ids


def add_event(sessions: sessionmaker[Session], ids: dict[str, Any], seq: int, card: int | None,
              *, kind: str = "access", reader: int = 1, ts: int | None = None,
              photo: bytes | None = None) -> int:
    with sessions() as session:
        event = Event(controller_id=ids["controller"], seq=seq, ts=ts or int(time.time()),
                      reader=reader, door=1, card_format=None if card is None else 1,
                      card_value=None if card is None else (7 << 16) | card, kind=kind,
                      reason=0, granted=True, faces=2, photo=f"ev{seq}" if photo else None,
                      historical=False)
        session.add(event)
        session.flush()
        if photo:
            session.add(AccessPhoto(controller_id=ids["controller"], photo=f"ev{seq}", seq=seq,
                                    event_id=event.id, taken_at=event.ts, width=4, height=3,
                                    faces=2, boxes=[], size=len(photo), sha256=b"\0" * 32,
                                    chunk_count=1, received=1, complete=True, data=photo,
                                    retention_until=event.ts + 86400))
        session.commit()
        return event.id


def messages(stream: Iterator[bytes], wanted: int) -> list[dict[str, Any]]:
    """Read the stream until ``wanted`` events arrived; their data."""
    found: list[dict[str, Any]] = []
    buffer = ""
    for chunk in stream:
        buffer += chunk.decode()
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            data = [line[6:] for line in block.splitlines() if line.startswith("data: ")]
            if data:
                found.append(json.loads(data[0]))
        if len(found) >= wanted:
            return found
    raise AssertionError(f"the stream ended after {found}")


def test_new_events_arrive_on_the_stream_with_photo_and_faces(
        browser: Browser, web_sessions: sessionmaker[Session], fast_stream: None) -> None:
    ids = arrange(web_sessions)
    browser.login("admin", PASSWORD)
    page = browser.get("/sites/factory/events").get_data(as_text=True)
    assert "Worker Test" in page and "door forced open" in page
    last = max(int(v) for v in re.findall(r'data-id="(\d+)"', page))
    response = browser.client.get(f"/sites/factory/events/stream?after={last}", buffered=False)
    assert response.mimetype == "text/event-stream"
    stream = iter(response.response)
    assert next(stream).startswith(b"retry:")
    new = add_event(web_sessions, ids, 10, 1, photo=JPEG)
    (row,) = messages(stream, 1)
    response.close()
    assert row["id"] == new and row["person"] == "Worker Test" and row["faces"] == 2
    assert row["point"] == "Gate (entry)" and row["result"] == "granted"
    assert row["photo"] == f"/sites/factory/events/{new}/photo"
    photo = browser.get(row["photo"])
    assert photo.status_code == 200 and photo.data == JPEG and photo.mimetype == "image/jpeg"


def test_the_stream_and_photos_show_only_persons_one_may_see(
        browser: Browser, web_sessions: sessionmaker[Session], fast_stream: None) -> None:
    ids = arrange(web_sessions)
    browser.login("fitter", PASSWORD)
    page = browser.get("/sites/factory/events").get_data(as_text=True)
    assert "Worker Test" not in page and "door forced" not in page and "data-id" not in page
    response = browser.client.get("/sites/factory/events/stream", buffered=False)
    stream = iter(response.response)
    next(stream)
    hidden = add_event(web_sessions, ids, 11, 1, photo=JPEG)  # the worker's card
    add_event(web_sessions, ids, 12, None, kind="door_held")  # nobody's
    with web_sessions() as session:  # a card for the fitter himself
        badge = badges.register_badge(session, ids["site"], "H10301:7:3")
        badges.issue_badge(session, badge.id, person_id=ids["fitter"])
        session.commit()
    mine = add_event(web_sessions, ids, 13, 3)
    (row,) = messages(stream, 1)
    response.close()
    assert row["id"] == mine and row["person"] == "Fitter Test"
    assert browser.get(f"/sites/factory/events/{hidden}/photo").status_code == 404


def test_presence_follows_the_latest_passage(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    ids = arrange(web_sessions)
    with web_sessions() as session:
        add_reader(session, ids["controller"], reader_no=2, access_point_id=ids["exit"])
        door = access.create_door(session, ids["site"], name="Office door",
                                  from_room_id=ids["hall"], to_room_id=ids["office"])
        add_reader(session, ids["controller"], reader_no=3,
                   access_point_id=door.access_points[0].id)
        session.commit()
    now = int(time.time())
    add_event(web_sessions, ids, 20, 1, ts=now - 50)  # the worker enters the hall
    browser.login("admin", PASSWORD)
    page = browser.get("/sites/factory/presence").get_data(as_text=True)
    assert "Hall" in page and "Worker Test" in page
    add_event(web_sessions, ids, 21, 1, reader=3, ts=now - 40)  # ... goes on into the office
    page = browser.get("/sites/factory/presence").get_data(as_text=True)
    assert "Office" in page and "Worker Test" in page and "Hall <small" not in page
    add_event(web_sessions, ids, 22, 1, reader=2, ts=now - 30)  # ... and leaves (exit)
    assert "Nobody is in." in browser.get("/sites/factory/presence").get_data(as_text=True)
    # a user who may not see the worker never sees him in
    add_event(web_sessions, ids, 23, 1, ts=now - 20)
    other = Browser(browser.client.application.test_client())
    other.login("fitter", PASSWORD)
    assert "Nobody is in." in other.get("/sites/factory/presence").get_data(as_text=True)


def test_dashboard_shows_controllers_versions_and_alarms(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    ids = arrange(web_sessions)
    with web_sessions() as session:
        session.add(ControllerSync(controller_id=ids["controller"], online=True,
                                   applied_version=3, firmware="edge 1.2", readers="[]",
                                   pending_events=0, auth_failures=0, replays=0,
                                   last_problem=""))
        session.add(ListSnapshot(controller_id=ids["controller"], version=5,
                                 content_hash=b"\1" * 32, snapshot=b""))
        session.commit()
    browser.login("admin", PASSWORD)
    page = browser.get("/sites/factory/").get_data(as_text=True)
    assert '<div class="big ok" id="count-online">1</div>' in page
    assert "edge 1.2" in page and '<td class="warn">2</td>' in page  # 2 versions behind
    assert "door forced open" in page  # the alarm
    # a user without the controllers module sees neither controllers nor alarms
    plain = Browser(browser.client.application.test_client())
    plain.login("eva", PASSWORD)
    page = plain.get("/sites/factory/").get_data(as_text=True)
    assert "count-online" not in page and "door forced" not in page
