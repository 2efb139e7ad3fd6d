"""Controller presence and list state from the edges' messages (database side).

Online follows Sparkplug's rule: a controller is online when the latest ``birth`` has a
session greater than the latest ``death``'s. A will published late for an old session
(the broker noticed a dead connection only after the edge was back) changes nothing.
Each function changes the session's objects; the worker commits once per batch.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from hub.sync.keys import sync_row
from hub.sync.models import ControllerSync

log = logging.getLogger(__name__)

PROBLEM_MAX = 500  # characters of the last problem kept


def on_birth(session: Session, controller_id: int, fields: Mapping[str, Any],
             now: dt.datetime) -> ControllerSync:
    """A ``birth``: online with its session (unless a death of this or a newer session
    was already seen), applied version, horizon, firmware, readers, pending events."""
    row = sync_row(session, controller_id)
    birth = int(fields["session"])
    if row.birth_session is not None and birth < row.birth_session:
        log.info("controller %s: ignored a birth of old session %s (now %s)", controller_id,
                 birth, row.birth_session)
        return row
    row.birth_session = birth
    row.online = row.death_session is None or birth > row.death_session
    row.applied_version = fields["applied"]
    if fields["applied"] is None:
        row.applied_hash = None
    row.horizon_left = int(fields["horizon_left"])
    row.clock_offset = int(fields["ts"]) - int(now.timestamp())
    row.firmware = str(fields["firmware"])
    row.readers = json.dumps(list(fields["readers"]), sort_keys=True)
    row.pending_events = int(fields["pending"])
    row.last_birth_at = row.last_seen = now
    return row


def on_death(session: Session, controller_id: int, fields: Mapping[str, Any],
             now: dt.datetime) -> ControllerSync:
    """A ``death`` (last will or clean shutdown): offline only if it belongs to the
    current session or a newer one."""
    row = sync_row(session, controller_id)
    death = int(fields["session"])
    row.death_session = max(death, row.death_session or 0)
    if row.birth_session is None or death >= row.birth_session:
        row.online = False
        row.last_death_at = now
    else:
        log.info("controller %s: ignored the late will of session %s (online in session %s)",
                 controller_id, death, row.birth_session)
    return row


def on_applied(session: Session, controller_id: int, version: int, content_hash: bytes,
               now: dt.datetime) -> ControllerSync:
    """A ``list_applied``: the list the edge now runs."""
    row = sync_row(session, controller_id)
    row.applied_version, row.applied_hash = version, content_hash
    row.last_seen = now
    return row


def on_list_error(session: Session, controller_id: int, fields: Mapping[str, Any],
                  now: dt.datetime) -> ControllerSync:
    """A ``list_error``: remembered as the controller's last problem."""
    row = sync_row(session, controller_id)
    note_problem(row, f"list error {fields['code']} (version {fields['version']}): "
                      f"{fields['detail']}")
    row.last_seen = now
    return row


def seen(session: Session, controller_id: int, now: dt.datetime) -> None:
    """Any authentic message: the controller was alive at ``now``."""
    sync_row(session, controller_id).last_seen = now


def note_problem(row: ControllerSync, text: str) -> None:
    row.last_problem = text[:PROBLEM_MAX]


def count_rejections(session: Session, controller_id: int, forged: int, replayed: int,
                     last: str) -> None:
    """Add rejected messages to the controller's counts (``last``: the latest reason)."""
    row = sync_row(session, controller_id)
    row.auth_failures += forged
    row.replays += replayed
    if last:
        note_problem(row, last)
