"""Sync state, device keys and fast card (de)activation under ``/api/sites/<site>``.

* ``GET  /controllers/<id>/sync``: online, applied and desired list version, horizon left,
  last seen, firmware, readers, pending and stored events, rejected-message counts;
* ``POST /controllers/<id>/sync/key``: a new device key (shown once, for provisioning);
* ``POST /badges/<id>/activate`` and ``/deactivate``: push the card to every controller
  that needs it now and report per controller (hub.sync.activation).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from hub.access.models import Controller
from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, session, site_by_code
from hub.api.schemas import StrictInteger
from hub.badges.models import Badge
from hub.events.models import EventCursor
from hub.sync.activation import ActivationReport, activate, record_only
from hub.sync.keys import rotate_key, sync_row
from hub.sync.models import ListSnapshot
from hub.sync.runtime import service_of

blp = ApiBlueprint(
    "sync",
    __name__,
    url_prefix="/api/sites/<site>",
    description="Controller sync state, device keys, fast card activation and deactivation.",
)

RESULTS = ["applied", "disabled", "offline", "timeout", "error"]
WAIT_MAX_MS = 30_000


class ControllerSyncSchema(Schema):
    """What the hub knows about one controller's link and lists."""

    controller_id = fields.Integer(required=True)
    code = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    online = fields.Boolean(required=True)
    session = fields.Integer(allow_none=True, metadata={"description": "of the last birth"})
    applied_version = fields.Integer(allow_none=True)
    applied_hash = fields.String(allow_none=True, metadata={"description": "hex"})
    desired_version = fields.Integer(allow_none=True)
    desired_hash = fields.String(allow_none=True, metadata={"description": "hex"})
    in_sync = fields.Boolean(required=True)
    horizon_left = fields.Integer(allow_none=True, metadata={"description": "seconds"})
    clock_offset = fields.Integer(allow_none=True, metadata={"description": "edge - hub, s"})
    last_seen = fields.AwareDateTime(allow_none=True)
    firmware = fields.String(required=True)
    readers = fields.List(fields.Dict(), required=True)
    pending_events = fields.Integer(required=True)
    events_upto = fields.Integer(required=True, metadata={
        "description": "highest event seq stored with nothing missing below it"})
    auth_failures = fields.Integer(required=True)
    replays = fields.Integer(required=True)
    last_problem = fields.String(required=True)


class DeviceKeySchema(Schema):
    """A device key: shown once, to be installed on the controller."""

    kid = fields.String(required=True)
    key = fields.String(required=True, metadata={"description": "base64, 32 bytes"})


class KeyArgs(Schema):
    """A key rotation takes no options (the body is an empty object)."""


class ActivationArgs(Schema):
    """Options of an activation."""

    wait_ms = StrictInteger(validate=validate.Range(min=0, max=WAIT_MAX_MS), metadata={
        "description": "how long to wait for the controllers' answers (default 2000)"})


class ControllerOutcomeSchema(Schema):
    controller_id = fields.Integer(required=True)
    code = fields.String(required=True)
    result = fields.String(required=True, metadata={"enum": RESULTS})
    version = fields.Integer(required=True)
    detail = fields.String(required=True)


class ActivationSchema(Schema):
    """Per-controller results of an activation or deactivation."""

    badge_id = fields.Integer(required=True)
    action = fields.String(required=True)
    warnings = fields.List(fields.String(), required=True)
    controllers = fields.List(fields.Nested(ControllerOutcomeSchema), required=True)


def _controller(site: str, controller_id: int) -> Controller:
    return in_site(Controller, controller_id, "controller", site_by_code(site))


@blp.endpoint("GET", "/controllers/<int:controller_id>/sync", response=ControllerSyncSchema)
def get_sync(site: str, controller_id: int) -> dict[str, Any]:
    """The controller's sync state."""
    controller = _controller(site, controller_id)
    db = session()
    row = sync_row(db, controller.id)
    desired = db.get(ListSnapshot, controller.id)
    service = service_of()
    desired_version = desired.version if desired is not None else None
    desired_hash = desired.content_hash if desired is not None else None
    if service is not None and (found := service.lists.state(controller.id)) is not None:
        desired_version, desired_hash = found[1].version, found[1].content_hash
    upto = db.scalar(select(EventCursor.upto).where(EventCursor.controller_id == controller.id))
    commit()  # a first look creates the sync row
    return {
        "controller_id": controller.id, "code": controller.code, "enabled": controller.enabled,
        "online": row.online, "session": row.birth_session,
        "applied_version": row.applied_version,
        "applied_hash": row.applied_hash.hex() if row.applied_hash else None,
        "desired_version": desired_version,
        "desired_hash": desired_hash.hex() if desired_hash else None,
        "in_sync": desired_hash is not None and row.applied_hash == desired_hash,
        "horizon_left": row.horizon_left, "clock_offset": row.clock_offset,
        "last_seen": row.last_seen, "firmware": row.firmware,
        "readers": json.loads(row.readers or "[]"), "pending_events": row.pending_events,
        "events_upto": upto or 0, "auth_failures": row.auth_failures, "replays": row.replays,
        "last_problem": row.last_problem,
    }


@blp.endpoint("POST", "/controllers/<int:controller_id>/sync/key", body=KeyArgs,
              response=DeviceKeySchema)
def new_key(site: str, controller_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """A new device key for the controller; the previous one stays accepted until the
    next rotation (install the new one on the controller)."""
    controller = _controller(site, controller_id)
    key = rotate_key(session(), controller.id)
    commit()
    service = service_of()
    if service is not None:
        with service.sessions() as db:
            service.peers.reload(db, controller.id)
            db.commit()
    return {"kid": key.kid, "key": base64.b64encode(key.key).decode()}


def _activation(site: str, badge_id: int, body: dict[str, Any], deactivate: bool
                ) -> ActivationReport:
    the_site = site_by_code(site)
    badge = in_site(Badge, badge_id, "badge", the_site)
    service = service_of()
    if service is None:
        return record_only(session(), badge.id, deactivate=deactivate)
    site_id, badge_row_id = the_site.id, badge.id  # read before the rollback (a refresh
    # would begin a transaction again): the service works in its own transaction, and this
    # request's (which holds SQLite's write lock, hub.db.writing) must be over while it does
    session().rollback()
    wait = body.get("wait_ms")
    return activate(service, site_id, badge_row_id, deactivate=deactivate,
                    timeout=None if wait is None else wait / 1000)


@blp.endpoint("POST", "/badges/<int:badge_id>/activate", body=ActivationArgs,
              response=ActivationSchema, errors=[409])
def activate_badge(site: str, badge_id: int, body: dict[str, Any]) -> ActivationReport:
    """Push an issued card to every controller that needs it, now; per-controller results."""
    return _activation(site, badge_id, body, deactivate=False)


@blp.endpoint("POST", "/badges/<int:badge_id>/deactivate", body=ActivationArgs,
              response=ActivationSchema, errors=[409])
def deactivate_badge(site: str, badge_id: int, body: dict[str, Any]) -> ActivationReport:
    """Withdraw a card (if still issued) and push that to its controllers, now."""
    return _activation(site, badge_id, body, deactivate=True)
