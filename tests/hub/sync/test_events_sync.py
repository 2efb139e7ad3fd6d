"""Events over a real Mosquitto: stored once, acknowledged after the commit, gaps replayed."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from hub.events.models import Event
from hub.sync.service import SyncService
from tests.hub.sync.conftest import PeerFactory, Plant, eventually


def ev(seq: int, *, historical: bool = False, ts: int | None = None) -> dict[str, Any]:
    return {"seq": seq, "ts": ts if ts is not None else int(time.time()), "reader": 1,
            "door": 1, "card": 0x0100000000000001 + seq, "kind": "access", "reason": 0,
            "granted": True, "faces": None, "photo": None, "historical": historical}


def stored(sessions: sessionmaker[Session], controller_id: int) -> list[tuple[int, bool]]:
    with sessions() as db:
        rows = db.execute(select(Event.seq, Event.historical)
                          .where(Event.controller_id == controller_id).order_by(Event.seq))
        return [(seq, historical) for seq, historical in rows]


def test_batches_are_stored_once_and_acknowledged(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    edge = edge_factory(plant, "door-1")
    ctl = plant.controllers["door-1"]
    edge.send("events", "event_batch", {"events": [ev(1), ev(2), ev(3)]})
    assert edge.wait_for("event_ack", lambda f: f["upto"] == 3)
    edge.send("events", "event", ev(4))
    edge.wait_for("event_ack", lambda f: f["upto"] == 4)
    # the edge missed the acks and sends everything again: stored once, acknowledged again
    acks_before = len(edge.all_of("event_ack"))
    edge.send("events", "event_batch", {"events": [ev(1), ev(2), ev(3), ev(4)]})
    eventually(lambda: len(edge.all_of("event_ack")) > acks_before)
    assert edge.all_of("event_ack")[-1]["upto"] == 4
    assert stored(sessions, ctl) == [(1, False), (2, False), (3, False), (4, False)]


def test_gap_is_asked_for_and_the_replay_is_historical(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    edge = edge_factory(plant, "door-1")
    ctl = plant.controllers["door-1"]
    edge.send("events", "event_batch", {"events": [ev(1), ev(2)]})
    edge.wait_for("event_ack", lambda f: f["upto"] == 2)
    edge.send("events", "event_batch", {"events": [ev(5), ev(6)]})  # 3 and 4 lost on the way
    time.sleep(0.3)
    acks = [a["upto"] for a in edge.all_of("event_ack")]
    assert acks[-1] == 2 and 6 not in acks  # never acknowledged past the gap
    # the edge re-sends from upto + 1 (historical: sent late)
    edge.send("events", "event_batch", {"events": [ev(3, historical=True), ev(4), ev(5), ev(6)]})
    edge.wait_for("event_ack", lambda f: f["upto"] == 6)
    assert stored(sessions, ctl) == [(1, False), (2, False), (3, True), (4, True), (5, False),
                                     (6, False)]


def test_ack_comes_only_after_the_commit(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory,
    service_sessions: sessionmaker[Session],
) -> None:
    sessions = service_sessions  # plain sessions: reading must not wait for the blocker
    edge = edge_factory(plant, "door-2")
    ctl = plant.controllers["door-2"]
    edge.send("events", "event", ev(1))
    edge.wait_for("event_ack", lambda f: f["upto"] == 1)
    blocker = sessions()
    release = threading.Event()

    def hold_the_database() -> None:  # a writer holding SQLite's write lock
        blocker.execute(text("UPDATE controller_sync SET firmware = firmware"))
        release.wait(5)
        blocker.rollback()
        blocker.close()

    holder = threading.Thread(target=hold_the_database)
    holder.start()
    try:
        time.sleep(0.2)
        edge.send("events", "event_batch", {"events": [ev(2), ev(3)]})
        time.sleep(1.0)
        assert [a["upto"] for a in edge.all_of("event_ack")] == [1]  # not committed: no ack
        assert stored(sessions, ctl) == [(1, False)]
    finally:
        release.set()
        holder.join()
    edge.wait_for("event_ack", lambda f: f["upto"] == 3)
    assert [seq for seq, _h in stored(sessions, ctl)] == [1, 2, 3]


def test_events_of_two_controllers_in_one_stream(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    one, two = edge_factory(plant, "door-1"), edge_factory(plant, "door-2")
    for seq in range(1, 41, 8):
        one.send("events", "event_batch", {"events": [ev(s) for s in range(seq, seq + 8)]})
        two.send("events", "event_batch", {"events": [ev(s) for s in range(seq, seq + 8)]})
    one.wait_for("event_ack", lambda f: f["upto"] == 40)
    two.wait_for("event_ack", lambda f: f["upto"] == 40)
    with sessions() as db:
        counts = dict(db.execute(select(Event.controller_id, func.count())
                                 .group_by(Event.controller_id)).all())
    assert counts[plant.controllers["door-1"]] == 40
    assert counts[plant.controllers["door-2"]] == 40
