"""What the hub has received: its events table and controller sync rows, watched from outside.

:class:`HubWatch` polls the hub's database (read-only) every ``interval`` seconds for
events newer than those present when it started, noting the moment it first saw each
one: that moment minus the moment the simulator presented the card is the event's lag
*as the hub sees it* (stored and committed), measured to about one poll interval.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.access.models import Controller
from hub.events.models import Event, EventCursor
from hub.sites.models import Site
from hub.sync.models import ControllerSync, ListSnapshot
from protocols.portable import cardkey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HubEvent:
    """One stored event, as the simulator reads it."""

    id: int
    controller: str
    seq: int
    ts: int
    kind: str
    reader: int | None
    door: int | None
    card: int | None  # the card key
    reason: int
    granted: bool
    faces: int | None
    photo: str | None
    historical: bool
    seen_at: float  # time.time() when the watcher first read it


@dataclass(frozen=True)
class ControllerView:
    code: str
    online: bool
    in_sync: bool
    events_upto: int
    max_seq: int


class HubWatch:
    """Polls one site's events and controller states in the hub database."""

    def __init__(self, sessions: sessionmaker[Session], site_code: str,
                 interval: float = 0.1) -> None:
        self._sessions = sessions
        self.interval = interval
        with sessions() as session:
            rows = session.execute(select(Controller.id, Controller.code)
                                   .join(Site, Site.id == Controller.site_id)
                                   .where(Site.code == site_code))
            self.codes: dict[int, str] = dict(rows.tuples().all())
            self._after = session.scalar(select(func.max(Event.id))) or 0
        self._lock = threading.Lock()
        self.events: list[HubEvent] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sim-hub-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def snapshot(self) -> list[HubEvent]:
        """Every event seen so far, in the order the hub stored them."""
        with self._lock:
            return list(self.events)

    def poll(self) -> int:
        """Read new events now; how many."""
        ids = list(self.codes)
        if not ids:
            return 0
        with self._sessions() as session:
            rows = session.scalars(select(Event).where(Event.id > self._after,
                                                       Event.controller_id.in_(ids))
                                   .order_by(Event.id)).all()
            seen = time.time()
            fresh = [HubEvent(
                id=row.id, controller=self.codes[row.controller_id], seq=row.seq, ts=row.ts,
                kind=row.kind, reader=row.reader, door=row.door,
                card=None if row.card_format is None or row.card_value is None
                else cardkey.card_key(row.card_format, row.card_value),
                reason=row.reason, granted=row.granted, faces=row.faces, photo=row.photo,
                historical=row.historical, seen_at=seen) for row in rows]
        if fresh:
            with self._lock:
                self.events.extend(fresh)
                self._after = fresh[-1].id
        return len(fresh)

    def controllers(self) -> dict[str, ControllerView]:
        """Each controller's link and list state, and how far its events are stored."""
        ids = list(self.codes)
        with self._sessions() as session:
            sync = {row.controller_id: row for row in session.scalars(
                select(ControllerSync).where(ControllerSync.controller_id.in_(ids)))}
            desired = {row.controller_id: row.content_hash for row in session.scalars(
                select(ListSnapshot).where(ListSnapshot.controller_id.in_(ids)))}
            cursors = {row.controller_id: row for row in session.scalars(
                select(EventCursor).where(EventCursor.controller_id.in_(ids)))}
        views: dict[str, ControllerView] = {}
        for ident, code in self.codes.items():
            row, cursor = sync.get(ident), cursors.get(ident)
            want = desired.get(ident)
            views[code] = ControllerView(
                code, bool(row and row.online),
                bool(row and want is not None and row.applied_hash == want),
                cursor.upto if cursor else 0, cursor.max_seq if cursor else 0)
        return views

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except SQLAlchemyError as err:  # SQLite busy now and then: the next poll reads it
                log.debug("hub watch: poll failed: %s", err)
