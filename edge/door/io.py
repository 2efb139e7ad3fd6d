"""The door's hardware port: one relay output and two inputs, behind three methods.

Like libosdp's ``Channel`` (STYLE.md, "Hardware behind small ports"), everything the
door state machine needs from the hardware is::

    set_relay(energised)    drive the lock relay's coil (True = energised)
    read(line)              the current logical state of an input line
    watch(callback)         call ``callback(line, active)`` whenever an input changes

Input lines are logical, not electrical: ``CONTACT`` is active while the door is *open*
and ``EXIT`` while the exit button (request to exit, REX) is *pressed*. Whether that is
a high or a low pin (normally-closed contacts, pull-ups, relay boards that switch on a
low level) is the implementation's configuration (``edge.door.gpio``), so the state
machine never deals with wiring. The relay is named by the coil, not by the lock:
whether an energised coil locks or unlocks follows the lock type (``DoorConfig.lock``).

:class:`FakeDoorIO` is the implementation tests and the simulator share: it records
every relay command with a timestamp and lets the caller move the inputs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

CONTACT = "contact"  # active = door open
EXIT = "exit"  # active = exit button pressed
INPUTS = (CONTACT, EXIT)

InputCallback = Callable[[str, bool], None]


class DoorIO(Protocol):
    """The three-method port a :class:`edge.door.machine.Door` drives."""

    def set_relay(self, energised: bool) -> None:
        """Energise (True) or release (False) the lock relay's coil."""

    def read(self, line: str) -> bool:
        """The logical state of input ``line`` (``CONTACT`` or ``EXIT``) now."""
        ...

    def watch(self, callback: InputCallback) -> None:
        """Call ``callback(line, active)`` on every change of an input (from any thread)."""


class FakeDoorIO:
    """An in-memory door: relay commands are recorded, inputs are set by hand.

    ``stamp`` timestamps each relay command (``time.perf_counter_ns`` by default, which
    is what ``vratnik bench door`` compares with the instant a card frame completed).
    ``fail_writes`` makes the next relay writes raise, to test a hardware fault.
    """

    def __init__(self, *, door_open: bool = False,
                 stamp: Callable[[], int] = time.perf_counter_ns) -> None:
        self._stamp = stamp
        self._inputs = {CONTACT: door_open, EXIT: False}
        self._callbacks: list[InputCallback] = []
        self._lock = threading.Lock()
        self.relay: bool | None = None  # None until the first command
        self.commands: list[tuple[int, bool]] = []  # (stamp, energised), in order
        self.fail_writes = 0

    def set_relay(self, energised: bool) -> None:
        with self._lock:
            if self.fail_writes:
                self.fail_writes -= 1
                raise OSError("fake relay write failure")
            self.commands.append((self._stamp(), energised))
            self.relay = energised

    def read(self, line: str) -> bool:
        with self._lock:
            return self._inputs[line]

    def watch(self, callback: InputCallback) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def set_input(self, line: str, active: bool) -> None:
        """Move input ``line``; watchers hear of it only if the state changed (like an edge)."""
        if line not in self._inputs:
            raise KeyError(f"unknown input line {line!r}; lines: {', '.join(INPUTS)}")
        with self._lock:
            if self._inputs[line] == active:
                return
            self._inputs[line] = active
            callbacks = list(self._callbacks)
        for callback in callbacks:  # outside the lock: a callback may read the inputs
            callback(line, active)

    def open_door(self) -> None:
        self.set_input(CONTACT, True)

    def close_door(self) -> None:
        self.set_input(CONTACT, False)

    def press_exit(self) -> None:
        """A press and release of the exit button."""
        self.set_input(EXIT, True)
        self.set_input(EXIT, False)
