"""The desired lists in the database: a canonical snapshot per controller plus recent deltas.

A change is recorded as its delta row first (small, in the same transaction as whatever
caused it); the snapshot row is rewritten a moment later (hub.sync.lists, ``settle``).
So after a crash the snapshot may lag a version or two behind: :func:`restore` replays
the stored deltas above it. Deltas are pruned to the most recent ``keep`` per controller.

Slots: a delta names profile and schedule *slots* of the list it applies to, and the
edge keeps the slots of the snapshot it installed as deltas change them (it does not
renumber them canonically after a delta). The hub's copy per controller does the same,
so both agree as long as neither restarts; after a restart a delta may name the wrong
slots, the result hash catches it (``list_error hash_mismatch``), the edge asks for a
snapshot, and the hub's copy for it starts again from that snapshot (docs/sync.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub.dbtypes import utcnow
from hub.sync.models import ListDelta, ListSnapshot
from protocols.portable.accesslist import (
    AccessList,
    AccessListError,
    apply_delta,
    decode_delta,
    decode_snapshot,
    encode_snapshot,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredDelta:
    """An encoded delta ``base -> version``."""

    base: int
    version: int
    data: bytes


def canonical(lst: AccessList) -> tuple[AccessList, bytes]:
    """The list as an edge holds it after installing its snapshot, and that snapshot."""
    data = encode_snapshot(lst)
    return decode_snapshot(data), data


def load_snapshots(session: Session, controller_ids: Iterable[int]) -> dict[int, ListSnapshot]:
    ids = list(controller_ids)
    if not ids:
        return {}
    rows = session.scalars(select(ListSnapshot).where(ListSnapshot.controller_id.in_(ids)))
    return {row.controller_id: row for row in rows}


def load_deltas(session: Session, controller_id: int) -> list[StoredDelta]:
    """The stored deltas of a controller, oldest first."""
    rows = session.execute(
        select(ListDelta.base, ListDelta.version, ListDelta.data)
        .where(ListDelta.controller_id == controller_id)
        .order_by(ListDelta.version)
    )
    return [StoredDelta(base, version, data) for base, version, data in rows]


def restore(snapshot: ListSnapshot, deltas: list[StoredDelta]) -> tuple[AccessList, bytes]:
    """The newest list the database knows: the snapshot plus the stored deltas above it
    (applied as an edge that installed that snapshot would), and its snapshot bytes."""
    lst, data = decode_snapshot(snapshot.snapshot), snapshot.snapshot
    for stored in deltas:
        if stored.version <= lst.version:
            continue
        if stored.base != lst.version:
            log.warning("list of controller %s: stored delta %s->%s does not follow version "
                        "%s; continuing from there", snapshot.controller_id, stored.base,
                        stored.version, lst.version)
            break
        try:
            apply_delta(lst, decode_delta(stored.data))
        except AccessListError as err:
            log.warning("list of controller %s: stored delta %s->%s does not apply (%s)",
                        snapshot.controller_id, stored.base, stored.version, err)
            break
        data = encode_snapshot(lst)  # compacts, like the edge after a delta
    return lst, data


def add_delta(session: Session, controller_id: int, delta: StoredDelta) -> None:
    """Record a new delta (in the caller's transaction)."""
    session.add(ListDelta(controller_id=controller_id, base=delta.base, version=delta.version,
                          data=delta.data))


def save_snapshot(session: Session, controller_id: int, version: int, content_hash: bytes,
                  snapshot: bytes, keep: int) -> None:
    """Store the snapshot of ``version`` and prune old deltas (caller commits)."""
    values = {"controller_id": controller_id, "version": version,
              "content_hash": content_hash, "snapshot": snapshot, "updated_at": utcnow()}
    dialect = session.get_bind().dialect.name
    insert = pg_insert(ListSnapshot) if dialect == "postgresql" else sqlite_insert(ListSnapshot)
    session.execute(insert.values(values).on_conflict_do_update(
        index_elements=["controller_id"],
        set_={k: v for k, v in values.items() if k != "controller_id"},
        # never move the stored snapshot backwards (two writers racing)
        where=ListSnapshot.version <= version,
    ))
    session.execute(delete(ListDelta).where(
        ListDelta.controller_id == controller_id, ListDelta.version <= version - keep))
