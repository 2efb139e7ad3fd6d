"""The two clocks a door needs, behind one small object so tests can move time by hand.

Timers (unlock time, held-open time) run on the monotonic clock, which never jumps when
NTP corrects the wall clock; event timestamps and free-open schedules use UTC seconds.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """``monotonic()`` for timers, ``time()`` (UTC unix seconds) for stamps and schedules."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class SystemClock:
    """The real clocks."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()


class FakeClock:
    """A clock that moves only when told to: tests and the simulator step it."""

    def __init__(self, wall: float = 1767225600.0, mono: float = 1000.0) -> None:
        self._wall = wall
        self._mono = mono

    def monotonic(self) -> float:
        return self._mono

    def time(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by ``seconds``."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} s)")
        self._mono += seconds
        self._wall += seconds
