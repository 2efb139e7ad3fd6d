"""The door port the sync client moves doors through, and an in-memory implementation.

The real door state machine (relay, sensor, held-open alarm) comes later and will
implement :class:`DoorPort`; :class:`MemoryDoors` is a working implementation for the
simulator and tests: it keeps each door's lock state and relocks on its clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from edge.sync.errors import DoorError


class UnknownDoorError(DoorError):
    """The controller has no door with this number."""


class DoorPort(Protocol):
    """What a command can do to a door. Each call raises DoorError when it cannot."""

    def unlock(self, door: int, duration_ms: int) -> None:
        """Release the door; relock after ``duration_ms`` (0: stay released until lock)."""

    def lock(self, door: int) -> None:
        """Lock the door now."""

    def pulse(self, door: int, duration_ms: int) -> None:
        """Release the door for ``duration_ms`` (> 0) and relock (a momentary unlock)."""


@dataclass
class DoorState:
    """One door: released until ``until`` (seconds on the clock; None: until locked)."""

    unlocked: bool = False
    until: float | None = None


class MemoryDoors:
    """Doors held in memory; ``history`` lists every operation carried out."""

    def __init__(self, doors: Iterable[int], clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._doors = {door: DoorState() for door in doors}
        self.history: list[tuple[str, int, int]] = []  # (op, door, duration_ms)

    def _door(self, door: int) -> DoorState:
        state = self._doors.get(door)
        if state is None:
            raise UnknownDoorError(f"no door {door} on this controller")
        return state

    def unlock(self, door: int, duration_ms: int) -> None:
        with self._lock:
            state = self._door(door)
            state.unlocked = True
            state.until = self._clock() + duration_ms / 1000 if duration_ms else None
            self.history.append(("unlock", door, duration_ms))

    def lock(self, door: int) -> None:
        with self._lock:
            state = self._door(door)
            state.unlocked, state.until = False, None
            self.history.append(("lock", door, 0))

    def pulse(self, door: int, duration_ms: int) -> None:
        if duration_ms <= 0:
            raise DoorError("a pulse needs a duration above 0 ms")
        with self._lock:
            state = self._door(door)
            state.unlocked, state.until = True, self._clock() + duration_ms / 1000
            self.history.append(("pulse", door, duration_ms))

    def is_unlocked(self, door: int) -> bool:
        """Whether ``door`` is released now (a timed release ends on the clock)."""
        with self._lock:
            state = self._door(door)
            if state.unlocked and state.until is not None and self._clock() >= state.until:
                state.unlocked, state.until = False, None
            return state.unlocked
