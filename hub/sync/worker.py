"""The worker thread: everything the edges send, in batches, one transaction per batch.

paho's callbacks only queue what arrives (hub.sync.link); this thread takes up to
``batch_max`` messages at a time, verifies each with the verifier of the controller its
topic names, and applies the whole batch in one database transaction: events ingested
idempotently, births and deaths, applied lists, command results, accepted counters,
rejected-message counts. Only after the commit does it acknowledge events, answer the
API threads waiting for an edge, and serve list requests: an ack therefore never covers
an event that is not safely stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from hub.dbtypes import utcnow
from hub.events.ingest import IngestResult, ingest_batches
from hub.photos.ingest import apply_chunk
from hub.sync import presence
from hub.sync.keys import save_counters
from hub.sync.link import Connected, Inbound
from hub.sync.models import CommandStatus, ControllerSync, DoorCommand
from hub.sync.peers import Peer
from hub.sync.txn import lock_for_writing
from protocols.portable import topics
from protocols.portable.auth import ReplayError
from protocols.portable.errors import AuthError, ProtocolError

if TYPE_CHECKING:
    from hub.sync.service import SyncService

log = logging.getLogger(__name__)

STOP = object()  # put on the inbox to end the worker
STORE_ATTEMPTS = 4
# list_error codes after which the edge fetches the full list by itself: a waiting
# activation keeps waiting for the list_applied that follows instead of failing.
RECOVERING = ("base_mismatch", "hash_mismatch")



@dataclass
class Message:
    """A verified message from one controller."""

    peer: Peer
    msg_type: str
    fields: dict[str, Any]


@dataclass
class Rejected:
    forged: int = 0
    replayed: int = 0
    last: str = ""


@dataclass
class Outcome:
    """What a committed batch leads to."""

    acks: dict[int, IngestResult] = field(default_factory=dict)
    applied: list[tuple[int, int]] = field(default_factory=list)
    errors: list[tuple[int, int | None, str]] = field(default_factory=list)
    results: list[tuple[str, str, str]] = field(default_factory=list)
    requests: list[Message] = field(default_factory=list)
    births: list[int] = field(default_factory=list)
    photo_acks: list[tuple[int, dict[str, object]]] = field(default_factory=list)


class Worker:
    """Drains the inbox of a :class:`~hub.sync.service.SyncService`."""

    def __init__(self, service: SyncService, inbox: queue.Queue[Any], batch_max: int) -> None:
        self._service = service
        self._inbox = inbox
        self._batch_max = batch_max
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.idle = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sync-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._inbox.put(STOP)
        if self._thread is not None:
            self._thread.join(10.0)
            self._thread = None

    def _run(self) -> None:
        while True:
            if self._inbox.empty():
                self.idle.set()
            first = self._inbox.get()
            self.idle.clear()
            if first is STOP:
                return
            items = [first]
            stop = False
            while len(items) < self._batch_max:
                try:
                    item = self._inbox.get_nowait()
                except queue.Empty:
                    break
                if item is STOP:
                    stop = True
                    break
                items.append(item)
            try:
                self.process(items)
            except Exception:  # one bad batch must not end the worker; edges re-send
                log.exception("sync worker: a batch of %s messages failed", len(items))
            if stop:
                return

    def process(self, items: list[Any]) -> None:
        """Verify, store and answer one batch (also called directly by tests)."""
        service = self._service
        now = utcnow()
        connected = [item.site for item in items if isinstance(item, Connected)]
        try:
            with service.sessions() as session:
                messages, rejected = self._verify(session, items)
                session.commit()  # a controller seen for the first time got its key row
            outcome = self._store_with_retries(messages, rejected, now)
        except SQLAlchemyError:
            log.exception("sync worker: database error; %s messages not acknowledged "
                          "(the edges send them again)", len(items))
            return
        self.batches += 1
        if outcome is not None:
            service.after_commit(outcome)
        for site in connected:
            service.on_connected(site)

    def _store_with_retries(self, messages: list[Message], rejected: dict[int, Rejected],
                            now: dt.datetime) -> Outcome | None:
        """Store the verified batch in one transaction; a busy database is retried (the
        messages were verified once: their counters are used up)."""
        service = self._service
        for attempt in range(1, STORE_ATTEMPTS + 1):
            counters = {m.peer.controller_id: (m.peer, service.peers.unsaved_counters(m.peer))
                        for m in messages}
            try:
                with service.sessions() as session:
                    lock_for_writing(session)
                    outcome = self._store(session, messages, now)
                    for controller_id, counts in rejected.items():
                        presence.count_rejections(session, controller_id, counts.forged,
                                                  counts.replayed, counts.last)
                    for controller_id, (_peer, changed) in counters.items():
                        save_counters(session, controller_id, changed)
                    session.commit()
            except OperationalError as err:
                if attempt == STORE_ATTEMPTS:
                    raise
                log.info("sync worker: database busy (%s), retrying the batch", err.orig)
                time.sleep(0.2 * attempt)
                continue
            for peer, changed in counters.values():
                service.peers.mark_saved(peer, changed)
            return outcome
        return None

    def _verify(self, session: Session, items: list[Any]
                ) -> tuple[list[Message], dict[int, Rejected]]:
        service = self._service
        messages: list[Message] = []
        rejected: dict[int, Rejected] = defaultdict(Rejected)
        for item in items:
            if not isinstance(item, Inbound):
                continue
            try:
                site, code, _channel = topics.parse(item.topic, service.settings.prefix)
            except ProtocolError as err:
                log.warning("dropped a message on an unexpected topic: %s", err)
                continue
            if code is None:
                continue  # hub/status: the presence of a hub, ours or another's
            peer = service.peers.lookup(session, site, code)
            if peer is None:
                log.warning("dropped a message for unknown controller %s/%s", site, code)
                continue
            try:
                msg_type, fields = service.peers.unpack(peer, item.topic, item.payload)
            except ReplayError:
                # a QoS 1 duplicate or a retained message seen again: already acted on
                rejected[peer.controller_id].replayed += 1
                continue
            except AuthError as err:
                log.warning("controller %s/%s: rejected a message on %s: %s", site, code,
                            item.topic, err)
                rejected[peer.controller_id].forged += 1
                rejected[peer.controller_id].last = f"rejected message: {err}"
                continue
            except ProtocolError as err:
                # The error names the field by path; it never carries a full card number.
                log.warning("controller %s/%s: invalid message on %s: %s", site, code,
                            item.topic, err)
                rejected[peer.controller_id].last = f"invalid message: {err}"
                continue
            messages.append(Message(peer, msg_type, fields))
        return messages, rejected

    def _store(self, session: Session, messages: list[Message], now: dt.datetime) -> Outcome:
        outcome = Outcome()
        events: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for message in messages:
            ctl = message.peer.controller_id
            fields = message.fields
            kind = message.msg_type
            if kind == "event_batch":
                events[ctl].extend(fields["events"])
            elif kind == "event":
                events[ctl].append(fields)
            elif kind == "birth":
                presence.on_birth(session, ctl, fields, now)
                outcome.births.append(ctl)
            elif kind == "death":
                presence.on_death(session, ctl, fields, now)
            elif kind == "list_applied":
                presence.on_applied(session, ctl, fields["version"], fields["hash"], now)
                outcome.applied.append((ctl, fields["version"]))
            elif kind == "list_error":
                presence.on_list_error(session, ctl, fields, now)
                if fields["code"] not in RECOVERING:
                    outcome.errors.append((ctl, fields["version"],
                                           f"{fields['code']}: {fields['detail']}"))
            elif kind == "command_result":
                self._command_result(session, ctl, fields, now)
                outcome.results.append((fields["req"], fields["status"], fields["detail"]))
            elif kind == "photo_chunk":
                answer = apply_chunk(session, ctl, fields,
                                     self._service.settings.photo_retention_days)
                outcome.photo_acks.append((ctl, answer))
            elif kind == "list_request":
                presence.seen(session, ctl, now)
                outcome.requests.append(message)
        if events:
            offsets = self._clock_offsets(session, events)
            settings = self._service.settings
            outcome.acks = ingest_batches(
                session, events, now=now, clock_offsets=offsets, late_after=settings.late_after,
                replay_interval=settings.replay_interval,
            )
            for ctl in events:
                presence.seen(session, ctl, now)
        return outcome

    @staticmethod
    def _clock_offsets(session: Session, events: dict[int, Any]) -> dict[int, int]:
        offsets = {}
        for ctl in events:
            row = session.get(ControllerSync, ctl)
            if row is not None and row.clock_offset is not None:
                offsets[ctl] = row.clock_offset
        return offsets

    @staticmethod
    def _command_result(session: Session, controller_id: int, fields: dict[str, Any],
                        now: dt.datetime) -> None:
        done = session.execute(
            update(DoorCommand)
            .where(DoorCommand.req == fields["req"], DoorCommand.controller_id == controller_id)
            .values(status=CommandStatus(fields["status"]), detail=fields["detail"][:1000],
                    finished_at=now)
        )
        if not getattr(done, "rowcount", 1):
            log.warning("controller %s: result for unknown command %s", controller_id,
                        fields["req"])
