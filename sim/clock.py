"""The script clock: scenario time that may run faster than real time.

The scenario's times (``at``, stays, cuts, power-off periods, traffic rates) are *script
seconds*. With ``speed = 10`` ten script seconds pass per real second, so an hour of
comings and goings plays in six minutes.

What "fast" does not change: the agents are real processes on the real clock. Their
decisions use the real UTC time (schedules are evaluated now, not at a script time),
and their door timers (unlock time, held-open limit), reconnect back-off and the hub's
timeouts run in real seconds. So the physical moments at a door (walking through,
holding a door open past its limit) are real time as well; only the gaps between the
script's actions shrink.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ScriptClock:
    """Script seconds since :meth:`start`, at ``speed`` script seconds per real second."""

    def __init__(self, speed: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be above 0, got {speed}")
        self.speed = speed
        self._monotonic = monotonic
        self._origin: float | None = None

    def start(self) -> None:
        """Script time 0 is now."""
        self._origin = self._monotonic()

    @property
    def started(self) -> bool:
        return self._origin is not None

    def now(self) -> float:
        """Script seconds since the start (0 before it)."""
        if self._origin is None:
            return 0.0
        return (self._monotonic() - self._origin) * self.speed

    def real(self, script_seconds: float) -> float:
        """How many real seconds ``script_seconds`` of script time take."""
        return script_seconds / self.speed

    def until(self, script_time: float) -> float:
        """Real seconds from now until script time ``script_time`` (0 if past)."""
        return max(0.0, self.real(script_time - self.now()))

    def wait_until(self, script_time: float, stop: threading.Event) -> bool:
        """Sleep until ``script_time``; False if ``stop`` was set first."""
        return not stop.wait(self.until(script_time))
