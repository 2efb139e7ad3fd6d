"""Door commands: unlock, lock, pulse, each with a request id and an expiry.

A door is moved by the controller(s) whose readers serve its access points; the door's
number on a controller is the lowest reader number serving it there (docs/sync.md). The
command is stored, published (never retained), and the call waits a bounded time for
the ``command_result``. The edge never executes a command at or after ``expires`` (now
+ ``command_ttl``), so a command stuck in a queue during an outage cannot open a door
late. A result arriving after the wait still updates the stored command.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.access.models import AccessPoint, Controller, Reader
from hub.dbtypes import utcnow
from hub.errors import Conflict, Invalid
from hub.sync.models import CommandStatus, ControllerSync, DoorCommand
from hub.sync.txn import lock_for_writing
from hub.sync.waiters import wait_all

if TYPE_CHECKING:
    from hub.sync.service import SyncService

log = logging.getLogger(__name__)

OPS = ("unlock", "lock", "pulse")
MAX_DURATION_MS = 3_600_000
DEFAULT_PULSE_MS = 5000


@dataclass(frozen=True)
class CommandOutcome:
    """One controller's command and what became of it."""

    command_id: int
    req: str
    controller_id: int
    controller: str
    door_no: int
    op: str
    status: str
    detail: str
    expires_at: dt.datetime


def check_command(op: str, duration_ms: int | None) -> int:
    """The duration to send; Invalid when the combination breaks the wire's rules."""
    if op not in OPS:
        raise Invalid("op", f"{op!r} is not one of {', '.join(OPS)}")
    if duration_ms is None:
        duration_ms = DEFAULT_PULSE_MS if op == "pulse" else 0
    if not 0 <= duration_ms <= MAX_DURATION_MS:
        raise Invalid("duration_ms", f"must be 0..{MAX_DURATION_MS}, got {duration_ms}")
    if op == "pulse" and duration_ms == 0:
        raise Invalid("duration_ms", "a pulse needs a duration above 0")
    if op == "lock" and duration_ms != 0:
        raise Invalid("duration_ms", "a lock takes no duration")
    return duration_ms


def door_targets(session: Session, door_id: int) -> list[tuple[int, str, bool, int]]:
    """(controller id, code, enabled, door number) of every controller serving the door."""
    rows = session.execute(
        select(Controller.id, Controller.code, Controller.enabled, Reader.reader_no)
        .join(Reader, Reader.controller_id == Controller.id)
        .join(AccessPoint, AccessPoint.id == Reader.access_point_id)
        .where(AccessPoint.door_id == door_id)
    )
    found: dict[int, tuple[int, str, bool, int]] = {}
    for controller_id, code, enabled, reader_no in rows:
        known = found.get(controller_id)
        if known is None or reader_no < known[3]:
            found[controller_id] = (controller_id, code, enabled, reader_no)
    return [found[k] for k in sorted(found)]


def store_commands(session: Session, door_id: int, op: str, duration: int, *, ttl: int,
                   actor: str = "", running: bool = True
                   ) -> tuple[list[DoorCommand], list[tuple[int, str, bool, int]]]:
    """One command row per controller of the door (the caller commits): ``sent`` for an
    online, enabled controller; otherwise why it is not sent."""
    targets = door_targets(session, door_id)
    if not targets:
        raise Conflict(f"door {door_id} has no reader on any controller: nothing can move it")
    online = set(session.scalars(select(ControllerSync.controller_id).where(
        ControllerSync.controller_id.in_([t[0] for t in targets]),
        ControllerSync.online.is_(True))))
    now = utcnow()
    expires = now.replace(microsecond=0) + dt.timedelta(seconds=ttl)
    commands = []
    for controller_id, _code, enabled, door_no in targets:
        status, detail = CommandStatus.SENT, ""
        if not enabled:
            status, detail = CommandStatus.DISABLED, "the controller is disabled"
        elif not running:
            status, detail = CommandStatus.OFFLINE, "the hub's sync service is not running"
        elif controller_id not in online:
            status, detail = CommandStatus.OFFLINE, "the controller is not connected"
        command = DoorCommand(
            req=f"cmd-{secrets.token_hex(8)}", controller_id=controller_id, door_id=door_id,
            door_no=door_no, op=op, duration_ms=duration, expires_at=expires, status=status,
            detail=detail, actor=actor[:100], created_at=now,
            finished_at=None if status is CommandStatus.SENT else now,
        )
        session.add(command)
        commands.append(command)
    session.flush()
    return commands, targets


def door_command(service: SyncService, door_id: int, op: str, duration_ms: int | None = None,
                 *, actor: str = "", timeout: float | None = None) -> list[CommandOutcome]:
    """Send ``op`` to the door's controller(s); wait for the results (bounded)."""
    duration = check_command(op, duration_ms)
    with service.sessions() as session:
        lock_for_writing(session)
        commands, targets = store_commands(session, door_id, op, duration,
                                           ttl=service.settings.command_ttl, actor=actor)
        session.commit()
    waiters = []
    for command in commands:
        if command.status is not CommandStatus.SENT:
            continue
        peer = service.peers.by_id(command.controller_id)
        if peer is None:
            continue
        waiters.append((command, service.waiters.expect_command(command.req)))
        service.publish(peer, "cmd", "command", {
            "req": command.req, "op": op, "door": command.door_no,
            "expires": int(command.expires_at.timestamp()), "duration_ms": duration,
        })
    wait_all([w for _c, w in waiters], service.settings.command_timeout
             if timeout is None else timeout)
    service.waiters.forget([w for _c, w in waiters])
    timed_out = [c.id for c, w in waiters if not w.done.is_set()]
    if timed_out:
        with service.sessions() as session:
            lock_for_writing(session)
            session.execute(update(DoorCommand).where(
                DoorCommand.id.in_(timed_out), DoorCommand.status == CommandStatus.SENT,
            ).values(status=CommandStatus.TIMEOUT, detail="no result in time"))
            session.commit()
    return [_outcome(service, command, targets) for command in commands]


def _outcome(service: SyncService, command: DoorCommand,
             targets: list[tuple[int, str, bool, int]]) -> CommandOutcome:
    with service.sessions() as session:
        row = session.get(DoorCommand, command.id)
        stored = row if row is not None else command
    return outcome_of(stored, targets)


def outcome_of(stored: DoorCommand, targets: list[tuple[int, str, bool, int]]) -> CommandOutcome:
    """The outcome of a stored command."""
    code = next(t[1] for t in targets if t[0] == stored.controller_id)
    return CommandOutcome(stored.id, stored.req, stored.controller_id, code, stored.door_no,
                          stored.op, stored.status.value, stored.detail, stored.expires_at)
