"""The simulated hardware of a site: an OSDP bus per controller and the doors' wiring.

Per controller: one :class:`sim.osdp_bus.OsdpBus` with a virtual OSDP reader (libosdp's
reader side, secure channel with a random key per head) for each of its readers, and
its doors on the :class:`sim.doorlink.DoorLinkServer`. :meth:`Hardware.present` shows a
card and reads the reader's LED to learn the decision, as a person at the door would.
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

log = logging.getLogger(__name__)

FEEDBACK_WAIT_S = 3.0  # how long a person looks at the reader for green or red
_POLL_S = 0.02


@dataclass(frozen=True)
class ReaderWiring:
    """How an agent reaches one controller's readers (for its configuration)."""

    port: str  # the serial device of its OSDP bus
    heads: tuple[Head, ...]


class Hardware:
    """Every controller's readers and doors."""

    def __init__(self, site: SiteModel, folder: Path) -> None:
        self.site = site
        folder.mkdir(parents=True, exist_ok=True)
        self.doors = DoorLinkServer(folder / "doors.sock")
        self.buses: dict[str, OsdpBus] = {}
        for code, controller in site.controllers.items():
            heads = [Head(reader, address, secrets.token_bytes(16))
                     for address, reader in enumerate(controller.readers, start=1)]
            if heads:
                self.buses[code] = OsdpBus(code, heads)
        for door in site.doors.values():
            self.doors.add(door.controller, door.number)

    def start(self) -> None:
        for bus in self.buses.values():
            bus.start()

    def stop(self) -> None:
        for bus in self.buses.values():
            bus.stop()
        self.doors.close()

    def wiring(self, controller: str) -> ReaderWiring | None:
        bus = self.buses.get(controller)
        if bus is None:
            return None
        return ReaderWiring(bus.port, tuple(bus.heads.values()))

    def readers_online(self, controller: str) -> bool:
        """Whether the controller's agent has a secure channel to each of its readers."""
        bus = self.buses.get(controller)
        return bus is None or all(bus.secure(reader) for reader in bus.readers)

    def door(self, model: DoorModel) -> VirtualDoor:
        return self.doors.doors[(model.controller, model.number)]

    def present(self, controller: str, reader: int, card: int,
                wait_s: float = FEEDBACK_WAIT_S) -> bool | None:
        """Show ``card`` at a reader; True/False from its LED (green/red), None: no answer."""
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
