"""People at doors: badge and pass, tailgate, force a door, hold it open, press the exit button.

Each move drives the simulated hardware the way a person would: show a card and watch
the reader's LED, wait for the lock to release, open the door (its contact), walk
through, close it. A door serves one move at a time (people queue), so a move sees the
door as the previous one left it. Door moments are real time, because the agents' door
timers are (see sim/clock.py): walking through takes ``WALK_S``; holding a door open
lasts until the door's held-open limit has passed.

A card shown to a reader of a controller that is powered off is not recorded as
presented: the reader has no power, so no event can exist for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from edge.door.io import CONTACT, EXIT
from sim.hardware import Hardware
from sim.ledger import Ledger
from sim.site import DoorModel

log = logging.getLogger(__name__)

WALK_S = 0.6  # real seconds one person takes through an open door
UNLOCK_WAIT_S = 1.5  # how long a person waits for the lock after a green LED
HELD_MARGIN_S = 1.5  # past the held-open limit before the door is closed again
FORCED_OPEN_S = 1.0


class Moves:
    """Door moves on one site's hardware, recorded in a ledger."""

    def __init__(self, hardware: Hardware, ledger: Ledger,
                 powered: Callable[[str], bool]) -> None:
        self.hardware = hardware
        self.ledger = ledger
        self._powered = powered
        self._door_locks: dict[tuple[str, int], threading.Lock] = {
            key: threading.Lock() for key in hardware.doors.doors}
        self._jammed: set[tuple[str, int]] = set()

    def door_lock(self, door: DoorModel) -> threading.Lock:
        """Held for the length of every move at ``door`` (and by a power cycle)."""
        return self._door_locks[(door.controller, door.number)]

    # -- moves -------------------------------------------------------------------------------
    def badge(self, card: int, door: DoorModel, direction: str = "entry", *,
              passes: bool = True, followers: int = 0) -> bool | None:
        """Show ``card`` at the door's reader that way; pass if it opens. The LED's verdict."""
        with self.door_lock(door):
            granted = self._show(card, door, direction)
            if granted and passes:
                self._walk_through(door, 1 + followers)
            return granted

    def tailgate(self, card: int, door: DoorModel, direction: str = "entry") -> bool | None:
        """The card holder opens the door and a second person slips through behind."""
        granted = self.badge(card, door, direction, followers=1)
        if granted:
            self.ledger.count("tailgates")
        return granted

    def forced(self, door: DoorModel) -> None:
        """Open the door while it is locked, without a card or the exit button."""
        with self.door_lock(door):
            if not self._powered(door.controller):
                self.ledger.count("moves while off")
                return
            state = self.hardware.door(door)
            if state.unlocked:  # wait for the lock: forcing an unlocked door is no alarm
                self.hardware.doors.wait_relay(door.controller, door.number, False, 10)
            self.ledger.expect_alarm("door_forced", door.controller, door.number)
            self.ledger.count("forced doors")
            self._set(door, CONTACT, True)
            time.sleep(FORCED_OPEN_S)
            self._close(door)

    def held_open(self, door: DoorModel, card: int | None = None) -> None:
        """Open the door properly (a card, else the exit button) and leave it open too long."""
        with self.door_lock(door):
            if card is not None and door.entry is not None:
                allowed = bool(self._show(card, door, "entry"))
            else:
                allowed = self._press_exit(door)
            if not allowed or not self._wait_unlocked(door):
                self.ledger.count("held-open refused")
                return
            self.ledger.expect_alarm("door_held", door.controller, door.number)
            self.ledger.count("doors held open")
            self._set(door, CONTACT, True)
            time.sleep(door.timing.held_open_ms / 1000 + HELD_MARGIN_S)
            self._close(door)

    def exit_button(self, door: DoorModel) -> None:
        """Press the exit button and walk out."""
        with self.door_lock(door):
            if self._press_exit(door) and self._wait_unlocked(door):
                self._set(door, CONTACT, True)
                time.sleep(WALK_S)
                self._close(door)

    def jam(self, door: DoorModel, seconds: float) -> None:
        """The door sticks open for ``seconds`` (a wedge, a broken closer): no one closes it."""
        key = (door.controller, door.number)
        with self.door_lock(door):
            if not self._powered(door.controller):
                return
            self.ledger.count("jammed doors")
            self._jammed.add(key)
            self._set(door, CONTACT, True)
        time.sleep(seconds)
        with self.door_lock(door):
            self._jammed.discard(key)
            self._close(door)

    # -- parts -------------------------------------------------------------------------------
    def _show(self, card: int, door: DoorModel, direction: str) -> bool | None:
        reader = door.reader(direction)
        if reader is None:
            return None
        if not self._powered(door.controller):
            self.ledger.count("badges while off")
            return None
        entry = self.ledger.present(door.controller, reader, card, door.name)
        granted = self.hardware.present(door.controller, reader, card)
        entry.granted = granted
        self.ledger.count("granted" if granted else "denied" if granted is False
                          else "no answer")
        return granted

    def _press_exit(self, door: DoorModel) -> bool:
        if not self._powered(door.controller):
            return False
        self._set(door, EXIT, True)
        self._set(door, EXIT, False)
        self.ledger.count("exit button")
        return True

    def _wait_unlocked(self, door: DoorModel) -> bool:
        return self.hardware.doors.wait_relay(door.controller, door.number, True, UNLOCK_WAIT_S)

    def _walk_through(self, door: DoorModel, people: int) -> None:
        if not self._wait_unlocked(door):
            self.ledger.count("granted but locked")
            return
        self._set(door, CONTACT, True)
        time.sleep(WALK_S * people)
        self._close(door)
        self.ledger.count("passages", people)

    def _close(self, door: DoorModel) -> None:
        if (door.controller, door.number) not in self._jammed:
            self._set(door, CONTACT, False)

    def _set(self, door: DoorModel, line: str, active: bool) -> None:
        self.hardware.doors.set_input(door.controller, door.number, line, active)
