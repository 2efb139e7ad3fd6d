"""``EdgeSync``: the edge's sync client, wired together (``vratnik edge run`` starts one).

Threads: the link's network thread (paho; its callbacks only enqueue) and one worker
thread that owns every piece of sync state and does all the work: it unpacks and
verifies hub messages, updates the list, acknowledges and sends events, runs commands
and publishes the answers. ``decide_now`` may be called from any thread (the reader
loop): it reads the active list through one reference and appends to the outbox.

On every connection: the will (``death``, retained, a new persisted session) is set,
the edge subscribes, and only when the broker has confirmed the subscriptions does it
publish ``birth`` (retained), ask for the list it missed and resend unacknowledged
events. ``stop()`` publishes ``death`` itself and disconnects cleanly.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from edge.core.decide import HORIZON_DENY, decide
from edge.core.reasons import GRANTED, PIN_REQUIRED, UNKNOWN_CARD
from edge.photos.store import PhotoStore
from edge.photos.upload import PhotoUploader
from edge.store.listfile import ListStore
from edge.store.outbox import Outbox, OutboxConfig
from edge.sync.activelist import ActiveList
from edge.sync.commands import CommandRunner
from edge.sync.config import SyncConfig
from edge.sync.doors import DoorPort, MemoryDoors
from edge.sync.errors import SyncError
from edge.sync.events import EventSender, event_payload
from edge.sync.link import Connected, Disconnected, LinkEvent, MqttLink, Received, Subscribed
from edge.sync.lists import ListSync
from edge.sync.outgoing import Outgoing
from edge.sync.photos import PhotoSender
from edge.sync.seal import Authenticator
from edge.sync.snapshot import Progress, SnapshotAssembler
from edge.sync.state import SyncState
from protocols.portable import cardkey, topics

log = logging.getLogger(__name__)

TICK = 0.2  # seconds between timer checks of the worker
STATE_FLUSH = 1.0  # seconds between saves of the verifier counters and manifest
DEATH_TIMEOUT = 2.0  # seconds to wait for the broker to take the death on stop
_U32 = 0xFFFFFFFF


@dataclass(frozen=True)
class SyncStatus:
    """What ``EdgeSync.status()`` reports; ``as_dict()`` gives plain values."""

    connected: bool  # the broker accepted the connection
    online: bool  # subscribed and birth published on this connection
    link_error: str | None  # why the last connection attempt failed
    session: int
    hub_online: bool | None  # from the hub's retained status (None: not heard yet)
    list_version: int | None
    list_hash: bytes | None
    desired_version: int | None  # the manifest's
    in_sync: bool
    snapshot_progress: Progress | None
    last_seq: int
    acked_seq: int
    unacknowledged: int
    list_errors: int
    rejected_messages: int  # forged, altered, malformed, misplaced
    replayed_messages: int  # replays and duplicates, dropped quietly
    commands_executed: int
    commands_expired: int
    connections: int

    def as_dict(self) -> dict[str, object]:
        values = asdict(self)
        values["list_hash"] = None if self.list_hash is None else self.list_hash.hex()
        return values


class _Wake:
    """Queue item: new events in the outbox."""


class _Stop:
    """Queue item: the worker ends."""


class EdgeSync:
    """One controller's sync with the hub over MQTT (see the module docstring)."""

    def __init__(self, config: SyncConfig, doors: DoorPort | None = None, *,
                 clock: Callable[[], float] = time.time,
                 outbox_config: OutboxConfig | None = None,
                 after_horizon: int = HORIZON_DENY) -> None:
        self.config = config.check()
        self._clock = clock
        self._after_horizon = after_horizon
        data = Path(config.data_dir)
        data.mkdir(parents=True, exist_ok=True)
        self.state = SyncState(data)
        self.auth = Authenticator(config, self.state)
        self.active = ActiveList(ListStore(data), config.controller)
        self.outbox = Outbox(data / "outbox", outbox_config)
        self.lists = ListSync(self.active, SnapshotAssembler(data / "snapshot"), self.state,
                              clock, config.request_timeout)
        self.events = EventSender(self.outbox, clock, config.batch_events,
                                  config.max_in_flight, config.ack_timeout)
        self.doors: DoorPort = doors if doors is not None else MemoryDoors((), clock)
        self.commands = CommandRunner(self.doors, clock)
        prefix, site, ctl = config.prefix, config.site, config.controller
        self._topics = {channel: topics.controller_topic(prefix, site, ctl, channel)
                        for channel in topics.CHANNELS if channel != topics.HUB_STATUS}
        self._topics[topics.HUB_STATUS] = topics.hub_status_topic(prefix, site)
        self._subscriptions = topics.edge_subscriptions(prefix, site, ctl)
        self._queue: queue.Queue[LinkEvent | _Wake | _Stop] = queue.Queue()
        self._link = MqttLink(config, self._queue.put, self._make_will)
        self._session = self.state.session
        self._subscribe_mid: int | None = None
        self._online = False  # subscribed and birth published on this connection
        self._worker: threading.Thread | None = None
        self._last_flush = 0.0
        self.hub_online: bool | None = None
        self.connections = 0
        self.photos: PhotoSender | None = None  # attach_photos(): upload access photos

    # -- life cycle --------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker and the connection (returns at once; see ``status()``)."""
        if self._worker is not None:
            return
        self._worker = threading.Thread(target=self._run, name="edge-sync", daemon=True)
        self._worker.start()
        self._link.start()

    def stop(self) -> None:
        """Publish ``death``, disconnect cleanly, stop the threads, save the state."""
        if self._worker is None:
            return
        if self._link.connected:
            topic = self._topics["state"]
            payload = self.auth.pack(topic, "death",
                                     {"ctl": self.config.controller, "session": self._session})
            info = self._link.publish(topic, payload, retain=True)
            try:
                info.wait_for_publish(DEATH_TIMEOUT)
            except (RuntimeError, ValueError) as err:
                log.warning("death not confirmed by the broker: %s", err)
        self._link.stop()
        self._queue.put(_Stop())
        self._worker.join(10)
        self._worker = None
        self.state.save()
        self.outbox.close()

    def attach_photos(self, store: PhotoStore, window: int = 4) -> PhotoSender:
        """Upload the photos of ``store`` to the hub (after the events, one at a time).
        May be called after :meth:`start`: the worker picks the sender up at its next tick
        (the agent starts the camera last)."""
        self.photos = PhotoSender(PhotoUploader(store, window), self._clock,
                                  self.config.ack_timeout)
        return self.photos

    def notify_photos(self) -> None:
        """A photo was stored: upload it now rather than at the next tick."""
        self._queue.put(_Wake())

    def __enter__(self) -> EdgeSync:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the decision path (any thread) --------------------------------------------------
    def decide_now(self, card: int, reader: int, pin: str | None = None, *,
                   door: int | None = None, now: int | None = None) -> int:
        """Decide from the active list and record the access event; the reason code.

        A PIN prompt (``PIN_REQUIRED``) is not an outcome and is not recorded.
        """
        moment = int(self._clock()) if now is None else now
        compiled = self.active.current  # one read: a swap cannot tear this decision
        if compiled is None:
            reason = UNKNOWN_CARD
        else:
            reason = decide(card, reader, compiled, moment, pin,
                            after_horizon=self._after_horizon)
        if reason != PIN_REQUIRED:
            self.record_event("access", moment, reader=reader, door=door, card=card,
                              reason=reason, granted=reason == GRANTED)
        log.debug("card %s at reader %s: reason %s", cardkey.masked(card), reader, reason)
        return reason

    def record_event(self, kind: str, ts: int, *, reader: int | None = None,
                     door: int | None = None, card: int | None = None, reason: int = 0,
                     granted: bool = False, faces: int | None = None,
                     photo: str | None = None) -> int:
        """Store an event durably in the outbox (its seq) and wake the sender."""
        seq = self.outbox.append(kind, event_payload(ts, reader, door, card, reason, granted,
                                                     faces, photo))
        self._queue.put(_Wake())
        return seq

    def status(self) -> SyncStatus:
        """A consistent-enough snapshot of the sync state for the agent's status report."""
        manifest = self.state.manifest
        progress = self.lists.assembler.progress
        return SyncStatus(
            connected=self._link.connected,
            online=self._online,
            link_error=self._link.last_error,
            session=self._session,
            hub_online=self.hub_online,
            list_version=self.active.version,
            list_hash=self.active.hash,
            desired_version=None if manifest is None else manifest.version,
            in_sync=self.lists.in_sync(),
            snapshot_progress=progress,
            last_seq=self.outbox.last_seq,
            acked_seq=self.outbox.acked_seq,
            unacknowledged=self.events.unacknowledged,
            list_errors=self.lists.errors,
            rejected_messages=self.auth.rejected,
            replayed_messages=self.auth.replays,
            commands_executed=self.commands.executed,
            commands_expired=self.commands.expired,
            connections=self.connections,
        )

    # -- the worker ----------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=TICK)
            except queue.Empty:
                item = None
            if isinstance(item, _Stop):
                return
            try:
                if item is not None:
                    self._handle(item)
                self._tick()
            except SyncError as err:
                log.error("sync: %s", err)
            except Exception:  # the door must keep working whatever a message did
                log.exception("sync worker: unexpected error (continuing)")

    def _handle(self, item: LinkEvent | _Wake) -> None:
        if isinstance(item, Received):
            self._received(item.topic, item.payload)
        elif isinstance(item, _Wake):
            self._send(self.events.pump())
            if self.photos is not None and self._online:
                self._send(self.photos.pump())
        elif isinstance(item, Connected):
            self._session = item.session
            self._online = False
            self.connections += 1
            log.info("connected to the broker (session %s)", item.session)
            self._subscribe_mid = self._link.subscribe(self._subscriptions)
        elif isinstance(item, Subscribed):
            if item.mid != self._subscribe_mid:
                return
            refused = [t for (t, _q), code in zip(self._subscriptions, item.granted,
                                                  strict=False) if code >= 0x80]
            if refused:
                log.error("the broker refused subscriptions %s (ACL?)", refused)
            self._announce()
        elif isinstance(item, Disconnected):
            self._online = False
            self.events.on_disconnect()
            log.info("disconnected from the broker (%s)", item.reason)

    def _announce(self) -> None:
        """Birth, then what was missed: the list request and the unacknowledged events."""
        self._send([Outgoing("birth", "birth", self._birth_fields())])
        self._online = True
        self._send(self.lists.on_connect())
        self.events.on_connect()
        self._send(self.events.pump())
        if self.photos is not None:
            self._send(self.photos.on_connect())

    def _received(self, topic: str, payload: bytes) -> None:
        unpacked = self.auth.unpack(topic, payload)
        if unpacked is None:
            return
        msg_type, fields = unpacked
        if msg_type == "manifest":
            self._send(self.lists.on_manifest(fields))
        elif msg_type == "snapshot_chunk":
            self._send(self.lists.on_chunk(fields))
        elif msg_type == "delta":
            self._send(self.lists.on_delta(fields))
        elif msg_type == "event_ack":
            self.events.on_ack(fields)
            self._send(self.events.pump())
        elif msg_type == "photo_ack":
            if self.photos is not None:
                self._send(self.photos.on_ack(fields))
        elif msg_type == "command":
            self._send([self.commands.run(fields)])
        elif msg_type == "hub_status":
            was, self.hub_online = self.hub_online, bool(fields["online"])
            if self.hub_online and was is False and self._online:
                log.info("the hub is back: announcing again")
                self._announce()

    def _tick(self) -> None:
        if self._online:
            self._send(self.lists.tick())
            self._send(self.events.tick())
            if self.photos is not None:
                self._send(self.photos.tick())
        now = self._clock()
        if self.state.dirty and now - self._last_flush >= STATE_FLUSH:
            self._last_flush = now
            self.state.save()

    def _send(self, messages: list[Outgoing]) -> None:
        for out in messages:
            topic = self._topics[out.channel]
            payload = self.auth.pack(topic, out.msg_type, out.fields)
            self._link.publish(topic, payload, retain=topics.retained(out.channel))

    def _birth_fields(self) -> dict[str, object]:
        now = int(self._clock())
        compiled = self.active.current
        left = 0 if compiled is None else max(0, min(_U32, compiled.horizon_end - now))
        return {
            "ctl": self.config.controller, "session": self._session, "ts": now,
            "applied": self.active.version, "horizon_left": left,
            "firmware": self.config.firmware,
            "pending": min(_U32, self.events.unacknowledged),
            "readers": [{"id": rid, "kind": kind, "ok": True}
                        for rid, kind in self.config.readers],
        }

    # -- the link's network thread -------------------------------------------------------
    def _make_will(self) -> tuple[int, str, bytes]:
        """A new persisted session and its sealed ``death`` (before each connect)."""
        session = self.state.next_session()
        topic = self._topics["state"]
        return session, topic, self.auth.pack(topic, "death",
                                              {"ctl": self.config.controller,
                                               "session": session})
