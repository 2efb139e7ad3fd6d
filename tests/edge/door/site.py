"""A small site for the concentrator tests: two doors, three readers, a PIN reader."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.door.clock import FakeClock
from edge.door.concentrator import Concentrator
from edge.door.config import EXIT, DoorConfig, ReaderBinding
from edge.door.events import DoorEvent
from edge.door.io import FakeDoorIO
from edge.door.machine import Door
from protocols.portable.accesslist import READER_PIN, AccessList, AccessListBuilder
from protocols.portable.cardkey import H10301_26, KEYPAD, card_key

T0 = 1767225600  # 2026-01-01T00:00:00Z
STAFF = card_key(H10301_26, (12 << 16) | 1001)  # doors 1 (both ways) and 2
VISITOR = card_key(H10301_26, (12 << 16) | 1002)  # door 1 entry only, 08:00-16:00
PIN_CARD = card_key(H10301_26, (12 << 16) | 1003)  # reader 4 (card + PIN), PIN 4321
UNKNOWN = card_key(H10301_26, (12 << 16) | 9999)
CODE = card_key(KEYPAD, 2468)  # a keypad code credential for reader 3


def access_list() -> AccessList:
    b = AccessListBuilder(1, site="s", controller="c", horizon_start=T0,
                          horizon_end=T0 + 35 * 86400, salt=b"salt")
    for reader in (1, 2, 3):
        b.reader(reader)
    b.reader(4, READER_PIN)
    always = b.schedule([(0, 0xFFFFFFFF)])
    office = b.schedule([(T0 + d * 86400 + 8 * 3600, T0 + d * 86400 + 16 * 3600)
                         for d in range(35)])
    b.card(STAFF, b.profile({1: always, 2: always, 3: always}))
    b.card(VISITOR, b.profile({1: office}))
    b.card(PIN_CARD, b.profile({4: always}), pin="4321")
    b.card(CODE, b.profile({3: always}))
    return b.build()


@dataclass
class Site:
    clock: FakeClock
    concentrator: Concentrator
    io: dict[int, FakeDoorIO]
    events: list[DoorEvent] = field(default_factory=list)


def make_site(publish: object = None) -> Site:
    """Door 1: entry reader 1, exit reader 2; door 2: reader 3 and PIN reader 4."""
    clock = FakeClock(wall=float(T0 + 9 * 3600))
    events: list[DoorEvent] = []
    sink = publish if publish is not None else events.append
    io = {1: FakeDoorIO(), 2: FakeDoorIO()}
    doors = [Door(DoorConfig(door=d, unlock_ms=3000), io[d], sink, clock)  # type: ignore[arg-type]
             for d in (1, 2)]
    bindings = [ReaderBinding(1, 1), ReaderBinding(2, 1, EXIT), ReaderBinding(3, 2),
                ReaderBinding(4, 2)]
    return Site(clock, Concentrator(doors, bindings, clock), io, events)
