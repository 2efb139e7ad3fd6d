"""What the simulator did, so the report can hold the hub's records against it.

Every card the simulator presents to a reader of a running controller is a
:class:`Presented` entry: the hub must end up with exactly one access event for it
(same controller, reader and card, at about the same time). Every alarm the simulator
provokes on purpose (a forced door, a door held open) is an :class:`ExpectedAlarm`.
Faults and people's moves are counted for the summary.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass(eq=False)  # compared and hashed by identity: two swipes may look alike
class Presented:
    """One card shown to a reader."""

    controller: str
    reader: int
    card: int
    door: str
    at: float  # time.time() when the card was submitted to the reader
    granted: bool | None = None  # what the reader's LED said (None: no feedback seen)


@dataclass(frozen=True)
class ExpectedAlarm:
    kind: str  # door_forced or door_held
    controller: str
    door: int
    at: float


@dataclass(frozen=True)
class Outage:
    """A period a controller could not reach the hub (cut) or had no power (off)."""

    controller: str
    kind: str
    start: float
    end: float | None = None


@dataclass
class Ledger:
    """Thread-safe record of the run (actions run on several threads)."""

    presented: list[Presented] = field(default_factory=list)
    alarms: list[ExpectedAlarm] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def present(self, controller: str, reader: int, card: int, door: str) -> Presented:
        entry = Presented(controller, reader, card, door, time.time())
        with self._lock:
            self.presented.append(entry)
        return entry

    def expect_alarm(self, kind: str, controller: str, door: int) -> None:
        with self._lock:
            self.alarms.append(ExpectedAlarm(kind, controller, door, time.time()))

    def count(self, what: str, n: int = 1) -> None:
        with self._lock:
            self.counts[what] += n

    def outage_begins(self, controller: str, kind: str) -> None:
        with self._lock:
            self.outages.append(Outage(controller, kind, time.time()))

    def outage_ends(self, controller: str, kind: str) -> None:
        with self._lock:
            for i in range(len(self.outages) - 1, -1, -1):
                found = self.outages[i]
                if found.controller == controller and found.kind == kind and found.end is None:
                    self.outages[i] = Outage(controller, kind, found.start, time.time())
                    return

    def affected(self, controller: str, start: float, end: float) -> bool:
        """Whether an outage of ``controller`` overlapped ``start``..``end``."""
        with self._lock:
            return any(o.controller == controller and o.start <= end
                       and (o.end is None or o.end >= start) for o in self.outages)

    def copy_presented(self) -> list[Presented]:
        with self._lock:
            return list(self.presented)

    def copy_alarms(self) -> list[ExpectedAlarm]:
        with self._lock:
            return list(self.alarms)
