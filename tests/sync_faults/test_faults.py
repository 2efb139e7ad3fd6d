"""Faults with real processes and a real Mosquitto (issue 4, section 7): the broker
restarted mid-snapshot and mid-event-stream, the edge SIGKILLed while events flow, the hub
SIGKILLed while ingesting, the edge cut off while thousands of events pile up. Every time:
the hub holds every seq 1..N exactly once and the list converges (tests.sync_faults.
scenarios; the soak, scripts/soak_sync.py, runs the same in a loop)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mqtt import MosquittoBroker
from tests.sync_faults.harness import Rig
from tests.sync_faults.scenarios import SCENARIOS, Scenario


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    with MosquittoBroker(tmp_path / "mqtt") as running:
        yield running


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.run.__name__)
def test_fault(scenario: Scenario, tmp_path: Path, broker: MosquittoBroker) -> None:
    rig = Rig(tmp_path / "rig", broker, **scenario.rig)
    try:
        events = scenario.run(rig, broker, random.Random(4))
        assert events >= 100
        assert rig.converged()
    finally:
        rig.close()
