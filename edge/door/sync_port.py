"""The concentrator as the sync client's door port (``edge.sync.doors.DoorPort``).

Remote commands (wire ``command``: unlock / lock / pulse) reach the door state machines
through this adapter, which translates the door layer's errors into the sync layer's
once, at the boundary: an unknown door is the sync's ``UnknownDoorError`` (the hub gets
``rejected``), anything else it cannot do is its ``DoorError`` (``failed``).
"""

from __future__ import annotations

from edge.door.concentrator import Concentrator
from edge.door.errors import DoorError, UnknownDoorError
from edge.sync import doors as sync_doors
from edge.sync import errors as sync_errors


class ConcentratorDoorPort:
    """Implements :class:`edge.sync.doors.DoorPort` over a :class:`Concentrator`."""

    def __init__(self, concentrator: Concentrator) -> None:
        self._concentrator = concentrator

    def unlock(self, door: int, duration_ms: int) -> None:
        self._run(door, "unlock", duration_ms)

    def lock(self, door: int) -> None:
        self._run(door, "lock", 0)

    def pulse(self, door: int, duration_ms: int) -> None:
        self._run(door, "pulse", duration_ms)

    def _run(self, door: int, op: str, duration_ms: int) -> None:
        try:
            self._concentrator.command(door, op, duration_ms)
        except UnknownDoorError as err:
            raise sync_doors.UnknownDoorError(str(err)) from err
        except DoorError as err:
            raise sync_errors.DoorError(str(err)) from err
