"""SQLite: a transaction that reads then writes must not fail because another writer
(the sync worker ingesting events) committed in between (hub.db.writing)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from hub.app import create_app, db_session, hub_state
from hub.badges.models import Badge
from hub.badges.services import withdraw_badge
from hub.config import HubConfig
from hub.db import make_engine, make_session_factory, upgrade
from hub.events.ingest import ingest
from hub.events.models import Event
from hub.sync.txn import lock_for_writing
from tests.hub.sync.conftest import build_plant

NOW = dt.datetime.now(dt.UTC)


def _event(seq: int) -> dict[str, Any]:
    return {"seq": seq, "ts": int(NOW.timestamp()), "reader": 1, "door": 1, "card": None,
            "kind": "access", "reason": 0, "granted": True, "faces": None, "photo": None,
            "historical": False}


class Ingester(threading.Thread):
    """Commits small event batches as fast as it can, as the sync worker does."""

    def __init__(self, sessions: sessionmaker[Session], controller_id: int) -> None:
        super().__init__(daemon=True)
        self.sessions, self.controller_id = sessions, controller_id
        self.stop_flag = threading.Event()
        self.seq = 0
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            while not self.stop_flag.is_set():
                with self.sessions() as session:
                    lock_for_writing(session)
                    batch = [_event(self.seq + n) for n in range(1, 6)]
                    ingest(session, self.controller_id, batch, now=NOW)
                    session.commit()
                    self.seq += 5
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)


def _database(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url)
    return url, make_engine(url)


def test_writing_session_waits_for_a_writer_that_commits_between_its_read_and_write(
        tmp_path: Path) -> None:
    _url, engine = _database(tmp_path)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE probe (n INTEGER)")
        writer = make_session_factory(engine, writes=True)
        plain = make_session_factory(engine)
        other_done = threading.Event()

        def other() -> None:
            with plain() as session:
                lock_for_writing(session)
                session.execute(text("INSERT INTO probe VALUES (2)"))
                session.commit()
            other_done.set()

        with writer() as session:
            assert session.scalar(text("SELECT count(*) FROM probe")) == 0  # the read
            thread = threading.Thread(target=other)
            thread.start()
            time.sleep(0.3)  # the other writer tries to commit in between: it must wait
            assert not other_done.is_set()
            session.execute(text("INSERT INTO probe VALUES (1)"))  # the write
            session.commit()
        thread.join(10)
        assert other_done.is_set()
        with plain() as session:
            assert sorted(session.scalars(text("SELECT n FROM probe"))) == [1, 2]
    finally:
        engine.dispose()


def test_api_request_withdraw_succeeds_while_events_are_ingested(tmp_path: Path) -> None:
    """A POST request's session reads a badge, the worker commits events, the request then
    withdraws the badge: the request waits for the lock instead of failing."""
    url, engine = _database(tmp_path)
    app = create_app(HubConfig(database_url=url, migrate_on_start=False,
                               instance_path=str(tmp_path / "instance")))
    sessions = make_session_factory(engine)
    ingester: Ingester | None = None
    try:
        plant = build_plant(sessions, persons=6)
        with sessions() as session:
            badge_ids = list(session.scalars(select(Badge.id).where(
                Badge.site_id == plant.site_id, Badge.person_id.is_not(None))))
        assert len(badge_ids) == 6
        ingester = Ingester(sessions, plant.controllers["door-1"])
        ingester.start()
        for badge_id in badge_ids:
            with app.test_request_context(method="POST"):
                session = db_session()
                assert session.get(Badge, badge_id) is not None  # the request reads first
                # the worker wants to commit now: with a deferred BEGIN it would, and the
                # withdraw below would fail; with BEGIN IMMEDIATE it waits for this request
                time.sleep(0.2)
                withdraw_badge(session, badge_id, note="left")
                session.commit()
        ingester.stop_flag.set()
        ingester.join(10)
        assert ingester.errors == []
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Badge).where(
                Badge.site_id == plant.site_id, Badge.person_id.is_not(None))) == 0
            stored = session.scalar(select(func.count()).select_from(Event).where(
                Event.controller_id == plant.controllers["door-1"]))
        assert stored == ingester.seq > 0
    finally:
        if ingester is not None:
            ingester.stop_flag.set()
            ingester.join(10)
        hub_state(app).engine.dispose()
        engine.dispose()
