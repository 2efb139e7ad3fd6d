"""Photo assembly at the hub (hub.photos.ingest) and the GDPR purge, on the migrated
database: chunks only in order, resumable from what was committed, hash checked, the
retention date the earlier of the edge's tag and the hub's N days."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.dbtypes import utcnow
from hub.events.ingest import ingest_batches
from hub.events.models import Event
from hub.photos.ingest import DAY, apply_chunk, photo_for_event
from hub.photos.models import AccessPhoto
from hub.photos.retention import purge_expired_photos
from tests.hub.sync.conftest import Plant, build_plant

TAKEN = 1_767_261_600
JPEG = bytes(range(256)) * 40  # 10240 bytes
CHUNK = 4096


def chunk(index: int, *, data: bytes = JPEG, photo: str = "ev000000000007", seq: int = 7,
          retain_until: int = TAKEN + 30 * DAY, sha: bytes | None = None) -> dict[str, object]:
    count = -(-len(JPEG) // CHUNK)
    meta = {"taken": TAKEN, "width": 640, "height": 480, "faces": 2,
            "boxes": [[1, 2, 3, 4, 900], [5, 6, 7, 8, 800]], "retain_until": retain_until}
    return {"photo": photo, "seq": seq, "index": index, "count": count, "size": len(JPEG),
            "sha256": sha or hashlib.sha256(JPEG).digest(),
            "data": data[index * CHUNK:(index + 1) * CHUNK], "meta": meta if index == 0 else None}


@pytest.fixture(scope="module")
def plant(sessions: sessionmaker[Session]) -> Plant:
    """One site for the module: every site in the database is one more broker link for
    each later test's hub, so tests here share theirs (photo ids are distinct)."""
    return build_plant(sessions)


def _apply(sessions: sessionmaker[Session], ctl: int, fields: dict[str, object],
           retention_days: int = 60) -> dict[str, object]:
    with sessions() as db:
        answer = apply_chunk(db, ctl, fields, retention_days)
        db.commit()
        return answer


def _row(sessions: sessionmaker[Session], ctl: int, photo: str) -> AccessPhoto | None:
    with sessions() as db:
        row = db.scalar(select(AccessPhoto).where(AccessPhoto.controller_id == ctl,
                                                  AccessPhoto.photo == photo))
        if row is not None:
            db.expunge(row)
        return row


def test_chunks_in_order_resume_from_the_committed_count_and_complete(
        plant: Plant, sessions: sessionmaker[Session]) -> None:
    ctl = plant.controllers["door-1"]
    with sessions() as db:  # the event arrives first
        ingest_batches(db, {ctl: [{"seq": 7, "ts": TAKEN, "reader": 1, "door": 1,
                                   "card": None, "kind": "access", "reason": 0,
                                   "granted": True, "faces": None, "photo": None,
                                   "historical": False}]}, now=utcnow())
        db.commit()
    assert _apply(sessions, ctl, chunk(1)) == {"photo": "ev000000000007", "next": 0,
                                               "done": False}  # no chunk 0 yet
    assert _apply(sessions, ctl, chunk(0))["next"] == 1
    assert _apply(sessions, ctl, chunk(0))["next"] == 1  # a duplicate changes nothing
    assert _apply(sessions, ctl, chunk(2))["next"] == 1  # ahead of a gap: dropped
    # each call above is its own transaction, as after a hub restart: the count persists
    assert _apply(sessions, ctl, chunk(1))["next"] == 2
    assert _apply(sessions, ctl, chunk(2)) == {"photo": "ev000000000007", "next": 3,
                                               "done": True}
    assert _apply(sessions, ctl, chunk(1))["done"] is True  # late duplicate of a done photo
    row = _row(sessions, ctl, "ev000000000007")
    assert row is not None and row.complete and row.data == JPEG
    assert (row.faces, row.boxes, row.taken_at) == (2, [[1, 2, 3, 4, 900], [5, 6, 7, 8, 800]],
                                                    TAKEN)
    assert row.retention_until == TAKEN + 30 * DAY  # the edge's tag is earlier than 60 days
    with sessions() as db:
        event = db.scalars(select(Event).where(Event.controller_id == ctl,
                                               Event.seq == 7)).one()
        found = photo_for_event(db, event)
        assert row.event_id == event.id
        assert found is not None and found.id == row.id and found.event_id is not None


def test_a_bad_hash_discards_the_photo_and_it_is_sent_again(
        plant: Plant, sessions: sessionmaker[Session]) -> None:
    ctl = plant.controllers["door-2"]
    broken = JPEG[:5000] + b"\x00" + JPEG[5001:]
    for index in range(2):
        _apply(sessions, ctl, chunk(index, data=broken))
    assert _apply(sessions, ctl, chunk(2, data=broken)) == {
        "photo": "ev000000000007", "next": 0, "done": False}
    assert _row(sessions, ctl, "ev000000000007") is None
    for index in range(3):
        answer = _apply(sessions, ctl, chunk(index))
    assert answer["done"] is True
    row = _row(sessions, ctl, "ev000000000007")
    assert row is not None and row.data == JPEG


def _purge(sessions: sessionmaker[Session], now: int) -> int:
    """Purge, checking the count against the rows due (other tests share the database)."""
    with sessions() as db:
        due = len(db.scalars(select(AccessPhoto.id).where(
            AccessPhoto.retention_until <= now)).all())
        assert purge_expired_photos(db, now) == due
        db.commit()
        left = db.scalars(select(AccessPhoto.retention_until)).all()
    assert all(until > now for until in left)
    return due


def test_retention_is_the_hubs_days_when_earlier_and_purge_deletes_expired_only(
        plant: Plant, sessions: sessionmaker[Session]) -> None:
    ctl = plant.controllers["door-1"]
    _apply(sessions, ctl, chunk(0, photo="ev000000000101", seq=101,
                                retain_until=TAKEN + 90 * DAY), retention_days=60)
    for index in range(3):
        _apply(sessions, ctl, chunk(index, photo="ev000000000102", seq=102), retention_days=60)
    old = _row(sessions, ctl, "ev000000000101")
    new = _row(sessions, ctl, "ev000000000102")
    assert old is not None and old.retention_until == TAKEN + 60 * DAY
    assert new is not None and new.retention_until == TAKEN + 30 * DAY and new.complete
    _purge(sessions, TAKEN + 30 * DAY - 1)
    assert _row(sessions, ctl, "ev000000000102") is not None
    assert _purge(sessions, TAKEN + 30 * DAY) >= 1  # the complete one, at its date
    assert _row(sessions, ctl, "ev000000000102") is None
    assert _row(sessions, ctl, "ev000000000101") is not None  # not yet (an unfinished upload)
    assert _purge(sessions, TAKEN + 60 * DAY) >= 1
    assert _row(sessions, ctl, "ev000000000101") is None
