"""A concentrator: one agent, several reader heads and doors, and the loop that times them.

Readers are bound to doors (``ReaderBinding``): a door may have an entry and an exit
reader, and a reader belongs to one door. The concentrator owns each door's free-open
schedule and runs the timers of every door on one thread (:meth:`run_timers`), which
sleeps until the earliest deadline or until a door reports a new one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from edge.door.clock import Clock, SystemClock
from edge.door.config import ReaderBinding
from edge.door.errors import DoorConfigError, UnknownDoorError
from edge.door.machine import Door
from edge.door.schedule import FreeOpenSchedule

log = logging.getLogger(__name__)
IDLE_WAIT = 60.0  # seconds the timer loop sleeps with nothing pending (it is woken earlier)


class Concentrator:
    """Doors by id, the reader -> door bindings, free-open schedules and the timer loop."""

    def __init__(self, doors: Iterable[Door], bindings: Iterable[ReaderBinding],
                 clock: Clock | None = None) -> None:
        self._clock: Clock = clock or SystemClock()
        self.doors: dict[int, Door] = {}
        for door in doors:
            if door.id in self.doors:
                raise DoorConfigError(f"door {door.id} is configured twice")
            self.doors[door.id] = door
        self.bindings: dict[int, ReaderBinding] = {}
        for binding in bindings:
            if binding.reader in self.bindings:
                raise DoorConfigError(f"reader {binding.reader} is bound to two doors")
            if binding.door not in self.doors:
                raise DoorConfigError(f"reader {binding.reader} is bound to door "
                                      f"{binding.door}, which is not configured")
            self.bindings[binding.reader] = binding
        self._schedules: dict[int, FreeOpenSchedule] = {}
        self._wake = threading.Event()
        for door in self.doors.values():
            door.wake = self._wake.set

    def binding(self, reader: int) -> ReaderBinding | None:
        """The door (and direction) reader ``reader`` opens; None for an unbound reader."""
        return self.bindings.get(reader)

    def door(self, door_id: int) -> Door:
        """Door ``door_id``; :class:`UnknownDoorError` names the known doors otherwise."""
        door = self.doors.get(door_id)
        if door is None:
            known = ", ".join(str(d) for d in sorted(self.doors)) or "none"
            raise UnknownDoorError(f"unknown door {door_id}; this controller has: {known}")
        return door

    def command(self, door_id: int, op: str, duration_ms: int = 0,
                req: str | None = None) -> None:
        """A remote command for one door (the sync layer's door port)."""
        self.door(door_id).command(op, duration_ms, req)

    def set_free_open(self, door_id: int, schedule: FreeOpenSchedule) -> None:
        """Replace door ``door_id``'s free-open windows and apply them now."""
        door = self.door(door_id)
        self._schedules[door_id] = schedule
        door.set_free_open(schedule.inside(self._clock.time()))
        self._wake.set()

    def tick(self) -> None:
        """Apply free-open schedules and run every door's due timers."""
        utc = self._clock.time()
        for door_id, schedule in self._schedules.items():
            self.doors[door_id].set_free_open(schedule.inside(utc))
        for door in self.doors.values():
            door.tick()

    def seconds_to_next(self) -> float | None:
        """Seconds until :meth:`tick` has something to do (None: nothing is pending)."""
        mono = self._clock.monotonic()
        utc = self._clock.time()
        waits = [t - mono for t in (d.next_deadline() for d in self.doors.values())
                 if t is not None]
        for schedule in self._schedules.values():
            change = schedule.next_change(utc)
            if change is not None:
                waits.append(change - utc)
        return max(0.0, min(waits)) if waits else None

    def run_timers(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set; run it on its own thread (``start_timers``)."""
        while not stop.is_set():
            self._wake.clear()  # before computing: a deadline set from now on wakes us
            try:
                self.tick()
                wait = self.seconds_to_next()
            except Exception:  # the loop must survive anything one door does; logged
                log.exception("door timer loop: tick failed")
                wait = 1.0
            self._wake.wait(IDLE_WAIT if wait is None else min(wait, IDLE_WAIT))

    def start_timers(self, stop: threading.Event) -> threading.Thread:
        """Start :meth:`run_timers` on a daemon thread and return it."""
        thread = threading.Thread(target=self.run_timers, args=(stop,),
                                  name="door-timers", daemon=True)
        thread.start()
        return thread

    def stop_timers(self, stop: threading.Event, thread: threading.Thread) -> None:
        """Stop the loop started by :meth:`start_timers` and wait for it."""
        stop.set()
        self._wake.set()
        thread.join()
