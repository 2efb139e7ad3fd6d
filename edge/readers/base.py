"""What every reader plugin delivers and promises: ReaderEvent, the Reader port, stats.

A reader turns hardware input (Wiegand pulses, OSDP replies, serial bytes, key codes)
into :class:`ReaderEvent` values and hands each one to the *sink* given to its
constructor, from the reader's own thread. The sink must return quickly (put the event
on a queue, or decide and pulse a relay): the reader thread blocks on nothing but its
own hardware, and the door's card-to-relay path never blocks on a reader.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from protocols.portable import cardkey


class EventKind(StrEnum):
    """What happened at a reader."""

    CARD = "card"  # a credential was read: card_key is set
    PIN = "pin"  # a keypad entry ended with '#': pin is set
    TAMPER = "tamper"  # the reader's tamper state changed: alarm says which way
    POWER = "power"  # the reader's power state changed: alarm True = power fault
    ONLINE = "online"  # the reader answers (again)
    OFFLINE = "offline"  # the reader stopped answering, or its port is gone


@dataclass(frozen=True)
class ReaderEvent:
    """One thing a reader reports.

    ``reader`` is the reader id of the compiled access list (0..65535). ``at`` is
    ``time.monotonic()`` when the event was made, so the door can measure the card-to-
    relay latency. ``detail`` is a short, log-safe note (never a card number or PIN).
    """

    kind: EventKind
    reader: int
    card_key: int | None = None
    pin: str | None = None
    alarm: bool | None = None
    detail: str = ""
    at: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        # Events get logged; never show a full card number or a PIN.
        parts = [f"kind={self.kind.value}", f"reader={self.reader}"]
        if self.card_key is not None:
            parts.append(f"card={cardkey.masked(self.card_key)}")
        if self.pin is not None:
            parts.append(f"pin={'*' * len(self.pin)}")
        if self.alarm is not None:
            parts.append(f"alarm={self.alarm}")
        if self.detail:
            parts.append(f"detail={self.detail!r}")
        return "ReaderEvent(" + ", ".join(parts) + ")"

    __str__ = __repr__


EventSink = Callable[[ReaderEvent], None]


class Reader(Protocol):
    """The port the agent sees: one plugin instance serves one or more reader ids."""

    @property
    def reader_ids(self) -> tuple[int, ...]:
        """The reader ids this instance reports for (an OSDP bus has several)."""
        ...

    def start(self) -> None:
        """Start the reader's thread; events flow to the sink from now on."""
        ...

    def stop(self) -> None:
        """Stop and join the thread, release the hardware. Safe to call twice."""
        ...

    def feedback(self, reader: int, granted: bool) -> None:
        """Show the decision on the reader (LED, buzzer) without waiting for any I/O."""
        ...

    def stats(self) -> dict[str, int]:
        """Counters since start: frames, rejects by cause, errors (a snapshot copy)."""
        ...


class Counters:
    """Named counters shared by a reader's thread and whoever asks for stats."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + n

    def get(self, name: str) -> int:
        with self._lock:
            return self._counts.get(name, 0)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
