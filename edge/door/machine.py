"""The state machine of one door: lock relay, door contact, exit button, alarms.

Driven by events (a grant, the contact, the exit button, a remote command, a free-open
window) and by :meth:`Door.tick`, which the concentrator's timer loop calls at
:meth:`Door.next_deadline`. Time comes from the injected clock (``edge.door.clock``),
so tests move it by hand and never sleep.

The rules, in the words an installer uses:

* **Unlocked** while a *pulse* runs (a grant, the exit button, a remote ``pulse``), while
  *held* by a remote ``unlock``, or during a *free-open* window that no remote ``lock``
  has overridden. Otherwise locked. The relay level follows the lock type: fail-safe
  (energised = locked) or fail-secure (energised = unlocked).
* **Forced**: the contact opens while the door is locked and no exit request allows it:
  one ``door_forced`` alarm. A grant nobody used relocks silently after ``unlock_ms``;
  an opening after that is forced.
* **Held open**: after an allowed opening the door must close within ``held_open_ms``
  (counted from the opening, or from the end of a hold / free-open window if it was
  still open then); else one ``door_held`` alarm, and ``door_held_cleared`` on closing.
  A door held or free-open on purpose raises no held alarm.
* **Relock on close** (``relock_on_close``): closing after an opening ends the pulse at
  once, so one grant lets one person through.
* A remote ``lock`` ends pulses and holds and overrides a free-open window until the
  schedule next changes.

Every method takes the door's lock; the event sink is called under it and must only
queue the event (``edge.door.fanout``), never call back into the door.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from edge.door import events as ev
from edge.door.clock import Clock, SystemClock
from edge.door.config import MAX_DURATION_MS, DoorConfig
from edge.door.errors import DoorCommandError, DoorError
from edge.door.io import CONTACT, EXIT, DoorIO

log = logging.getLogger(__name__)
OPS = ("unlock", "lock", "pulse")


@dataclass(frozen=True)
class DoorState:
    """A snapshot for status reports, the simulator and tests."""

    locked: bool
    open: bool
    relay_energised: bool | None  # None: the last relay write failed
    forced: bool
    held_alarm: bool
    held: bool  # held unlocked by a remote unlock
    free_open: bool  # inside a free-open window (even if a remote lock overrides it)


class Door:
    """One door. ``sink`` receives its :class:`edge.door.events.DoorEvent` objects."""

    def __init__(self, config: DoorConfig, io: DoorIO, sink: ev.EventSink,
                 clock: Clock | None = None) -> None:
        self.config = config
        self.id = config.door
        self._io = io
        self._sink = sink
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self.wake: Callable[[], None] | None = None  # the timer loop's: a deadline changed
        self._pulse_until: float | None = None
        self._hold = False
        self._hold_until: float | None = None
        self._shunt_until: float | None = None  # an exit request that only allows opening
        self._held_at: float | None = None
        self._free_open = False
        self._override = False  # a remote lock beats the free-open window until it changes
        self._held_alarm = False
        self._forced = False
        self._relay: bool | None = None
        now = self._clock.monotonic()
        with self._lock:
            self._open = io.read(CONTACT)
            if self._open:  # open at boot: assume it was allowed, but it must close in time
                self._held_at = now + config.held_open_ms / 1000
            self._drive(now, force=True)
        io.watch(self._on_input)

    # -- events in -------------------------------------------------------------------

    def grant(self, duration_ms: int | None = None) -> None:
        """Release the lock for ``duration_ms`` (default ``unlock_ms``): a valid card."""
        with self._lock:
            now = self._advance()
            self._pulse(now, duration_ms or self.config.unlock_ms)
            self._drive(now, force=True)  # re-assert the level on every grant
        self._wake()

    def exit_request(self) -> None:
        """The exit button (REX): release (or only allow an opening), never an alarm."""
        with self._lock:
            now = self._advance()
            self._emit(ev.EXIT_BUTTON, now)
            ms = self.config.exit_ms or self.config.unlock_ms
            if self.config.exit_unlocks:
                self._pulse(now, ms)
                self._drive(now, force=True)
            else:
                self._shunt_until = max(self._shunt_until or now, now + ms / 1000)
        self._wake()

    def contact(self, opened: bool) -> None:
        """The door contact changed: ``opened`` True when the door opened."""
        with self._lock:
            now = self._advance()
            if opened != self._open:
                self._open = opened
                if opened:
                    self._opened(now)
                else:
                    self._closed(now)
                self._drive(now)
        self._wake()

    def command(self, op: str, duration_ms: int = 0, req: str | None = None) -> None:
        """A remote command (wire ``command``): ``unlock``, ``lock`` or ``pulse``.

        ``pulse`` releases for ``duration_ms`` (> 0); ``unlock`` holds the door unlocked
        until a ``lock`` (``duration_ms`` 0) or for ``duration_ms``; ``lock`` (0) relocks
        now. Bad arguments raise :class:`DoorCommandError` and change nothing.
        """
        check_command(op, duration_ms)
        with self._lock:
            now = self._advance()
            was_kept = self._kept_unlocked()
            if op == "pulse":
                self._pulse(now, duration_ms)
            elif op == "unlock":
                self._hold = True
                self._hold_until = now + duration_ms / 1000 if duration_ms else None
                self._override = False
            else:
                self._hold = False
                self._hold_until = self._pulse_until = self._shunt_until = None
                self._override = self._free_open
            self._kept_changed(was_kept, now)
            self._emit(ev.DOOR_COMMAND, now, op=op, duration_ms=duration_ms, req=req)
            self._drive(now, force=True)
        self._wake()

    def set_free_open(self, active: bool) -> None:
        """Enter or leave a free-open window (the concentrator follows the schedule)."""
        with self._lock:
            now = self._advance()
            if active != self._free_open:
                was_kept = self._kept_unlocked()
                self._free_open = active
                self._override = False  # a remote lock lasts until the schedule changes
                self._kept_changed(was_kept, now)
                self._emit(ev.FREE_OPEN_STARTED if active else ev.FREE_OPEN_ENDED, now)
                self._drive(now)
        self._wake()

    def tick(self) -> None:
        """Run the timers that are due (relock, hold end, held-open alarm)."""
        with self._lock:
            now = self._advance()
            self._drive(now)

    def next_deadline(self) -> float | None:
        """The monotonic instant :meth:`tick` has something to do (None: nothing pending)."""
        with self._lock:
            pending = [t for t in (self._pulse_until, self._hold_until, self._shunt_until,
                                   self._held_at) if t is not None]
        return min(pending) if pending else None

    def state(self) -> DoorState:
        with self._lock:
            now = self._advance()
            return DoorState(locked=not self._unlocked(now), open=self._open,
                             relay_energised=self._relay, forced=self._forced,
                             held_alarm=self._held_alarm, held=self._hold,
                             free_open=self._free_open)

    # -- the rules ---------------------------------------------------------------------

    def _advance(self) -> float:
        """Fire every deadline that is due, oldest first, each at its own instant."""
        now = self._clock.monotonic()
        while True:
            due = [(t, n) for n, t in enumerate((self._pulse_until, self._hold_until,
                                                 self._shunt_until, self._held_at))
                   if t is not None and t <= now]
            if not due:
                return now
            at, which = min(due)
            if which == 0:
                self._pulse_until = None
            elif which == 1:
                self._hold = False
                self._hold_until = None
                self._kept_changed(True, at)
            elif which == 2:
                self._shunt_until = None
            else:
                self._held_at = None
                self._held_alarm = True
                self._emit(ev.DOOR_HELD, at, held_open_ms=self.config.held_open_ms)

    def _pulse(self, now: float, duration_ms: int) -> None:
        self._pulse_until = max(self._pulse_until or now, now + duration_ms / 1000)

    def _kept_unlocked(self) -> bool:
        return self._hold or (self._free_open and not self._override)

    def _unlocked(self, now: float) -> bool:
        return self._kept_unlocked() or (self._pulse_until is not None
                                         and self._pulse_until > now)

    def _kept_changed(self, was_kept: bool, at: float) -> None:
        """A hold or free-open window began or ended: start or stop the held-open timer."""
        kept = self._kept_unlocked()
        if kept:
            self._held_at = None
        elif was_kept and self._open and not self._forced and not self._held_alarm:
            self._held_at = at + self.config.held_open_ms / 1000

    def _opened(self, now: float) -> None:
        allowed = self._unlocked(now) or self._shunt_until is not None
        self._emit(ev.DOOR_OPENED, now, authorised=allowed)
        if not allowed:
            self._forced = True
            self._emit(ev.DOOR_FORCED, now)
        elif not self._kept_unlocked():
            self._held_at = now + self.config.held_open_ms / 1000

    def _closed(self, now: float) -> None:
        self._emit(ev.DOOR_CLOSED, now)
        if self._held_alarm:
            self._emit(ev.DOOR_HELD_CLEARED, now)
        self._held_alarm = self._forced = False
        self._held_at = None
        if self.config.relock_on_close:
            self._pulse_until = self._shunt_until = None

    def _drive(self, now: float, force: bool = False) -> None:
        level = self.config.relay_level(locked=not self._unlocked(now))
        if level == self._relay and not force:
            return
        try:
            self._io.set_relay(level)
        except (OSError, DoorError) as err:
            self._relay = None  # unknown: the next change or tick writes again
            log.error("door %s: relay write failed: %s", self.id, err)
            self._emit(ev.DOOR_FAULT, now, detail=f"relay write failed: {err}"[:256])
        else:
            self._relay = level

    def _emit(self, kind: str, mono: float, **data: object) -> None:
        event = ev.DoorEvent(kind, int(self._clock.time() - (self._clock.monotonic() - mono)),
                             mono, door=self.id, data=data)
        try:
            self._sink(event)
        except Exception:  # a broken sink must never stop the door; the error is logged
            log.exception("door %s: the event sink failed on %s", self.id, kind)

    def _wake(self) -> None:
        if self.wake is not None:
            self.wake()

    def _on_input(self, line: str, active: bool) -> None:
        """The I/O port's watcher: runs on the port's thread (gpiozero's or the fake's)."""
        if line == CONTACT:
            self.contact(active)
        elif line == EXIT and active:  # the press, not the release
            self.exit_request()


def check_command(op: str, duration_ms: int) -> None:
    """Raise :class:`DoorCommandError` for a command the wire rules forbid."""
    if op not in OPS:
        raise DoorCommandError(f"unknown door command {op!r}; expected one of {', '.join(OPS)}")
    if type(duration_ms) is not int or not 0 <= duration_ms <= MAX_DURATION_MS:
        raise DoorCommandError(f"duration_ms must be an integer 0..{MAX_DURATION_MS}, "
                               f"got {duration_ms!r}")
    if op == "pulse" and duration_ms == 0:
        raise DoorCommandError("a pulse needs duration_ms > 0")
    if op == "lock" and duration_ms:
        raise DoorCommandError("lock takes no duration (duration_ms must be 0)")
