"""Fast card activation and deactivation (SPEC.md section 3): push at once, report per door.

Activating a badge compiles only its holder (an incremental change of the site's
compiled lists), pushes the small delta to every controller whose list changed at once
(no rate limit, no full reload), and waits a bounded time for each edge to answer with
``list_applied`` or ``list_error``. Deactivating withdraws the badge and pushes the same
way: the edges that listed it now say "withdrawn". The report names, per controller:

* ``applied``: the edge runs the new version (or a later one);
* ``disabled``: the controller is disabled in the hub, nothing was sent;
* ``offline``: not connected; it gets the change when it comes back (manifest + delta);
* ``timeout``: no answer in time (the change stays queued for it);
* ``error``: the edge refused the change (``detail`` says why, e.g. base_mismatch).

Activating a card that has expired (or is withdrawn) adds a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.badges.models import Badge, BadgeAction, BadgeEvent, BadgeState
from hub.badges.services import get_badge, withdraw_badge
from hub.compiler import rules
from hub.compiler.changes import Change, GroupSet, PersonSet
from hub.compiler.errors import CompilerError
from hub.compiler.load import load_site_rules
from hub.compiler.validate import check_activation
from hub.dbtypes import utcnow
from hub.errors import Conflict
from hub.sync.lists import ListUpdate
from hub.sync.models import ControllerSync
from hub.sync.txn import lock_for_writing
from hub.sync.waiters import Waiter, wait_all
from protocols.portable.message_types import CHUNK_MAX

if TYPE_CHECKING:
    from hub.sync.service import SyncService

log = logging.getLogger(__name__)

Result = Literal["applied", "disabled", "offline", "timeout", "error"]


@dataclass(frozen=True)
class ControllerOutcome:
    """What became of the change on one controller."""

    controller_id: int
    code: str
    result: Result
    version: int
    detail: str = ""


@dataclass(frozen=True)
class ActivationReport:
    """The answer of an activation or deactivation."""

    badge_id: int
    action: Literal["activate", "deactivate"]
    warnings: list[str] = field(default_factory=list)
    controllers: list[ControllerOutcome] = field(default_factory=list)


def _holder(session: Session, badge: Badge) -> tuple[int | None, int | None]:
    """(person id, group id) of an issued badge, or of the holder it was withdrawn from."""
    if badge.state is BadgeState.ISSUED:
        return badge.person_id, badge.group_id
    last = session.scalars(
        select(BadgeEvent).where(BadgeEvent.badge_id == badge.id,
                                 BadgeEvent.action == BadgeAction.WITHDRAWN)
        .order_by(BadgeEvent.id.desc()).limit(1)
    ).first()
    return (None, None) if last is None else (last.person_id, last.group_id)


def _change(service: SyncService, session: Session, site_id: int, person_id: int | None,
            group_id: int | None) -> Change | None:
    """The compiler change that brings the holder (with its badges) up to date."""
    person_ids = [person_id] if person_id is not None else []
    loaded = load_site_rules(session, site_id, pins=service.pins(), person_ids=person_ids)
    if person_id is not None and person_id in loaded.persons:
        return PersonSet(loaded.persons[person_id])
    if group_id is not None and group_id in loaded.groups:
        return GroupSet(loaded.groups[group_id])
    return None


def prepare(session: Session, badge_id: int, *, deactivate: bool, actor: str = ""
            ) -> tuple[Badge, list[str]]:
    """The database side: check the badge, withdraw it (deactivate), the warnings."""
    badge = get_badge(session, badge_id)
    if deactivate:
        if badge.state is BadgeState.ISSUED:
            withdraw_badge(session, badge.id, actor=actor, note="deactivated")
        elif badge.state is BadgeState.UNUSED:
            raise Conflict(f"badge {badge.masked} was never issued: nothing to deactivate")
        return badge, []
    if badge.state is not BadgeState.ISSUED:
        raise Conflict(f"badge {badge.masked} is not issued: issue it before activating it")
    terms = rules.Badge(key=badge.card_key, valid_from=badge.valid_from, valid_to=badge.valid_to)
    return badge, [issue.message for issue in check_activation(terms, utcnow())]


def record_only(session: Session, badge_id: int, *, deactivate: bool = False,
                actor: str = "") -> ActivationReport:
    """Activation with no sync service running: the database changes, nothing is sent (the
    service sends it when it starts: it recompiles every site)."""
    _badge, warnings = prepare(session, badge_id, deactivate=deactivate, actor=actor)
    session.commit()
    warnings.append("the sync service is not running: the controllers get this change when "
                    "it starts")
    return ActivationReport(badge_id, "deactivate" if deactivate else "activate", warnings, [])


def activate(service: SyncService, site_id: int, badge_id: int, *, deactivate: bool = False,
             actor: str = "", timeout: float | None = None) -> ActivationReport:
    """Push one badge's current state (activate) or its withdrawal (deactivate) at once."""
    action: Literal["activate", "deactivate"] = "deactivate" if deactivate else "activate"
    with service.sessions() as session:
        lock_for_writing(session)
        badge, warnings = prepare(session, badge_id, deactivate=deactivate, actor=actor)
        person_id, group_id = _holder(session, badge)
        change = _change(service, session, site_id, person_id, group_id)
        try:
            updates: list[ListUpdate] | None = (
                [] if change is None else service.lists.apply(session, site_id, change))
        except CompilerError as err:
            # The holder is in a group or has a policy the compiled site has not seen
            # yet (created since the last recompile): recompile the site instead.
            log.info("badge %s: %s; recompiling the site", badge_id, err)
            updates = None
        session.commit()
    if updates is None:
        updates = service.refresh_site(site_id)
    with service.sessions() as session:
        online = _online(session, [u.controller_id for u in updates])
    outcomes = push(service, site_id, updates, online,
                    service.settings.activation_timeout if timeout is None else timeout)
    log.info("badge %s %sd: %s controller(s) changed", badge_id, action, len(outcomes))
    return ActivationReport(badge_id, action, warnings, outcomes)


