"""Lists over a real Mosquitto: snapshot, delta on its exact base, wrong base, torn snapshot."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.core.reasons import GRANTED, UNKNOWN_CARD
from edge.store.listfile import ListStore
from protocols.portable.accesslist import encode_delta, encode_snapshot
from tests.edge.sync.helpers import (
    KEY_ID,
    READER,
    SITE,
    device_key,
    make_edge,
    make_list,
    next_list,
    wait_until,
)
from tests.edge.sync.hubdouble import HubDouble
from tests.mqtt import MosquittoBroker

CTL = "door-1"
CARDS = list(range(1000, 700_000, 331))  # gaps of 2 varint bytes: a few KB


@pytest.fixture
def hub(mosquitto: MosquittoBroker) -> Iterator[HubDouble]:
    double = HubDouble(mosquitto, SITE, {CTL: (KEY_ID, device_key(CTL))})
    yield double
    double.close()


def test_snapshot_then_delta_on_its_base(mosquitto: MosquittoBroker, hub: HubDouble,
                                         tmp_path: Path) -> None:
    hub.sources[CTL].chunk_size = 1000  # several chunks
    v1 = make_list(CTL, 1, CARDS)
    snapshot = hub.publish_list(CTL, v1)
    assert len(snapshot) > 4000
    with make_edge(mosquitto, tmp_path) as edge:
        applied = hub.wait_message(CTL, "list_applied", lambda f: f["version"] == 1)
        assert applied["hash"] == hashlib.sha256(snapshot).digest()
        request = hub.messages(CTL, "list_request")[0]
        assert request == {"have": None, "want": "snapshot", "resume_from": 0}
        assert edge.decide_now(CARDS[5], READER) == GRANTED
        assert edge.decide_now(5000, READER) == UNKNOWN_CARD

        v2, delta = next_list(v1, [*CARDS, 5000])
        hub.publish_list(CTL, v2, v1, delta)  # manifest: the edge asks for a delta
        applied = hub.wait_message(CTL, "list_applied", lambda f: f["version"] == 2)
        assert edge.decide_now(5000, READER) == GRANTED
        assert {"have": 1, "want": "delta", "resume_from": 0} in hub.messages(CTL,
                                                                              "list_request")
        assert edge.status().in_sync is True
        assert not hub.messages(CTL, "list_error")
    stored = ListStore(tmp_path).load_snapshot()
    assert stored.stored is not None and stored.stored.version == 2
    assert stored.value == encode_snapshot(v2)


def test_delta_on_a_wrong_base_is_refused_then_a_snapshot_recovers(
        mosquitto: MosquittoBroker, hub: HubDouble, tmp_path: Path) -> None:
    v1 = make_list(CTL, 1, range(10, 20))
    hub.publish_list(CTL, v1)
    with make_edge(mosquitto, tmp_path) as edge:
        hub.wait_message(CTL, "list_applied", lambda f: f["version"] == 1)
        # The hub moved on to 7 while the edge is at 1; a delta 6->7 must not apply.
        v6 = make_list(CTL, 6, range(10, 30))
        v7, delta = next_list(v6, range(10, 40))
        delta.hash = hashlib.sha256(encode_snapshot(v7)).digest()
        hub.sources[CTL].lists[7] = v7
        hub.sources[CTL].current = 7
        hub.send(CTL, "list/delta", "delta", {"data": encode_delta(delta)})
        error = hub.wait_message(CTL, "list_error")
        assert error["code"] == "base_mismatch" and error["version"] == 7
        assert edge.active.version == 1  # untouched
        assert edge.decide_now(35, READER) == UNKNOWN_CARD
        # ... and asks for a snapshot, which the hub serves; once the manifest says 7
        # the snapshot is installed.
        hub.wait_message(CTL, "list_request", lambda f: f["want"] == "snapshot"
                         and f["have"] == 1)
        hub.publish_list(CTL, v7)
        hub.wait_message(CTL, "list_applied", lambda f: f["version"] == 7)
        assert edge.decide_now(35, READER) == GRANTED


def test_snapshot_not_matching_the_manifest_hash_is_not_installed(
        mosquitto: MosquittoBroker, hub: HubDouble, tmp_path: Path) -> None:
    v3 = make_list(CTL, 3, range(1, 50))
    hub.publish_list(CTL, v3)
    hub.serve = False
    other = make_list(CTL, 3, range(1, 60))  # same version, other content
    with make_edge(mosquitto, tmp_path) as edge:
        hub.wait_message(CTL, "list_request")
        hub.sources[CTL].lists[3] = other
        hub.send_snapshot(CTL, 3)
        error = hub.wait_message(CTL, "list_error")
        assert error["code"] == "hash_mismatch"
        assert edge.active.version is None
        assert edge.decide_now(55, READER) == UNKNOWN_CARD
        # asks again from chunk 0, and the right snapshot goes in
        hub.sources[CTL].lists[3] = v3
        hub.wait_for(lambda: len(hub.messages(CTL, "list_request")) >= 2, what="re-request")
        hub.send_snapshot(CTL, 3)
        hub.wait_message(CTL, "list_applied", lambda f: f["version"] == 3)


def test_torn_snapshot_resumes_after_a_broker_restart(mosquitto: MosquittoBroker,
                                                      hub: HubDouble, tmp_path: Path) -> None:
    hub.sources[CTL].chunk_size = 512
    v4 = make_list(CTL, 4, CARDS)
    hub.publish_list(CTL, v4)
    hub.sources[CTL].stop_after_chunks = 3  # the first answer stops after 3 chunks
    with make_edge(mosquitto, tmp_path) as edge:
        wait_until(lambda: (p := edge.status().snapshot_progress) is not None and p.received == 3,
                   what="3 chunks stored")
        mosquitto.restart()  # the broker goes away mid-snapshot
        hub.sources[CTL].stop_after_chunks = None
        hub.wait_message(CTL, "list_request", lambda f: f["resume_from"] == 3, timeout=15)
        hub.wait_message(CTL, "list_applied", lambda f: f["version"] == 4, timeout=15)
        assert edge.decide_now(CARDS[-1], READER) == GRANTED
        assert edge.status().connections >= 2
        assert edge.status().snapshot_progress is None


def test_partial_snapshot_survives_an_edge_restart(mosquitto: MosquittoBroker,
                                                   hub: HubDouble, tmp_path: Path) -> None:
    hub.sources[CTL].chunk_size = 512
    v5 = make_list(CTL, 5, CARDS)
    hub.publish_list(CTL, v5)
    hub.sources[CTL].stop_after_chunks = 2
    with make_edge(mosquitto, tmp_path) as edge:
        wait_until(lambda: (p := edge.status().snapshot_progress) is not None and p.received == 2,
                   what="2 chunks stored")
    hub.sources[CTL].stop_after_chunks = None
    with make_edge(mosquitto, tmp_path) as edge:
        hub.wait_message(CTL, "list_applied", lambda f: f["version"] == 5)
        resumed = [f for f in hub.messages(CTL, "list_request") if f["resume_from"] == 2]
        assert resumed and resumed[0]["want"] == "snapshot"
        assert edge.active.version == 5
