"""Assemble uploaded photos from ``photo_chunk`` messages and say what to acknowledge.

The rules are docs/wire.md's (``photo_chunk``, ``photo_ack``): chunks are stored only in
order; a lower index is a duplicate, a higher one is dropped, and both are answered with
how many chunks the hub holds (the edge rewinds to it). After the last chunk the size
and SHA-256 of the whole JPEG are checked: a mismatch discards the photo and answers
``next: 0``, so the edge sends it again. Everything happens in the caller's transaction
(hub.sync.worker) and the ack goes out only after its commit, so a hub restart resumes
an upload from the chunks it had committed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.events.models import Event
from hub.photos.models import AccessPhoto

log = logging.getLogger(__name__)

DAY = 86_400
RETENTION_DAYS = 60  # SPEC §9: access photos are deleted after N days, default 60


def ack(photo: str, received: int, done: bool) -> dict[str, object]:
    """The ``photo_ack`` fields."""
    return {"photo": photo, "next": received, "done": done}


def retention_until(taken: int, edge_tag: int, retention_days: int) -> int:
    """When the photo must go: the earlier of the edge's tag and the hub's N days."""
    hub_limit = taken + retention_days * DAY
    return min(edge_tag, hub_limit) if edge_tag > 0 else hub_limit


def apply_chunk(session: Session, controller_id: int, chunk: Mapping[str, Any],
                retention_days: int = RETENTION_DAYS) -> dict[str, object]:
    """Store one valid ``photo_chunk`` (already decoded and checked by the wire layer);
    the ``photo_ack`` to send once the transaction is committed."""
    name = chunk["photo"]
    index = chunk["index"]
    row = session.scalar(select(AccessPhoto).where(AccessPhoto.controller_id == controller_id,
                                                   AccessPhoto.photo == name))
    if row is not None and (row.sha256 != chunk["sha256"] or row.size != chunk["size"]
                            or row.chunk_count != chunk["count"]):
        if row.complete:
            # an id is an event seq: the edge cannot mean another photo by it
            log.warning("controller %s: photo %s is already stored with another hash; "
                        "chunk %s ignored", controller_id, name, index)
            return ack(name, row.chunk_count, True)
        log.info("controller %s: photo %s restarted with another content", controller_id, name)
        session.delete(row)
        session.flush()
        row = None
    if row is None:
        if index != 0:
            return ack(name, 0, False)  # never saw chunk 0 (or discarded the photo)
        row = _new_photo(controller_id, chunk, retention_days)
        session.add(row)
    elif row.complete:
        return ack(name, row.chunk_count, True)
    elif index != row.received:
        return ack(name, row.received, False)  # duplicate or ahead of a gap: rewind
    else:
        row.data = row.data + chunk["data"]
        row.received += 1
    if row.received < row.chunk_count:
        session.flush()
        return ack(name, row.received, False)
    return _finish(session, controller_id, row)


def _new_photo(controller_id: int, chunk: Mapping[str, Any],
               retention_days: int) -> AccessPhoto:
    meta = chunk["meta"]
    return AccessPhoto(
        controller_id=controller_id, photo=chunk["photo"], seq=chunk["seq"],
        taken_at=meta["taken"], width=meta["width"], height=meta["height"],
        faces=meta["faces"], boxes=[list(box) for box in meta["boxes"]],
        size=chunk["size"], sha256=chunk["sha256"], chunk_count=chunk["count"],
        received=1, complete=False, data=chunk["data"],
        retention_until=retention_until(meta["taken"], meta["retain_until"], retention_days),
    )


def _finish(session: Session, controller_id: int, row: AccessPhoto) -> dict[str, object]:
    data = row.data
    if len(data) != row.size or hashlib.sha256(data).digest() != row.sha256:
        log.warning("controller %s: photo %s refused: %d bytes received, SHA-256 %s; "
                    "the edge sends it again", controller_id, row.photo, len(data),
                    "differs" if len(data) == row.size else "not checked (size differs)")
        name = row.photo
        session.delete(row)
        session.flush()
        return ack(name, 0, False)
    row.complete = True
    row.event_id = session.scalar(select(Event.id).where(Event.controller_id == controller_id,
                                                         Event.seq == row.seq))
    session.flush()
    log.info("controller %s: photo %s stored (%d bytes, %s faces)", controller_id, row.photo,
             row.size, row.faces)
    return ack(row.photo, row.chunk_count, True)


def photo_for_event(session: Session, event: Event) -> AccessPhoto | None:
    """The complete photo of an event: linked at upload, or found by controller and seq
    (the event may have arrived after its photo)."""
    return session.scalar(select(AccessPhoto).where(
        AccessPhoto.controller_id == event.controller_id, AccessPhoto.seq == event.seq,
        AccessPhoto.complete.is_(True)).order_by(AccessPhoto.id.desc()).limit(1))
