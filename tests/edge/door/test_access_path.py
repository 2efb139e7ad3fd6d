"""The card-to-relay path: decisions open the right door, then the event is handed on;
the relay never waits for the outbox, the camera or the network."""

from __future__ import annotations

import threading
from pathlib import Path

from edge.access_path import AccessPath
from edge.core import reasons
from edge.door.clock import FakeClock
from edge.door.concentrator import Concentrator
from edge.door.config import DoorConfig, ReaderBinding
from edge.door.events import DoorEvent
from edge.door.fanout import EventFanout
from edge.door.io import FakeDoorIO
from edge.door.machine import Door
from edge.door.outbox_writer import OutboxWriter
from edge.store.outbox import Outbox
from protocols.portable import cbor
from tests.edge.door.site import (
    PIN_CARD,
    STAFF,
    T0,
    UNKNOWN,
    VISITOR,
    access_list,
    make_site,
)

BOOT = 1  # every door writes its locked level once at boot


def test_a_granted_card_opens_its_door_and_the_event_says_so() -> None:
    site = make_site()
    path = AccessPath(site.concentrator, access_list, site.events.append, site.clock)
    assert path.card(1, STAFF) == reasons.GRANTED
    assert site.io[1].relay is True  # fail-secure: energised = unlocked
    assert len(site.io[2].commands) == BOOT
    (event,) = site.events
    assert (event.kind, event.door, event.reader, event.card, event.granted, event.reason) == (
        "access", 1, 1, STAFF, True, reasons.GRANTED)
    assert event.data == {"direction": "entry"}
    assert event.ts == int(site.clock.time())


def test_entry_and_exit_readers_of_one_door_both_open_it() -> None:
    site = make_site()
    path = AccessPath(site.concentrator, access_list, site.events.append, site.clock)
    path.card(2, STAFF)
    assert site.io[1].relay is True
    assert site.events[0].data == {"direction": "exit"}
    assert site.events[0].door == 1


def test_denials_never_touch_a_relay() -> None:
    site = make_site()
    path = AccessPath(site.concentrator, access_list, site.events.append, site.clock)
    assert path.card(1, UNKNOWN) == reasons.UNKNOWN_CARD
    assert path.card(3, VISITOR) == reasons.NO_ACCESS
    site.clock.advance(8 * 3600)  # 17:00, after the visitor's window
    assert path.card(1, VISITOR) == reasons.OUTSIDE_SCHEDULE
    assert [len(io.commands) for io in site.io.values()] == [BOOT, BOOT]
    assert [(e.reason, e.granted) for e in site.events] == [
        (reasons.UNKNOWN_CARD, False), (reasons.NO_ACCESS, False),
        (reasons.OUTSIDE_SCHEDULE, False)]


def test_card_and_pin_reader_prompts_then_opens_on_the_right_pin() -> None:
    site = make_site()
    path = AccessPath(site.concentrator, access_list, site.events.append, site.clock)
    assert path.card(4, PIN_CARD) == reasons.PIN_REQUIRED
    assert path.card(4, PIN_CARD, "1111") == reasons.PIN_WRONG
    assert len(site.io[2].commands) == BOOT
    assert path.card(4, PIN_CARD, "4321") == reasons.GRANTED
    assert site.io[2].relay is True
    assert [e.reason for e in site.events] == [reasons.PIN_REQUIRED, reasons.PIN_WRONG,
                                               reasons.GRANTED]


def test_without_a_list_every_card_is_refused_as_unknown() -> None:
    site = make_site()
    path = AccessPath(site.concentrator, lambda: None, site.events.append, site.clock)
    assert path.card(1, STAFF) == reasons.UNKNOWN_CARD
    assert site.io[1].relay is False
    assert site.events[0].data == {"direction": "entry", "no_list": True}