def _online(session: Session, controller_ids: list[int]) -> set[int]:
    if not controller_ids:
        return set()
    rows = session.scalars(select(ControllerSync.controller_id).where(
        ControllerSync.controller_id.in_(controller_ids), ControllerSync.online.is_(True)))
    return set(rows)


def push(service: SyncService, site_id: int, updates: list[ListUpdate], online: set[int],
         timeout: float) -> list[ControllerOutcome]:
    """Send each update's delta now, publish the new manifests, wait for the answers."""
    outcomes: dict[int, ControllerOutcome] = {}
    waiting: list[tuple[ListUpdate, Waiter]] = []
    for update in updates:
        peer = service.peers.by_id(update.controller_id)
        if peer is None or not peer.enabled:
            outcomes[update.controller_id] = ControllerOutcome(
                update.controller_id, update.code, "disabled", update.version,
                "the controller is disabled")
            continue
        if update.controller_id not in online:
            outcomes[update.controller_id] = ControllerOutcome(
                update.controller_id, update.code, "offline", update.version,
                "not connected: it gets the change when it reconnects")
            continue
        waiter = service.waiters.expect_list(update.controller_id, update.version)
        waiting.append((update, waiter))
        if update.delta is not None and len(update.delta.data) <= CHUNK_MAX:
            service.push_delta(peer, update.delta.data)
    service.lists.settle(site_id)  # canonical form + snapshot, while the edges apply
    for update in updates:
        service.rollout.manifest(update.controller_id)
    wait_all([w for _u, w in waiting], timeout)
    service.waiters.forget([w for _u, w in waiting])
    for update, waiter in waiting:
        if not waiter.done.is_set():
            result: Result = "timeout"
            detail = f"no answer within {timeout:g} s; the change stays queued"
        elif waiter.outcome == "applied":
            result, detail = "applied", ""
        else:
            result, detail = "error", waiter.detail
        outcomes[update.controller_id] = ControllerOutcome(
            update.controller_id, update.code, result, update.version, detail)
    return [outcomes[u.controller_id] for u in updates]
