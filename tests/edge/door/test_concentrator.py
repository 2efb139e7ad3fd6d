"""The concentrator: bindings, free-open schedules on the wall clock, the timer loop,
and remote commands through the sync client's door port."""

from __future__ import annotations

import threading
import time

import pytest

from edge.door.clock import FakeClock
from edge.door.concentrator import Concentrator
from edge.door.config import DoorConfig, ReaderBinding
from edge.door.errors import DoorConfigError, UnknownDoorError
from edge.door.events import DoorEvent
from edge.door.io import FakeDoorIO
from edge.door.machine import Door
from edge.door.schedule import FreeOpenSchedule
from edge.door.sync_port import ConcentratorDoorPort
from edge.sync.commands import CommandRunner
from tests.edge.door.site import T0, make_site


def test_bindings_map_readers_to_doors_and_directions() -> None:
    site = make_site()
    c = site.concentrator
    assert c.binding(1) == ReaderBinding(1, 1, "entry")
    assert c.binding(2) == ReaderBinding(2, 1, "exit")
    assert c.binding(4) == ReaderBinding(4, 2, "entry")
    assert c.binding(9) is None


def test_configuration_mistakes_are_named() -> None:
    site = make_site()
    door = site.concentrator.doors[1]
    with pytest.raises(DoorConfigError, match="door 1 is configured twice"):
        Concentrator([door, door], [])
    with pytest.raises(DoorConfigError, match="reader 1 is bound to two doors"):
        Concentrator([door], [ReaderBinding(1, 1), ReaderBinding(1, 1, "exit")])
    with pytest.raises(DoorConfigError, match="bound to door 7, which is not configured"):
        Concentrator([door], [ReaderBinding(1, 7)])
    with pytest.raises(UnknownDoorError, match="unknown door 7; this controller has: 1, 2"):
        site.concentrator.command(7, "pulse", 100)


def test_free_open_schedule_follows_the_wall_clock_and_its_next_change() -> None:
    site = make_site()  # the clock starts at 09:00 UTC on day 0
    schedule = FreeOpenSchedule.from_windows([(T0 + 10 * 3600, T0 + 12 * 3600)])
    site.concentrator.set_free_open(1, schedule)
    assert site.concentrator.doors[1].state().locked
    assert site.concentrator.seconds_to_next() == pytest.approx(3600)
    site.clock.advance(3600)
    site.concentrator.tick()
    assert not site.concentrator.doors[1].state().locked
    assert site.concentrator.doors[2].state().locked
    assert site.io[1].relay is True
    site.clock.advance(2 * 3600)
    site.concentrator.tick()
    assert site.concentrator.doors[1].state().locked
    assert [e.kind for e in site.events] == ["free_open_started", "free_open_ended"]
    assert site.concentrator.seconds_to_next() is None


def test_seconds_to_next_is_the_earliest_door_deadline() -> None:
    site = make_site()
    site.concentrator.doors[2].grant(duration_ms=1500)
    site.concentrator.doors[1].grant()  # 3000 ms
    assert site.concentrator.seconds_to_next() == pytest.approx(1.5)


def test_the_timer_thread_relocks_on_the_real_clock() -> None:
    events: list[DoorEvent] = []
    io = FakeDoorIO()
    door = Door(DoorConfig(door=1, unlock_ms=100), io, events.append)
    c = Concentrator([door], [])
    stop = threading.Event()
    thread = c.start_timers(stop)
    try:
        door.grant()
        assert io.commands[-1][1] is True
        deadline = time.monotonic() + 10  # generous: this checks behaviour, not speed
        while io.commands[-1][1] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [level for _t, level in io.commands] == [False, True, False]
        assert door.state().locked
    finally:
        c.stop_timers(stop, thread)
    assert not thread.is_alive()


def test_remote_commands_through_the_sync_door_port() -> None:
    site = make_site()
    runner = CommandRunner(ConcentratorDoorPort(site.concentrator), clock=site.clock.time)
    expires = int(site.clock.time()) + 60

    def run(req: str, op: str, door: int, duration: int) -> dict[str, object]:
        out = runner.run({"req": req, "op": op, "door": door, "expires": expires,
                          "duration_ms": duration})
        return out.fields

    assert run("a", "unlock", 1, 0)["status"] == "ok"
    assert site.concentrator.doors[1].state().held
    assert run("b", "lock", 1, 0)["status"] == "ok"
    assert site.concentrator.doors[1].state().locked
    assert run("c", "pulse", 2, 2000)["status"] == "ok"
    assert site.concentrator.doors[2].state().relay_energised is True
    site.clock.advance(2)
    site.concentrator.tick()
    assert site.concentrator.doors[2].state().relay_energised is False
    unknown = run("d", "pulse", 9, 1000)
    assert unknown["status"] == "rejected" and "unknown door 9" in str(unknown["detail"])
    bad = run("e", "pulse", 1, 0)
    assert bad["status"] == "failed" and "a pulse needs duration_ms > 0" in str(bad["detail"])
    assert [e.data["op"] for e in site.events if e.kind == "door_command"] == [
        "unlock", "lock", "pulse"]


def test_fake_clock_cannot_go_back() -> None:
    with pytest.raises(ValueError, match="cannot go back"):
        FakeClock().advance(-1)
