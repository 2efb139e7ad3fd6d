"""Events over a real Mosquitto: order, acks before pruning, resends, gaps."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.core.reasons import GRANTED, UNKNOWN_CARD
from edge.store.outbox import Outbox, OutboxConfig
from edge.sync.events import GAP_KIND, EventSender, event_payload
from tests.edge.sync.helpers import (
    KEY_ID,
    READER,
    SITE,
    device_key,
    make_edge,
    make_list,
    wait_until,
)
from tests.edge.sync.hubdouble import HubDouble
from tests.mqtt import MosquittoBroker

CTL = "door-2"


@pytest.fixture
def hub(mosquitto: MosquittoBroker) -> Iterator[HubDouble]:
    double = HubDouble(mosquitto, SITE, {CTL: (KEY_ID, device_key(CTL))}, auto_ack=False)
    yield double
    double.close()


def _seqs(hub: HubDouble) -> list[int]:
    return [e["seq"] for b in hub.messages(CTL, "event_batch")
            for e in b["events"]]  # type: ignore[attr-defined]


def test_events_arrive_in_order_and_are_pruned_only_after_the_ack(
        mosquitto: MosquittoBroker, hub: HubDouble, tmp_path: Path) -> None:
    hub.publish_list(CTL, make_list(CTL, 1, [77]))
    with make_edge(mosquitto, tmp_path, CTL, max_in_flight=2048) as edge:
        hub.wait_message(CTL, "list_applied")
        assert edge.decide_now(77, READER, door=1) == GRANTED
        assert edge.decide_now(78, READER) == UNKNOWN_CARD
        for n in range(598):
            edge.record_event("door_held" if n % 100 == 0 else "exit_button", 1_700_000_000 + n,
                              door=1)
        hub.wait_for(lambda: len(hub.stored[CTL]) == 600, what="600 events")
        batches = hub.messages(CTL, "event_batch")
        assert all(1 <= len(b["events"]) <= 256 for b in batches)  # type: ignore[arg-type]
        assert _seqs(hub) == list(range(1, 601))  # in order, each once
        first, second = hub.stored[CTL][1], hub.stored[CTL][2]
        assert first["card"] == 77 and first["granted"] is True and first["reason"] == GRANTED
        assert second["card"] == 78 and second["reason"] == UNKNOWN_CARD
        assert first["kind"] == "access" and first["historical"] is False
        assert hub.stored[CTL][3]["kind"] == "door_held"

        # Nothing acknowledged: nothing pruned.
        assert edge.outbox.acked_seq == 0 and len(edge.outbox.pending(0, 1000)) == 600
        hub.ack(CTL, 300)
        wait_until(lambda: edge.outbox.acked_seq == 300, what="ack 300")
        assert [e.seq for e in edge.outbox.pending(0, 1000)] == list(range(301, 601))
        hub.ack(CTL, 600)
        wait_until(lambda: edge.outbox.acked_seq == 600, what="ack 600")
        assert edge.outbox.pending(0, 10) == []
        assert edge.status().unacknowledged == 0


def test_unacknowledged_events_are_sent_again_after_a_reconnect(
        mosquitto: MosquittoBroker, hub: HubDouble, tmp_path: Path) -> None:
    with make_edge(mosquitto, tmp_path, CTL) as edge:
        wait_until(lambda: edge.status().online, what="edge online")
        for n in range(10):
            edge.record_event("exit_button", 1_700_000_000 + n, door=1)
        hub.wait_for(lambda: len(_seqs(hub)) == 10, what="first send")
        mosquitto.restart()
        # The same seqs again, now marked historical (sent late).
        hub.wait_for(lambda: len(_seqs(hub)) >= 20, timeout=15, what="resend")
        sent = [e for b in hub.messages(CTL, "event_batch")
                for e in b["events"]]  # type: ignore[attr-defined]
        assert [e["seq"] for e in sent[:20]] == [*range(1, 11), *range(1, 11)]
        assert not any(e["historical"] for e in sent[:10])
        assert all(e["historical"] for e in sent[10:20])
        hub.ack(CTL, hub.contiguous(CTL))
        wait_until(lambda: edge.outbox.acked_seq == 10, what="ack after resend")


def test_events_recorded_while_stopped_are_sent_on_start_and_marked_historical(
        mosquitto: MosquittoBroker, hub: HubDouble, tmp_path: Path) -> None:
    hub.auto_ack = True
    with Outbox(tmp_path / "outbox") as outbox:
        for n in range(5):
            outbox.append("access", event_payload(1_700_000_000 + n, READER, 1, 42 + n, 1,
                                                  False))
    with make_edge(mosquitto, tmp_path, CTL) as edge:
        wait_until(lambda: edge.outbox.acked_seq == 5, what="backlog acked")
        edge.record_event("exit_button", int(time.time()), door=1)
        wait_until(lambda: edge.outbox.acked_seq == 6, what="live event acked")
    assert [hub.stored[CTL][s]["historical"] for s in range(1, 7)] == [True] * 5 + [False]
    assert hub.stored[CTL][3]["card"] == 44


def test_no_ack_within_the_timeout_resends_without_a_reconnect(
        mosquitto: MosquittoBroker, hub: HubDouble, tmp_path: Path) -> None:
    with make_edge(mosquitto, tmp_path, CTL, ack_timeout=0.3) as edge:
        wait_until(lambda: edge.status().online, what="edge online")
        edge.record_event("exit_button", 1_700_000_000, door=1)
        hub.wait_for(lambda: len(_seqs(hub)) >= 2, what="resend after the timeout")
        assert set(_seqs(hub)) == {1} and edge.status().connections == 1
        hub.ack(CTL, 1)
        wait_until(lambda: edge.outbox.acked_seq == 1, what="acked")


def test_seqs_the_outbox_evicted_are_sent_as_gap_events(tmp_path: Path) -> None:
    config = OutboxConfig(max_bytes=8192, segment_bytes=4096, max_events=100_000,
                          reserve_bytes=4096)
    clock = time.time
    with Outbox(tmp_path, config) as outbox:
        for n in range(300):  # far more than fits: the oldest are evicted
            outbox.append("access", event_payload(1_700_000_000 + n, READER, 1, n, 1, False))
        assert outbox.stats().dropped > 0
        sender = EventSender(outbox, clock, batch=256, max_in_flight=100_000)
        sender.on_connect()
        sent = [e for out in sender.pump() for e in out.fields["events"]]  # type: ignore[attr-defined]
        seqs = [e["seq"] for e in sent]
        assert seqs == list(range(1, outbox.last_seq + 1))  # contiguous: no gap for the hub
        kinds = {e["kind"] for e in sent}
        assert GAP_KIND in kinds and "outbox_dropped" in kinds
        stored = {e.seq for e in outbox.pending(0, 100_000)}
        assert all((e["kind"] == GAP_KIND) == (e["seq"] not in stored) for e in sent)


def test_a_repeated_ack_is_a_request_to_send_the_rest_again(
        mosquitto: MosquittoBroker, hub: HubDouble, tmp_path: Path) -> None:
    with make_edge(mosquitto, tmp_path, CTL) as edge:
        wait_until(lambda: edge.status().online, what="edge online")
        edge.record_event("exit_button", 1_700_000_000, door=1)
        hub.wait_for(lambda: _seqs(hub) == [1], what="event 1")
        hub.ack(CTL, 1)
        wait_until(lambda: edge.outbox.acked_seq == 1, what="ack 1")
        edge.record_event("exit_button", 1_700_000_001, door=1)
        edge.record_event("exit_button", 1_700_000_002, door=1)
        hub.wait_for(lambda: len(_seqs(hub)) == 3, what="events 2 and 3")
        hub.ack(CTL, 1)  # the hub lost 2..3 (say) and asks for them again
        hub.wait_for(lambda: _seqs(hub) == [1, 2, 3, 2, 3], what="2 and 3 again")
        hub.ack(CTL, 3)
        wait_until(lambda: edge.outbox.acked_seq == 3, what="ack 3")
