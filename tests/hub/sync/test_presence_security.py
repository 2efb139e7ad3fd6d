"""Presence (births, wills, late deaths, hub status) and message security over Mosquitto."""

from __future__ import annotations

import json
import time

from sqlalchemy.orm import Session, sessionmaker

from hub.sync.keys import rotate_key
from hub.sync.models import ControllerSync
from hub.sync.service import SyncService
from protocols.portable import messages, topics
from protocols.portable.auth import Sealer
from tests.hub.sync.conftest import HubFactory, PeerFactory, Plant, eventually
from tests.mqtt import MosquittoBroker


def sync_of(sessions: sessionmaker[Session], controller_id: int) -> ControllerSync | None:
    with sessions() as db:
        return db.get(ControllerSync, controller_id)


def test_birth_then_will_and_a_late_will_is_ignored(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    ctl = plant.controllers["door-1"]
    edge = edge_factory(plant, "door-1", connect=False)
    # the will of session 2, sealed when that session connected (a lower counter)
    old_will = edge.pack("state", "death", {"ctl": "door-1", "session": 2})
    edge.connect(session=3)
    edge.birth(3, applied=None, pending=7)
    row = eventually(lambda: (r := sync_of(sessions, ctl)) is not None and r.online and r)
    assert isinstance(row, ControllerSync)
    assert (row.birth_session, row.firmware, row.pending_events) == (3, "test-peer 1", 7)
    assert json.loads(row.readers) == [{"id": 1, "kind": "sim", "ok": True}]
    # the broker publishes session 2's will late (it noticed the old connection died only
    # now): authentic, but older than the current birth, so the controller stays online
    edge.publish_raw("state", old_will, retain=True)
    eventually(lambda: (r := sync_of(sessions, ctl)) is not None and r.death_session == 2)
    assert sync_of(sessions, ctl).online  # type: ignore[union-attr]
    # the connection dies: the broker publishes this session's will
    edge.drop()
    eventually(lambda: (r := sync_of(sessions, ctl)) is not None and not r.online)
    assert sync_of(sessions, ctl).death_session == 3  # type: ignore[union-attr]
    # back with a new session
    again = edge_factory(plant, "door-1", connect=False)
    again.sealer = edge.sealer  # an edge persists its counters across connections
    again.connect(session=4)
    again.birth(4, applied=None)
    eventually(lambda: (r := sync_of(sessions, ctl)) is not None and r.online)


def test_hub_status_is_retained_with_a_will(
    hub_factory: HubFactory, mosquitto: MosquittoBroker, plant: Plant, edge_factory: PeerFactory
) -> None:
    first = hub_factory(mosquitto.url)
    edge = edge_factory(plant, "door-1")
    status = edge.wait_for("hub_status", lambda f: f["online"])
    assert status["session"] == first.links[plant.site].session
    first.stop()
    edge.wait_for("hub_status", lambda f: not f["online"] and f["session"] == status["session"])
    second = hub_factory(mosquitto.url)
    newer = edge.wait_for("hub_status", lambda f: f["online"] and f["session"] > status["session"])
    assert newer["session"] == second.links[plant.site].session


def _rejections(sessions: sessionmaker[Session], ctl: int) -> tuple[int, int]:
    row = sync_of(sessions, ctl)
    return (0, 0) if row is None else (row.auth_failures, row.replays)


def test_forged_altered_and_replayed_messages_are_rejected(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    ctl = plant.controllers["door-1"]
    edge = edge_factory(plant, "door-1")
    event: dict[str, object] = {
        "seq": 1, "ts": int(time.time()), "reader": 1, "door": 1, "card": None,
        "kind": "door_forced", "reason": 0, "granted": False, "faces": None, "photo": None,
        "historical": False}
    # forged: sealed with a key the hub does not hold for this controller
    forger = Sealer(edge.sealer.kid, b"k" * 32)
    topic = edge.topic("events")
    edge.publish_raw("events", forger.seal(messages.encode("event", event), topic))
    # altered: a real message with one byte changed
    good = bytearray(edge.pack("events", "event", event))
    good[-1] ^= 0x01
    edge.publish_raw("events", bytes(good))
    eventually(lambda: _rejections(sessions, ctl)[0] == 2)
    assert edge.all_of("event_ack") == []  # nothing was stored
    # a genuine message, then the same bytes again (a replay)
    payload = edge.pack("events", "event", event)
    edge.publish_raw("events", payload)
    edge.wait_for("event_ack", lambda f: f["upto"] == 1)
    edge.publish_raw("events", payload)
    eventually(lambda: _rejections(sessions, ctl)[1] >= 1)
    row = sync_of(sessions, ctl)
    assert row is not None and "forged, altered" in row.last_problem


def test_one_controller_cannot_speak_for_another(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    one = edge_factory(plant, "door-1")
    other = plant.controllers["door-2"]
    # door-1 seals with its own (valid) key a birth on door-2's topic
    topic = topics.controller_topic("vratnik", plant.site, "door-2", "birth")
    fields = {"ctl": "door-2", "session": 9, "ts": int(time.time()), "applied": None,
              "horizon_left": 0, "firmware": "x", "pending": 0, "readers": []}
    payload = one.sealer.seal(messages.encode("birth", fields), topic)
    one.client.publish(topic, payload, qos=1).wait_for_publish(5)
    eventually(lambda: _rejections(sessions, other)[0] == 1)
    row = sync_of(sessions, other)
    assert row is not None and not row.online and row.birth_session is None


def test_rotated_key_is_used_and_the_previous_one_still_accepted(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    ctl = plant.controllers["door-2"]
    old = edge_factory(plant, "door-2")
    with sessions() as db:
        new_key = rotate_key(db, ctl)
        hub.peers.reload(db, ctl)
        db.commit()
    # the hub now seals with the new key; the edge with the old key still gets through
    old.send("events", "event", {"seq": 1, "ts": int(time.time()), "reader": None,
                                 "door": 1, "card": None, "kind": "exit_button", "reason": 0,
                                 "granted": True, "faces": None, "photo": None,
                                 "historical": False})
    eventually(lambda: old.rejected)  # the ack is sealed with a key the old edge lacks
    fresh = edge_factory(plant, "door-2")
    fresh.sealer = Sealer(new_key.kid, new_key.key)
    fresh.verifier = type(fresh.verifier)({new_key.kid: new_key.key})
    hub.rollout.manifest(ctl)
    assert fresh.wait_for("manifest")["version"] >= 1

