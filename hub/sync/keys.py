"""Per-controller device keys and broker passwords, and the persisted counters.

Every controller gets its own random MAC key (docs/wire.md, "Authentication"), stored in
the database; the edge is given the same key when it is provisioned. Rotating adds a new
key and keeps the previous one accepted (an edge may still seal with it until it has
the new one); older keys are retired. Key ids are names (``[A-Za-z0-9_-]``): the
controller's code plus a random suffix, so a log line says whose key failed.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub.access.models import Controller
from hub.dbtypes import utcnow
from hub.sync.models import KEY_BYTES, ControllerSync, DeviceKey, SealCounter

log = logging.getLogger(__name__)

OWN_COUNTER = ""  # SealCounter.topic of the hub's own sealing counter


@dataclass(frozen=True)
class KeyMaterial:
    """A key as handed to an edge at provisioning time."""

    controller_id: int
    kid: str
    key: bytes


def _new_kid(code: str) -> str:
    return f"{code[:50]}-{secrets.token_hex(6)}"


def sync_row(session: Session, controller_id: int) -> ControllerSync:
    """The controller's sync row, created on first use (with a fresh broker password)."""
    row = session.get(ControllerSync, controller_id)
    if row is None:
        row = ControllerSync(
            controller_id=controller_id, online=False, firmware="", readers="[]",
            pending_events=0, auth_failures=0, replays=0, last_problem="",
            broker_password=secrets.token_urlsafe(24),
        )
        session.add(row)
        session.flush()
    return row


def active_keys(session: Session, controller_id: int) -> list[DeviceKey]:
    """The keys accepted from the controller, newest first (creates one if it has none)."""
    query = (
        select(DeviceKey)
        .where(DeviceKey.controller_id == controller_id, DeviceKey.retired_at.is_(None))
        .order_by(DeviceKey.id.desc())
    )
    keys = list(session.scalars(query))
    if not keys:
        keys = [_add_key(session, controller_id)]
    return keys


def _add_key(session: Session, controller_id: int) -> DeviceKey:
    controller = session.get(Controller, controller_id)
    if controller is None:
        raise ValueError(f"controller {controller_id} does not exist")
    key = DeviceKey(
        controller_id=controller_id, kid=_new_kid(controller.code),
        key=secrets.token_bytes(KEY_BYTES),
    )
    session.add(key)
    session.flush()
    log.info("new device key %s for controller %s", key.kid, controller.code)
    return key


def current_key(session: Session, controller_id: int) -> KeyMaterial:
    """The key the hub seals with and an edge should hold (the newest active one)."""
    key = active_keys(session, controller_id)[0]
    return KeyMaterial(controller_id, key.kid, key.key)


def rotate_key(session: Session, controller_id: int) -> KeyMaterial:
    """A new key for the controller; the previous one stays accepted, older ones retire."""
    keys = active_keys(session, controller_id)
    for old in keys[1:]:
        old.retired_at = utcnow()
    new = _add_key(session, controller_id)
    return KeyMaterial(controller_id, new.kid, new.key)


def load_counters(session: Session, controller_id: int) -> dict[tuple[str, str], int]:
    """Persisted counters of a controller: ``(kid, topic) -> counter``."""
    rows = session.execute(
        select(SealCounter.kid, SealCounter.topic, SealCounter.counter).where(
            SealCounter.controller_id == controller_id
        )
    )
    return {(kid, topic): counter for kid, topic, counter in rows}


def save_counters(session: Session, controller_id: int,
                  counters: dict[tuple[str, str], int]) -> None:
    """Store counters (upsert), so a restarted hub neither re-accepts nor reuses one."""
    if not counters:
        return
    rows = [
        {"controller_id": controller_id, "kid": kid, "topic": topic, "counter": value}
        for (kid, topic), value in counters.items()
    ]
    dialect = session.get_bind().dialect.name
    insert = pg_insert(SealCounter) if dialect == "postgresql" else sqlite_insert(SealCounter)
    statement = insert.on_conflict_do_update(
        index_elements=["controller_id", "kid", "topic"],
        set_={"counter": insert.excluded.counter},
    )
    session.execute(statement, rows)
