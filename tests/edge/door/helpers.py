"""A door on a fake clock and fake I/O, with the events it emitted."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.door.clock import FakeClock
from edge.door.config import DoorConfig
from edge.door.events import DoorEvent
from edge.door.io import FakeDoorIO
from edge.door.machine import Door


@dataclass
class Bench:
    door: Door
    io: FakeDoorIO
    clock: FakeClock
    events: list[DoorEvent] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def take(self) -> list[str]:
        """The kinds emitted since the last take."""
        kinds = self.kinds()
        self.events.clear()
        return kinds

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.door.tick()

    def levels(self) -> list[bool]:
        return [level for _stamp, level in self.io.commands]


def make_door(door_open: bool = False, **config: object) -> Bench:
    clock = FakeClock()
    io = FakeDoorIO(door_open=door_open)
    events: list[DoorEvent] = []
    door = Door(DoorConfig(**{"door": 1, **config}), io, events.append,  # type: ignore[arg-type]
                clock)
    return Bench(door, io, clock, events)
