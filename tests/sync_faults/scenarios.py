"""The four faults of issue 4 (section 7), each on a fresh Rig: used by the fault tests
(one run each) and by scripts/soak_sync.py (in a loop, with random timings)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.mqtt import MosquittoBroker
from tests.sync_faults.harness import Rig, wait_for


def last_seq(rig: Rig) -> int:
    status = rig.status()
    assert status is not None
    return int(status["last_seq"])


def broker_restarts(rig: Rig, broker: MosquittoBroker, chance: random.Random) -> int:
    """The broker restarted mid-snapshot (once cleanly, once SIGKILLed) while events flow."""
    rig.boot_hub()
    rig.start_edge(events=600, rate=400)
    wait_for(lambda: (s := rig.status()) and s["snapshot_progress"], 20,
             "the snapshot to be under way")
    broker.restart()
    time.sleep(chance.uniform(0.2, 0.6))
    status = rig.status()
    assert status is not None and not status["in_sync"], "the snapshot was not interrupted"
    broker.restart(kill=True)  # and once without saving its persistence
    rig.wait_converged(60)
    wait_for(lambda: last_seq(rig) >= 600, 20, "all events recorded")
    rig.settled(600)
    rig.check_events(600)
    return 600


def edge_kills(rig: Rig, _broker: MosquittoBroker, chance: random.Random) -> int:
    """The edge SIGKILLed at random points while events flow, four times."""
    rig.boot_hub()
    for _round in range(4):
        rig.start_edge(events=100_000, rate=500)
        time.sleep(chance.uniform(0.3, 1.2))
        rig.edge.kill()
    rig.start_edge()  # no new events: drain what the outbox holds
    expected = last_seq(rig)
    assert expected > 100, "too few events were recorded to prove anything"
    rig.settled(expected)
    rig.check_events(expected)
    rig.wait_converged()
    return expected


def hub_kills(rig: Rig, _broker: MosquittoBroker, chance: random.Random) -> int:
    """The hub SIGKILLed while ingesting, three times."""
    rig.boot_hub()
    rig.start_edge(events=3000, rate=1500)
    for _round in range(3):
        wait_for(lambda: len(rig.seqs()) > 0, 20, "events ingested")
        time.sleep(chance.uniform(0.1, 0.6))
        rig.restart_hub(kill=True)
    wait_for(lambda: last_seq(rig) >= 3000, 20, "all events recorded")
    rig.settled(3000)
    rig.check_events(3000)
    rig.wait_converged()
    return 3000


def cut_off(rig: Rig, broker: MosquittoBroker, _chance: random.Random) -> int:
    """The edge cut off (the broker gone) while 5,000 events pile up, then back."""
    rig.boot_hub()
    rig.start_edge(events=5000, rate=0)
    rig.wait_converged()
    broker.stop()
    wait_for(lambda: last_seq(rig) >= 5000, 30, "5,000 events piled up in the outbox")
    status = rig.status()
    assert status is not None and status["acked_seq"] < 5000, "nothing piled up"
    broker.start()
    rig.settled(5000, timeout=90)
    rig.check_events(5000)
    rig.wait_converged()
    return 5000


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[Rig, MosquittoBroker, random.Random], int]
    rig: dict[str, Any] = field(default_factory=dict)


# a slow snapshot (a few hundred bytes in 32-byte chunks at 150 B/s: about 3 s), so the
# broker restart lands in the middle of it
SLOW_SNAPSHOT = {"chunk_size": 32, "snapshot_bytes_per_second": 150.0,
                 "snapshot_burst_bytes": 32}

SCENARIOS = (
    Scenario("broker restarted mid-snapshot and mid-event-stream", broker_restarts,
             {"hub_settings": SLOW_SNAPSHOT}),
    Scenario("edge SIGKILLed while events flow", edge_kills),
    Scenario("hub SIGKILLed while ingesting", hub_kills),
    Scenario("edge cut off while events pile up", cut_off),
)
