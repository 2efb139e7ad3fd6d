"""Door commands: ``POST /api/sites/<site>/doors/<id>/unlock|lock|pulse``, ``GET /commands/<id>``.

A command goes to each controller whose readers serve the door, with a request id and
an expiry (now + the configured time to live, 10 s by default): the edge never executes
it later. The call waits a bounded time for the result; a result that arrives later is
still stored (``GET /commands/<id>``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from hub.access.models import Door
from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, session, site_by_code
from hub.api.schemas import StrictInteger
from hub.errors import NotFound
from hub.sync.commands import (
    MAX_DURATION_MS,
    CommandOutcome,
    check_command,
    door_command,
    outcome_of,
    store_commands,
)
from hub.sync.models import CommandStatus, DoorCommand
from hub.sync.runtime import service_of

blp = ApiBlueprint(
    "commands",
    __name__,
    url_prefix="/api/sites/<site>",
    description="Door commands (unlock, lock, pulse) with request ids, expiry and results.",
)

STATUSES = [s.value for s in CommandStatus]
WAIT_MAX_MS = 30_000


class CommandArgs(Schema):
    """How long the door stays released, and how long to wait for the result."""

    duration_ms = StrictInteger(validate=validate.Range(min=0, max=MAX_DURATION_MS), metadata={
        "description": "pulse: release time (default 5000); unlock: 0 = until locked"})
    wait_ms = StrictInteger(validate=validate.Range(min=0, max=WAIT_MAX_MS))


class CommandSchema(Schema):
    """One command to one controller and what became of it."""

    id = fields.Integer(required=True)
    req = fields.String(required=True)
    controller_id = fields.Integer(required=True)
    door_no = fields.Integer(required=True)
    op = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": STATUSES})
    detail = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


def _send(site: str, door_id: int, op: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    door = in_site(Door, door_id, "door", site_by_code(site))
    duration = check_command(op, body.get("duration_ms"))
    service = service_of()
    if service is None:  # stored as not sent, with the reason
        db = session()
        commands, targets = store_commands(db, door.id, op, duration, ttl=0, running=False)
        commit()
        return [_dump(outcome_of(c, targets)) for c in commands]
    door_row_id = door.id  # read before the rollback: a refresh would begin a transaction
    # the service works in its own transaction; this request's (which would hold SQLite's
    # write lock, hub.db.writing) must be over while it does
    session().rollback()
    wait = body.get("wait_ms")
    outcomes = door_command(service, door_row_id, op, duration,
                            timeout=None if wait is None else wait / 1000)
    return [_dump(o) for o in outcomes]


def _dump(outcome: CommandOutcome) -> dict[str, Any]:
    return {"id": outcome.command_id, "req": outcome.req, "controller_id": outcome.controller_id,
            "door_no": outcome.door_no, "op": outcome.op, "status": outcome.status,
            "detail": outcome.detail, "expires_at": outcome.expires_at}


@blp.endpoint("POST", "/doors/<int:door_id>/unlock", body=CommandArgs,
              response=CommandSchema(many=True), errors=[409])
def unlock(site: str, door_id: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Release the door (until locked, or for ``duration_ms``)."""
    return _send(site, door_id, "unlock", body)


@blp.endpoint("POST", "/doors/<int:door_id>/lock", body=CommandArgs,
              response=CommandSchema(many=True), errors=[409])
def lock(site: str, door_id: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Lock the door now."""
    return _send(site, door_id, "lock", body)


@blp.endpoint("POST", "/doors/<int:door_id>/pulse", body=CommandArgs,
              response=CommandSchema(many=True), errors=[409])
def pulse(site: str, door_id: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Release the door for ``duration_ms`` and relock."""
    return _send(site, door_id, "pulse", body)


@blp.endpoint("GET", "/commands/<int:command_id>", response=CommandSchema)
def get_command(site: str, command_id: int) -> DoorCommand:
    """A command and its result."""
    the_site = site_by_code(site)
    command = session().get(DoorCommand, command_id)
    door = session().get(Door, command.door_id) if command and command.door_id else None
    if command is None or door is None or door.site_id != the_site.id:
        raise NotFound("command", command_id)
    return command
