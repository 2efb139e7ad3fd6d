"""The event fanout and the outbox writer: order, filters, draining on close, failures."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from edge.door.errors import DoorError
from edge.door.events import DoorEvent
from edge.door.fanout import EventFanout
from edge.door.outbox_writer import OutboxWriter
from edge.store.outbox import Outbox, OutboxConfig
from protocols.portable import cbor


def event(n: int, kind: str = "access") -> DoorEvent:
    return DoorEvent(kind, 1767225600 + n, float(n), door=1, reader=2, card=1000 + n,
                     reason=0, granted=True, data={"direction": "entry"})


def test_each_subscriber_gets_its_kinds_in_order_and_close_drains_everything() -> None:
    fanout = EventFanout()
    gate = threading.Event()
    everything: list[DoorEvent] = []
    alarms: list[DoorEvent] = []
    batches: list[int] = []

    def slow(batch: list[DoorEvent]) -> None:
        gate.wait()
        batches.append(len(batch))
        everything.extend(batch)

    fanout.subscribe("all", slow, batch=10)
    fanout.subscribe("alarms", alarms.extend, kinds={"door_forced"})
    sent = [event(n, "door_forced" if n % 5 == 0 else "access") for n in range(100)]
    for e in sent:
        fanout.publish(e)
    gate.set()
    assert fanout.close(timeout=30)
    assert everything == sent
    assert max(batches) <= 10
    assert alarms == [e for e in sent if e.kind == "door_forced"]
    with pytest.raises(DoorError, match="closed"):
        fanout.subscribe("late", everything.extend)


def test_a_failing_consumer_counts_the_failure_and_keeps_going(
        caplog: pytest.LogCaptureFixture) -> None:
    fanout = EventFanout()
    got: list[DoorEvent] = []

    def flaky(batch: list[DoorEvent]) -> None:
        if any(e.card == 1003 for e in batch):
            raise RuntimeError("camera unplugged")
        got.extend(batch)

    sub = fanout.subscribe("camera", flaky, batch=1)
    for n in range(6):
        fanout.publish(event(n))
    assert fanout.close(timeout=30)
    assert [e.card for e in got] == [1000, 1001, 1002, 1004, 1005]
    assert (sub.handled, sub.failures) == (5, 1)
    assert "event consumer camera failed on 1 event(s)" in caplog.text


def test_bad_batch_size_is_refused() -> None:
    with pytest.raises(DoorError, match="batch must be at least 1"):
        EventFanout().subscribe("x", print, batch=0)


def test_outbox_writer_stores_the_wire_fields_durably(tmp_path: Path) -> None:
    with Outbox(tmp_path) as outbox:
        writer = OutboxWriter(outbox)
        writer([event(1), event(2, "door_forced")])
        stored = outbox.pending()
    assert [e.kind for e in stored] == ["access", "door_forced"]
    assert cbor.decode(stored[0].payload) == {
        "ts": 1767225601, "kind": "access", "door": 1, "reader": 2, "card": 1001,
        "reason": 0, "granted": True, "direction": "entry"}
    with Outbox(tmp_path) as reopened:  # durable: still there after reopening
        assert [e.seq for e in reopened.pending()] == [1, 2]


def test_outbox_writer_falls_back_to_one_by_one_so_one_bad_event_spoils_only_itself(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with Outbox(tmp_path, OutboxConfig(max_payload=200)) as outbox:
        writer = OutboxWriter(outbox)
        huge = DoorEvent("door_fault", 1, 1.0, door=1, data={"detail": "x" * 500})
        writer([event(1), huge, event(2)])
        stored = outbox.pending()
    assert [cbor.decode(e.payload)["card"] for e in stored] == [1001, 1002]  # type: ignore[index]
    assert (writer.stored, writer.refused) == (2, 1)
    assert "event door_fault not stored" in caplog.text


def test_outbox_writer_reports_each_stored_event_with_its_seq(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    told: list[tuple[str, int]] = []

    def on_stored(stored: DoorEvent, seq: int) -> None:
        if stored.kind == "door_forced":
            raise RuntimeError("photo queue gone")
        told.append((stored.kind, seq))

    with Outbox(tmp_path, OutboxConfig(max_payload=200)) as outbox:
        writer = OutboxWriter(outbox, on_stored)
        writer([event(1), event(2)])
        huge = DoorEvent("door_fault", 1, 1.0, door=1, data={"detail": "x" * 500})
        writer([event(3, "door_forced"), huge, event(4)])  # one by one after the refusal
        assert outbox.last_seq == 4
    assert told == [("access", 1), ("access", 2), ("access", 4)]
    assert writer.stored == 4
    assert "on_stored failed for event 3 (door_forced)" in caplog.text
