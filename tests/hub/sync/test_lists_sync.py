"""Lists over a real Mosquitto: retained manifest, snapshot chunks (resumable), deltas from a
recent version, and versions that continue across a hub restart."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hub.badges import services as badges
from hub.sync.service import SyncService
from protocols.portable.accesslist import (
    apply_delta,
    content_hash,
    decode_delta,
    decode_snapshot,
)
from tests.hub.sync.conftest import HubFactory, PeerFactory, Plant, build_plant
from tests.mqtt import MosquittoBroker


def _snapshot(peer_chunks: list[dict[str, Any]], version: int) -> bytes:
    chunks: dict[int, bytes] = {c["index"]: c["data"] for c in peer_chunks
                                if c["version"] == version}
    count: int = next(c["count"] for c in peer_chunks if c["version"] == version)
    assert sorted(chunks) == list(range(count))
    return b"".join(chunks[i] for i in range(count))


def test_manifest_is_retained_and_the_snapshot_matches_it(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    edge = edge_factory(plant, "door-1")
    manifest = edge.wait_for("manifest")
    assert any(r for c, t, f, r in edge.received if t == "manifest" and r)  # retained
    edge.send("list/req", "list_request", {"have": None, "want": "snapshot", "resume_from": 0})
    count = -(-int(manifest["size"]) // int(manifest["chunk_size"]))
    assert count > 1  # small chunks in the tests: the snapshot comes in several
    edge.wait_for("snapshot_chunk", lambda f: f["index"] == count - 1)
    data = _snapshot(edge.all_of("snapshot_chunk"), int(manifest["version"]))
    assert len(data) == manifest["size"]
    assert hashlib.sha256(data).digest() == manifest["hash"]
    lst = decode_snapshot(data)
    assert (lst.site, lst.controller) == (plant.site, "door-1")
    assert lst.lookup(plant.card_key(sessions)) is not None
    # a second edge connecting later gets the same retained manifest
    late = edge_factory(plant, "door-1")
    assert late.wait_for("manifest")["hash"] == manifest["hash"]


def test_snapshot_resumes_from_the_chunk_asked_for(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory
) -> None:
    edge = edge_factory(plant, "door-1")
    manifest = edge.wait_for("manifest")
    count = -(-int(manifest["size"]) // int(manifest["chunk_size"]))
    edge.send("list/req", "list_request", {"have": None, "want": "snapshot", "resume_from": 2})
    edge.wait_for("snapshot_chunk", lambda f: f["index"] == count - 1)
    assert sorted(c["index"] for c in edge.all_of("snapshot_chunk")) == list(range(2, count))


def test_delta_from_a_recent_version_else_a_snapshot(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    edge = edge_factory(plant, "door-1")
    first = edge.wait_for("manifest")
    v1 = int(first["version"])
    edge.send("list/req", "list_request", {"have": None, "want": "snapshot", "resume_from": 0})
    count = -(-int(first["size"]) // int(first["chunk_size"]))
    edge.wait_for("snapshot_chunk", lambda f: f["index"] == count - 1)
    base = decode_snapshot(_snapshot(edge.all_of("snapshot_chunk"), v1))
    # a change on the hub: the card is withdrawn
    with sessions() as db:
        badges.withdraw_badge(db, plant.badge_id)
        db.commit()
    hub.refresh_site(plant.site_id)
    second = edge.wait_for("manifest", lambda f: f["version"] > v1)
    v2 = int(second["version"])
    edge.send("list/req", "list_request", {"have": v1, "want": "delta", "resume_from": 0})
    delta_msg = edge.wait_for("delta")
    delta = decode_delta(delta_msg["data"])
    assert (delta.base, delta.version) == (v1, v2)
    apply_delta(base, delta)
    assert content_hash(base) == second["hash"]
    # a version the hub has no delta chain from: a snapshot instead
    edge.send("list/req", "list_request", {"have": v1 + 1000, "want": "delta", "resume_from": 0})
    edge.wait_for("snapshot_chunk", lambda f: f["version"] == v2)


def test_versions_continue_after_a_hub_restart(
    hub_factory: HubFactory, mosquitto: MosquittoBroker, sessions: sessionmaker[Session]
) -> None:
    plant = build_plant(sessions)
    first = hub_factory(mosquitto.url)
    found = first.lists.state(plant.controllers["door-1"])
    assert found is not None
    version, content = found[1].version, found[1].content_hash
    first.stop()
    second = hub_factory(mosquitto.url)
    again = second.lists.state(plant.controllers["door-1"])
    assert again is not None
    assert (again[1].version, again[1].content_hash) == (version, content)
    with sessions() as db:
        badges.withdraw_badge(db, plant.badge_id)
        db.commit()
    second.refresh_site(plant.site_id)
    third_state = second.lists.state(plant.controllers["door-1"])
    assert third_state is not None and third_state[1].version == version + 1