def test_a_grant_on_a_reader_bound_to_no_door_opens_nothing() -> None:
    site = make_site()
    door = site.concentrator.doors[1]
    lonely = Concentrator([door], [ReaderBinding(1, 1)], site.clock)
    path = AccessPath(lonely, access_list, site.events.append, site.clock)
    assert path.card(3, STAFF) == reasons.GRANTED
    assert site.io[1].relay is False and site.io[2].relay is False
    assert site.events[0].door is None and site.events[0].granted


def test_the_relay_moves_before_the_event_is_published() -> None:
    relay_when_published: list[bool | None] = []
    holder: dict[str, FakeDoorIO] = {}

    def publish(event: DoorEvent) -> None:
        relay_when_published.append(holder["io"].relay)

    site = make_site(publish)
    holder["io"] = site.io[1]
    path = AccessPath(site.concentrator, access_list, publish, site.clock)
    path.card(1, STAFF)
    assert relay_when_published == [True]


def test_tamper_is_an_alarm_event_for_the_readers_door() -> None:
    site = make_site()
    path = AccessPath(site.concentrator, access_list, site.events.append, site.clock)
    path.tamper(3, True)
    path.tamper(3, False)
    assert [(e.kind, e.door, e.reader, e.alarm, e.data) for e in site.events] == [
        ("tamper", 2, 3, True, {"active": True}), ("tamper", 2, 3, True, {"active": False})]


def test_relay_fires_while_the_outbox_camera_and_network_are_all_stuck(tmp_path: Path) -> None:
    gate = threading.Event()  # every consumer blocks on it: a stuck disk, camera, broker
    fanout = EventFanout()
    outbox = Outbox(tmp_path / "outbox")
    writer = OutboxWriter(outbox)
    seen: dict[str, list[DoorEvent]] = {"camera": [], "sync": []}

    def stuck_outbox(batch: list[DoorEvent]) -> None:
        gate.wait()
        writer(batch)

    def stuck(name: str):  # type: ignore[no-untyped-def]
        def handler(batch: list[DoorEvent]) -> None:
            gate.wait()
            seen[name].extend(batch)
        return handler

    subs = [fanout.subscribe("outbox", stuck_outbox),
            fanout.subscribe("camera", stuck("camera"), kinds={"access"}),
            fanout.subscribe("sync", stuck("sync"))]
    io = {1: FakeDoorIO(), 2: FakeDoorIO()}
    clock = FakeClock(wall=float(T0 + 9 * 3600))  # inside the list's horizon
    doors = [Door(DoorConfig(door=d), io[d], fanout.publish, clock) for d in (1, 2)]
    concentrator = Concentrator(doors, [ReaderBinding(1, 1), ReaderBinding(3, 2)], clock)
    lst = access_list()
    path = AccessPath(concentrator, lambda: lst, fanout.publish, clock)
    fired: list[int] = []

    def reader_thread() -> None:
        for n in range(60):
            reader = 1 if n % 2 == 0 else 3
            before = len(io[1].commands) + len(io[2].commands)
            assert path.card(reader, STAFF) == reasons.GRANTED
            fired.append(len(io[1].commands) + len(io[2].commands) - before)

    swipes = threading.Thread(target=reader_thread)
    swipes.start()
    swipes.join(timeout=30)
    try:
        assert not swipes.is_alive(), "the card path waited for a consumer"
        assert fired == [1] * 60  # one relay command per swipe, every time
        assert io[1].relay is True and io[2].relay is True
        assert [s.handled for s in subs] == [0, 0, 0]  # nobody has seen anything yet
        assert outbox.last_seq == 0
    finally:
        gate.set()
        assert fanout.close(timeout=30)
    stored = outbox.pending(0, limit=100)
    assert len(stored) == 60
    assert [cbor.decode(e.payload)["reader"] for e in stored] == [1, 3] * 30  # type: ignore[index]
    assert len(seen["camera"]) == 60 and len(seen["sync"]) == 60
    outbox.close()
