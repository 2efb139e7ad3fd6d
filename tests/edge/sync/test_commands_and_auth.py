"""Door commands (expiry, duplicates) and message authentication over a real Mosquitto."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.sync import MemoryDoors
from protocols.portable import topics, wire
from protocols.portable.auth import Sealer
from tests.edge.sync.helpers import (
    DOOR,
    KEY_ID,
    SITE,
    ShiftedClock,
    device_key,
    make_edge,
    make_list,
    wait_until,
)
from tests.edge.sync.hubdouble import HubDouble
from tests.mqtt import MosquittoBroker

CTL = "door-3"
OTHER = "door-4"


@pytest.fixture
def hub(mosquitto: MosquittoBroker) -> Iterator[HubDouble]:
    double = HubDouble(mosquitto, SITE, {CTL: (KEY_ID, device_key(CTL)),
                                         OTHER: (KEY_ID, device_key(OTHER))})
    yield double
    double.close()


def _command(req: str, op: str, expires: float, duration_ms: int = 0) -> dict[str, object]:
    return {"req": req, "op": op, "door": DOOR, "expires": int(expires),
            "duration_ms": duration_ms}


def test_commands_run_once_and_never_after_their_expiry(mosquitto: MosquittoBroker,
                                                        hub: HubDouble, tmp_path: Path) -> None:
    clock = ShiftedClock()
    edge = make_edge(mosquitto, tmp_path, CTL, clock=clock)
    doors = edge.doors
    assert isinstance(doors, MemoryDoors)
    with edge:
        wait_until(lambda: edge.status().online, what="edge online")
        hub.send(CTL, "cmd", "command", _command("r1", "unlock", clock() + 30))
        assert hub.wait_message(CTL, "command_result")["status"] == "ok"
        assert doors.is_unlocked(DOOR)

        hub.send(CTL, "cmd", "command", _command("r2", "lock", clock() - 1))
        result = hub.wait_message(CTL, "command_result", lambda f: f["req"] == "r2")
        assert result["status"] == "expired"
        assert doors.is_unlocked(DOOR)  # the expired lock did nothing

        # The hub retries r1 (a new message, same request id): not executed twice.
        hub.send(CTL, "cmd", "command", _command("r1", "unlock", clock() + 30))
        hub.wait_for(lambda: len(hub.messages(CTL, "command_result")) == 3, what="3 results")
        assert [f["status"] for f in hub.messages(CTL, "command_result")] == ["ok", "expired",
                                                                               "ok"]
        hub.send(CTL, "cmd", "command", _command("r3", "pulse", clock() + 30, 5000))
        hub.send(CTL, "cmd", "command", _command("r4", "unlock", clock() + 30, 0) | {"door": 9})
        assert hub.wait_message(CTL, "command_result",
                                lambda f: f["req"] == "r4")["status"] == "rejected"
        assert doors.history == [("unlock", DOOR, 0), ("pulse", DOOR, 5000)]

    # A command queued by the broker while the edge is away, expiring before it returns.
    hub.send(CTL, "cmd", "command", _command("r5", "unlock", clock() + 5))
    clock.offset = 60.0  # the edge comes back a minute later
    edge = make_edge(mosquitto, tmp_path, CTL, clock=clock)
    with edge:
        result = hub.wait_message(CTL, "command_result", lambda f: f["req"] == "r5")
        assert result["status"] == "expired"
        assert isinstance(edge.doors, MemoryDoors) and edge.doors.history == []


def test_forged_altered_replayed_and_misdirected_messages_are_dropped(
        mosquitto: MosquittoBroker, hub: HubDouble, tmp_path: Path) -> None:
    edge = make_edge(mosquitto, tmp_path, CTL)
    doors = edge.doors
    assert isinstance(doors, MemoryDoors)
    cmd_topic = topics.controller_topic(topics.DEFAULT_PREFIX, SITE, CTL, "cmd")
    with edge:
        wait_until(lambda: edge.status().online, what="edge online")
        # forged: right format, wrong key
        forger = Sealer(KEY_ID, b"not the device key at all!!")
        hub.publish_raw(cmd_topic, wire.pack(forger, cmd_topic, "command",
                                             _command("f1", "unlock", time.time() + 30)))
        # altered: a genuine command with one byte of the door changed
        genuine = wire.pack(hub.sealers[CTL], cmd_topic, "command",
                            _command("f2", "unlock", time.time() + 30))
        altered = bytearray(genuine)
        altered[genuine.index(b"door") + 4] ^= 0x01
        hub.publish_raw(cmd_topic, bytes(altered))
        # misdirected: sealed for the other controller with its own key, replayed here
        other_topic = topics.controller_topic(topics.DEFAULT_PREFIX, SITE, OTHER, "cmd")
        hub.publish_raw(cmd_topic, wire.pack(hub.sealers[OTHER], other_topic, "command",
                                             _command("f3", "unlock", time.time() + 30)))
        wait_until(lambda: edge.status().rejected_messages == 3, what="3 rejections")
        assert doors.history == [] and hub.messages(CTL, "command_result") == []

        # genuine, then replayed byte for byte: executed once, the replay dropped
        payload = hub.send(CTL, "cmd", "command", _command("g1", "pulse", time.time() + 30,
                                                            100))
        hub.wait_message(CTL, "command_result")
        hub.publish_raw(cmd_topic, payload)
        wait_until(lambda: edge.status().replayed_messages >= 1, what="replay dropped")
        assert doors.history == [("pulse", DOOR, 100)]
        assert len(hub.messages(CTL, "command_result")) == 1


def test_replays_are_refused_across_an_edge_restart(mosquitto: MosquittoBroker,
                                                    hub: HubDouble, tmp_path: Path) -> None:
    hub.publish_list(CTL, make_list(CTL, 1, [5]))
    cmd_topic = topics.controller_topic(topics.DEFAULT_PREFIX, SITE, CTL, "cmd")
    with make_edge(mosquitto, tmp_path, CTL) as edge:
        hub.wait_message(CTL, "list_applied")
        payload = hub.send(CTL, "cmd", "command", _command("x1", "lock", time.time() + 600))
        hub.wait_message(CTL, "command_result")
    edge = make_edge(mosquitto, tmp_path, CTL)
    with edge:
        wait_until(lambda: edge.status().online, what="edge online again")
        hub.publish_raw(cmd_topic, payload)  # still within its expiry
        wait_until(lambda: edge.status().replayed_messages >= 1, what="replay dropped")
        assert isinstance(edge.doors, MemoryDoors) and edge.doors.history == []
        # the retained manifest, seen again after the restart, changes nothing
        assert edge.active.version == 1 and edge.status().in_sync is True
