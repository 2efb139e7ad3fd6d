"""The edge agent, wired: store -> sync -> doors -> card-to-relay path -> readers, + photos.

::

    readers (threads) ──ReaderEvent──► AccessPath.handle: decide() on sync.active.current
                                        ──► door.grant() (relay) ──► reader LED/buzzer
                                        ──► publish(access event)   a queue put
    EventFanout ──► OutboxWriter (fdatasync per batch) ──on_stored──► event log line
                                                       └──► PhotoFollower ──► CaptureWorker
    EdgeSync (worker + MQTT threads): list snapshots/deltas swapped atomically into
        sync.active, events from the same outbox to the hub, remote door commands
    Concentrator timer thread: relocks, held-open alarms

:meth:`Agent.start` builds and starts everything in that order; :meth:`Agent.stop`
takes it down so that no stored event is lost: readers first (no new swipes), then the
card path is quiet (its calls run on the reader threads, now joined), the outbox writer
catches up, the capture worker serves what it accepted, the fanout drains into the
outbox, the door timers stop, and the sync client publishes its ``death``, saves its
state and closes the outbox.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from edge.access_path import AccessPath
from edge.agent.datalock import DataDirLock
from edge.agent.doorio import DoorIOFactory, close_door_io, make_door_io
from edge.agent.media import Media
from edge.agent.readers import ReaderSet
from edge.config import AgentConfig
from edge.core import reasons
from edge.door.clock import Clock, SystemClock
from edge.door.concentrator import Concentrator
from edge.door.events import DoorEvent
from edge.door.fanout import EventFanout, Subscriber
from edge.door.io import DoorIO
from edge.door.machine import Door
from edge.door.outbox_writer import OutboxWriter
from edge.door.sync_port import ConcentratorDoorPort
from edge.errors import EdgeError
from edge.logging_setup import fields
from edge.sync import EdgeSync
from edge.sync.errors import DoorError as SyncDoorError

log = logging.getLogger(__name__)
DRAIN_TIMEOUT_S = 10.0


class AgentError(EdgeError):
    """The agent cannot start (its store, state or a required port is unusable)."""


class _LateDoorPort:
    """The sync client's door port, pointed at the concentrator once the doors exist.

    EdgeSync takes its door port when it is made, and the doors need the outbox (which
    EdgeSync opens) to be subscribed before they can report anything.
    """

    def __init__(self) -> None:
        self.target: ConcentratorDoorPort | None = None

    def _port(self) -> ConcentratorDoorPort:
        if self.target is None:
            raise SyncDoorError("the doors are not ready yet")
        return self.target

    def unlock(self, door: int, duration_ms: int) -> None:
        self._port().unlock(door, duration_ms)

    def lock(self, door: int) -> None:
        self._port().lock(door)

    def pulse(self, door: int, duration_ms: int) -> None:
        self._port().pulse(door, duration_ms)


@dataclass(frozen=True)
class StopReport:
    """What :meth:`Agent.stop` saw: events published and stored, and the outbox."""

    published: int
    stored: int
    refused: int
    last_seq: int
    acked_seq: int
    clean: bool  # every thread ended in time and every published event was handled


class Agent:
    """One controller's agent; ``door_io`` builds each door's port (tests, the simulator)."""

    def __init__(self, config: AgentConfig, *, door_io: DoorIOFactory = make_door_io,
                 clock: Clock | None = None, firmware: str = "vratnik-edge") -> None:
        self.config = config
        self._door_io = door_io
        self._clock: Clock = clock or SystemClock()
        self._firmware = firmware
        self._pub_lock = threading.Lock()
        self._published = 0
        self._closed = False
        self.fanout = EventFanout()
        self.sync: EdgeSync | None = None
        self.writer: OutboxWriter | None = None
        self._writer_sub: Subscriber | None = None
        self.photos: Media | None = None  # when a camera is configured and works
        self.ios: dict[int, DoorIO] = {}
        self.concentrator: Concentrator | None = None
        self._timer_stop = threading.Event()
        self._timer_thread: threading.Thread | None = None
        self.access: AccessPath | None = None
        self.readers = ReaderSet(config.readers)
        self._lock: DataDirLock | None = None
        self.started = False

    # -- the event path ------------------------------------------------------------------
    def publish(self, event: DoorEvent) -> None:
        """Every door and access event goes through here to the fanout (never blocks)."""
        with self._pub_lock:
            if self._closed:
                log.warning("%s event after shutdown was not stored", event.kind,
                            extra=fields(kind=event.kind, door=event.door))
                return
            self._published += 1
        self.fanout.publish(event)

    def _on_stored(self, event: DoorEvent, seq: int) -> None:
        """The outbox writer's hook: one log line per stored event, then its photo."""
        reason = None if event.reason is None else reasons.name(event.reason)
        line: dict[str, object] = {k: v for k, v in event.data.items()
                                   if isinstance(v, int | str | bool)}
        line.update(seq=seq, kind=event.kind, door=event.door, reader=event.reader,
                    card=event.card, granted=event.granted, reason=reason)
        log.info("event stored", extra=fields(**line))
        if self.photos is not None:
            self.photos.follower.on_stored(event, seq)

    # -- start ---------------------------------------------------------------------------
    def start(self) -> None:
        """Build and start everything (once per Agent); if a step fails, what had started is
        stopped again and the step's error (an EdgeError such as AgentError) is raised."""
        if self.started:
            return
        try:
            self._start()
        except Exception:
            self.stop(timeout=5.0)
            raise
        self.started = True

    def _start(self) -> None:
        config = self.config
        self._lock = DataDirLock(config.data_dir)
        self._lock.acquire()  # one agent per data directory: two would corrupt the outbox
        port = _LateDoorPort()
        try:
            self.sync = EdgeSync(config.sync_config(self._firmware), port,
                                 outbox_config=config.outbox,
                                 after_horizon=config.after_horizon)
        except (EdgeError, OSError) as err:
            raise AgentError(f"cannot open the agent's store in {config.data_dir}: {err}") \
                from err
        self.writer = OutboxWriter(self.sync.outbox, on_stored=self._on_stored)
        self._writer_sub = self.fanout.subscribe("outbox", self.writer)
        doors = []
        for settings in config.doors:
            io = self._door_io(settings)
            self.ios[settings.config.door] = io
            doors.append(Door(settings.config, io, self.publish, self._clock))
        self.concentrator = Concentrator(doors, config.bindings, self._clock)
        port.target = ConcentratorDoorPort(self.concentrator)
        self._timer_thread = self.concentrator.start_timers(self._timer_stop)
        sync = self.sync
        self.access = AccessPath(self.concentrator, lambda: sync.active.current,
                                 self.publish, self._clock, config.after_horizon,
                                 feedback=self.readers.feedback)
        self.readers.build(self.access.handle)
        unbound = [r for r in self.readers.ids() if self.concentrator.binding(r) is None]
        if unbound:
            log.warning("readers %s open no door (no [[bindings]] entry)", unbound)
        self.sync.start()
        self.readers.start()
        if config.camera is not None:  # last: a slow camera must not keep the doors waiting
            self.photos = Media.start(config, self.publish, self._clock)
            if self.photos is not None:  # stored photos go to the hub after the events
                self.sync.attach_photos(self.photos.store)
        log.info("agent started", extra=fields(
            site=config.site, controller=config.controller, readers=len(self.readers.ids()),
            doors=len(doors), camera=config.camera is not None,
            list_version=self.sync.active.version, last_seq=self.sync.outbox.last_seq))

    # -- stop ----------------------------------------------------------------------------
    def stop(self, timeout: float = DRAIN_TIMEOUT_S) -> StopReport:
        """Stop without losing an event (see the module docstring); safe to call twice."""
        clean = True
        deadline = time.monotonic() + timeout
        clean &= self.readers.stop()  # no new swipes; the card path ran on these threads
        clean &= self._wait_writer(deadline)
        if self.photos is not None:
            self.photos.stop(max(0.5, deadline - time.monotonic()))  # may publish photos
        with self._pub_lock:
            self._closed = True
        clean &= self.fanout.close(max(0.5, deadline - time.monotonic()))
        if self.concentrator is not None and self._timer_thread is not None:
            self.concentrator.stop_timers(self._timer_stop, self._timer_thread)
            self._timer_thread = None
        last = acked = 0
        if self.sync is not None:
            self.sync.stop()  # death, disconnect, state saved, outbox closed
            self.sync.outbox.close()  # (when the sync client never started)
            last, acked = self.sync.outbox.last_seq, self.sync.outbox.acked_seq
        for io in self.ios.values():
            close_door_io(io)
        self.ios = {}
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        writer = self.writer
        report = StopReport(self._published, writer.stored if writer else 0,
                            writer.refused if writer else 0, last, acked, clean)
        if self.started:
            log.info("agent stopped", extra=fields(
                published=report.published, stored=report.stored, refused=report.refused,
                last_seq=last, acked_seq=acked, clean=clean))
        self.started = False
        return report

    def _wait_writer(self, deadline: float) -> bool:
        """Until the outbox writer has handled every event published so far."""
        sub = self._writer_sub
        if sub is None:
            return True
        with self._pub_lock:
            target = self._published
        while sub.handled + sub.failures < target:
            if time.monotonic() > deadline:
                log.error("the outbox writer is %d events behind at shutdown",
                          target - sub.handled - sub.failures)
                return False
            time.sleep(0.005)
        return True

    # -- status --------------------------------------------------------------------------
    def status(self) -> dict[str, object]:
        """Plain values for the periodic status line and the simulator."""
        out: dict[str, object] = {"published": self._published}
        if self.sync is not None:
            sync = self.sync.status()
            out.update(connected=sync.connected, online=sync.online,
                       list_version=sync.list_version, in_sync=sync.in_sync,
                       last_seq=sync.last_seq, acked_seq=sync.acked_seq,
                       unacknowledged=sync.unacknowledged, link_error=sync.link_error)
        if self._writer_sub is not None:
            out["outbox_backlog"] = self._writer_sub.backlog()
        stopped = [ids for ids, running in self.readers.running().items() if not running]
        out["readers_stopped"] = " ".join(stopped) or None  # a crashed reader thread shows
        if self.photos is not None:
            out.update({f"photos_{k}": v for k, v in self.photos.follower.stats().items()})
        return out
