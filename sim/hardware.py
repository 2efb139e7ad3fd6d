"""The simulated hardware of a site: each controller's readers and the doors' wiring.

Per controller, its readers are either one :class:`sim.osdp_bus.OsdpBus` with a virtual
OSDP reader (libosdp's reader side, secure channel with a random key per head) for each
of them, or Wiegand readers fed through named pipes (:mod:`sim.wiegand_pipes`); its
doors are on the :class:`sim.doorlink.DoorLinkServer`. :meth:`Hardware.present` shows a
card and learns the decision as a person at the door would: from the OSDP reader's LED,
or (Wiegand, no LED to read) from the lock releasing.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import osdp

from sim.doorlink import DoorLinkServer, VirtualDoor
from sim.errors import SimError
from sim.osdp_bus import Head, OsdpBus
from sim.site import DoorModel, SiteModel
from sim.wiegand_pipes import WiegandPipes

log = logging.getLogger(__name__)

FEEDBACK_WAIT_S = 3.0  # how long a person looks at the reader for green or red
WIEGAND_VERDICT_S = 1.5  # a lock not released this long after the card: refused
_POLL_S = 0.02


@dataclass(frozen=True)
class ReaderWiring:
    """How an agent reaches one controller's readers (for its configuration)."""

    kind: str  # osdp or wiegand
    port: str = ""  # osdp: the serial device of its bus
    heads: tuple[Head, ...] = ()  # osdp
    fifos: tuple[tuple[int, Path], ...] = ()  # wiegand: (reader, named pipe)


class Hardware:
    """Every controller's readers and doors; ``kinds`` says osdp or wiegand per controller."""

    def __init__(self, site: SiteModel, folder: Path, kinds: dict[str, str]) -> None:
        self.site = site
        folder.mkdir(parents=True, exist_ok=True)
        self.doors = DoorLinkServer(folder / "doors.sock")
        self.buses: dict[str, OsdpBus] = {}
        self.pipes: dict[str, WiegandPipes] = {}
        for code, controller in site.controllers.items():
            if not controller.readers:
                continue
            if kinds.get(code) == "wiegand":
                self.pipes[code] = WiegandPipes(code, controller.readers, folder / code)
                continue
            heads = [Head(reader, address, secrets.token_bytes(16))
                     for address, reader in enumerate(controller.readers, start=1)]
            self.buses[code] = OsdpBus(code, heads)
        for door in site.doors.values():
            self.doors.add(door.controller, door.number)

    def start(self) -> None:
        for bus in self.buses.values():
            bus.start()

    def stop(self) -> None:
        for bus in self.buses.values():
            bus.stop()
        for pipes in self.pipes.values():
            pipes.close()
        self.doors.close()

    def wiring(self, controller: str) -> ReaderWiring | None:
        pipes = self.pipes.get(controller)
        if pipes is not None:
            return ReaderWiring("wiegand", fifos=tuple(sorted(pipes.fifos.items())))
        bus = self.buses.get(controller)
        if bus is None:
            return None
        return ReaderWiring("osdp", bus.port, tuple(bus.heads.values()))

    def readers_online(self, controller: str) -> bool:
        """Whether the controller's agent has a secure channel to each of its readers."""
        bus = self.buses.get(controller)
        return bus is None or all(bus.secure(reader) for reader in bus.readers)

    def door(self, model: DoorModel) -> VirtualDoor:
        return self.doors.doors[(model.controller, model.number)]

    def present(self, controller: str, reader: int, card: int,
                wait_s: float = FEEDBACK_WAIT_S) -> bool | None:
        """Show ``card`` at a reader; True/False from its LED (green/red), None: no answer."""
        pipes = self.pipes.get(controller)
        if pipes is not None:
            return self._present_wiegand(pipes, controller, reader, card)
        bus = self.buses.get(controller)
        if bus is None:
            raise SimError(f"controller {controller} has no readers")
        virtual = bus.readers.get(reader)
        if virtual is None:
            raise SimError(f"controller {controller} has no reader {reader}")
        before = len(virtual.commands)
        bus.present(reader, card)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            for command in virtual.commands[before:]:
                if command.get("command") == osdp.Command.LED:
                    return bool(command.get("on_color") == osdp.CommandLEDColor.Green)
            time.sleep(_POLL_S)
        return None

    def _present_wiegand(self, pipes: WiegandPipes, controller: str, reader: int,
                         card: int) -> bool | None:
        door = next((d for d in self.site.doors.values() if d.controller == controller
                     and reader in (d.entry, d.exit)), None)
        if door is None:  # a reader that opens nothing: the card is read, nothing to watch
            pipes.present(reader, card)
            return None
        before = self.doors.relay_changes(controller, door.number)
        if not pipes.present(reader, card):
            return None
        # a grant re-asserts the relay even on a door still released from before
        return self.doors.wait_released(controller, door.number, before, WIEGAND_VERDICT_S)
