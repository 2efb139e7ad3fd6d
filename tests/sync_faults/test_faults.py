"""Faults with real processes and a real Mosquitto (issue 4, section 7): the broker
restarted mid-snapshot and mid-event-stream, the edge SIGKILLed while events flow, the hub
SIGKILLed while ingesting, the edge cut off while thousands of events pile up. Every time:
the hub holds every seq 1..N exactly once and the list converges."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mqtt import MosquittoBroker
from tests.sync_faults.harness import Rig, wait_for


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    with MosquittoBroker(tmp_path / "mqtt") as running:
        yield running


def _rig(tmp_path: Path, broker: MosquittoBroker, **kwargs: object) -> Rig:
    return Rig(tmp_path / "rig", broker, **kwargs)  # type: ignore[arg-type]


def _last_seq(rig: Rig) -> int:
    status = rig.status()
    assert status is not None
    return int(status["last_seq"])


def test_broker_restarted_mid_snapshot_and_mid_event_stream(
        tmp_path: Path, broker: MosquittoBroker) -> None:
    # a slow snapshot (a few hundred bytes in 32-byte chunks at 150 B/s: about 3 s), so
    # the restart lands in the middle of it
    rig = _rig(tmp_path, broker,
               hub_settings={"chunk_size": 32, "snapshot_bytes_per_second": 150.0,
                             "snapshot_burst_bytes": 32})
    try:
        rig.boot_hub()
        rig.start_edge(events=600, rate=400)
        wait_for(lambda: (s := rig.status()) and s["snapshot_progress"], 20,
                 "the snapshot to be under way")
        broker.restart()
        time.sleep(0.5)
        status = rig.status()
        assert status is not None and not status["in_sync"]  # still mid-snapshot
        broker.restart(kill=True)  # and once without saving its persistence
        rig.wait_converged(60)
        wait_for(lambda: _last_seq(rig) >= 600, 20, "all events recorded")
        rig.settled(600)
        rig.check_events(600)
    finally:
        rig.close()


def test_edge_killed_at_random_points_while_events_flow(
        tmp_path: Path, broker: MosquittoBroker) -> None:
    rig = _rig(tmp_path, broker)
    chance = random.Random(4)
    try:
        rig.boot_hub()
        for _round in range(4):
            rig.start_edge(events=100_000, rate=500)
            time.sleep(chance.uniform(0.3, 1.2))
            rig.edge.kill()
        rig.start_edge()  # no new events: drain what the outbox holds
        expected = _last_seq(rig)
        assert expected > 200
        rig.settled(expected)
        rig.check_events(expected)
        rig.wait_converged()
    finally:
        rig.close()


def test_hub_killed_while_ingesting(tmp_path: Path, broker: MosquittoBroker) -> None:
    rig = _rig(tmp_path, broker)
    try:
        rig.boot_hub()
        rig.start_edge(events=3000, rate=1500)
        for _round in range(3):
            wait_for(lambda: len(rig.seqs()) > 0, 20, "events ingested")
            time.sleep(0.4)
            rig.restart_hub(kill=True)
        wait_for(lambda: _last_seq(rig) >= 3000, 20, "all events recorded")
        rig.settled(3000)
        rig.check_events(3000)
        rig.wait_converged()
    finally:
        rig.close()


def test_edge_cut_off_while_thousands_of_events_pile_up(
        tmp_path: Path, broker: MosquittoBroker) -> None:
    rig = _rig(tmp_path, broker)
    try:
        rig.boot_hub()
        rig.start_edge(events=5000, rate=0)
        rig.wait_converged()
        broker.stop()  # the edge (and the hub) lose the broker
        wait_for(lambda: _last_seq(rig) >= 5000, 30, "5,000 events piled up in the outbox")
        status = rig.status()
        assert status is not None and status["acked_seq"] < 5000
        broker.start()
        rig.settled(5000, timeout=90)
        rig.check_events(5000)
        rig.wait_converged()
    finally:
        rig.close()
