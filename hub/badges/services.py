"""Badge life cycle: register, issue, change validity or PIN, withdraw to the pool.

Badges are never deleted. Every change appends a row to the badge's history with the state
after the change and the holder it concerns (for a withdrawal: the holder who returned it).
PINs are sealed with the hub's PIN key (hub/badges/pins.py) and never logged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.badges.models import Badge, BadgeAction, BadgeEvent, BadgeState
from hub.badges.pins import PinVault
from hub.compiler import rules
from hub.compiler.validate import Issue, check_activation
from hub.db import atomic
from hub.dbtypes import utcnow
from hub.errors import Conflict, Invalid
from hub.people.models import Group, Person
from hub.sites.models import Site
from protocols import cardtext
from protocols.portable import cardkey
from protocols.portable.errors import ProtocolError

log = logging.getLogger(__name__)

POOL_STATES = (BadgeState.UNUSED, BadgeState.WITHDRAWN)


def parse_card(card: object) -> int:
    """The card key of ``card``: credential text (``H10301:12:3456``) or a card key."""
    try:
        if isinstance(card, str):
            return cardtext.parse(card)
        if isinstance(card, int) and not isinstance(card, bool):
            fmt, value = cardkey.split_key(card)
            return cardkey.card_key(fmt, value)
    except ProtocolError as err:
        raise Invalid("card", str(err)) from err
    raise Invalid("card", "give the card as text such as 'H10301:12:3456' or as a card key")


def get_badge(session: Session, badge_id: object) -> Badge:
    """The badge, or NotFound."""
    return check.get(session, Badge, badge_id, "badge")


def find_badge(session: Session, site_id: int, card: object) -> Badge | None:
    """The site's badge for ``card`` (text or key), or None."""
    fmt, value = cardkey.split_key(parse_card(card))
    query = select(Badge).where(
        Badge.site_id == site_id, Badge.card_format == fmt, Badge.card_value == value
    )
    return session.scalar(query)


def register_badge(
    session: Session,
    site_id: int,
    card: object,
    *,
    label: str = "",
    actor: str = "",
    at: datetime | None = None,
) -> Badge:
    """Put a new card into the site's pool of unused cards."""
    check.get(session, Site, site_id, "site")
    key = parse_card(card)
    if find_badge(session, site_id, key) is not None:
        raise Conflict(f"card {cardkey.masked(key)} is already registered", field="card")
    fmt, value = cardkey.split_key(key)
    badge = Badge(
        site_id=site_id,
        card_format=fmt,
        card_value=value,
        label=check.text("label", label, 100),
        state=BadgeState.UNUSED,
    )
    session.add(badge)
    session.flush()
    _record(session, badge, BadgeAction.REGISTERED, actor=actor, at=at)
    log.info("badge %s registered in site %s", badge.masked, site_id)
    return badge


@atomic
def issue_badge(
    session: Session,
    badge_id: object,
    *,
    person_id: int | None = None,
    group_id: int | None = None,
    valid_from: object = None,
    valid_to: object = None,
    pin: str | None = None,
    vault: PinVault | None = None,
    actor: str = "",
    note: str = "",
    at: datetime | None = None,
) -> Badge:
    """Give a card from the pool to a person or to a group (e.g. an alarm-reset card)."""
    badge = get_badge(session, badge_id)
    if badge.state is BadgeState.ISSUED:
        raise Conflict(f"badge {badge.masked} is already issued: withdraw it first")
    if (person_id is None) == (group_id is None):
        raise Invalid("holder", "issue a badge to exactly one person or one group")
    if person_id is not None:
        badge.person_id = check.in_site(session, Person, person_id, "person", badge.site_id).id
    else:
        badge.group_id = check.in_site(session, Group, group_id, "group", badge.site_id).id
    badge.valid_from, badge.valid_to = _validity(valid_from, valid_to)
    badge.state = BadgeState.ISSUED
    badge.pin_sealed = None
    if pin is not None:
        badge.pin_sealed = _vault(vault).seal(badge.id, pin)
    session.flush()
    _record(session, badge, BadgeAction.ISSUED, actor=actor, note=note, at=at)
    log.info("badge %s issued (site %s)", badge.masked, badge.site_id)
    return badge


def withdraw_badge(
    session: Session,
    badge_id: object,
    *,
    actor: str = "",
    note: str = "",
    at: datetime | None = None,
) -> Badge:
    """Take a card back: it returns to the pool (its validity and PIN are cleared)."""
    badge = get_badge(session, badge_id)
    if badge.state is not BadgeState.ISSUED:
        raise Conflict(f"badge {badge.masked} is not issued, so it cannot be withdrawn")
    holder_person, holder_group = badge.person_id, badge.group_id
    badge.state = BadgeState.WITHDRAWN
    badge.person_id = badge.group_id = None
    badge.valid_from = badge.valid_to = None
    badge.pin_sealed = None
    session.flush()
    _record(
        session,
        badge,
        BadgeAction.WITHDRAWN,
        actor=actor,
        note=note,
        at=at,
        person_id=holder_person,
        group_id=holder_group,
    )
    log.info("badge %s withdrawn (site %s)", badge.masked, badge.site_id)
    return badge


def set_validity(
    session: Session,
    badge_id: object,
    valid_from: object,
    valid_to: object,
    *,
    actor: str = "",
    at: datetime | None = None,
) -> Badge:
    """Change the validity [valid_from, valid_to) of an issued badge (None: unbounded)."""
    badge = _issued(session, badge_id)
    badge.valid_from, badge.valid_to = _validity(valid_from, valid_to)
    session.flush()
    _record(session, badge, BadgeAction.VALIDITY_CHANGED, actor=actor, at=at)
    return badge


def set_pin(
    session: Session,
    badge_id: object,
    pin: str | None,
    *,
    vault: PinVault | None,
    actor: str = "",
    at: datetime | None = None,
) -> Badge:
    """Set (or with None clear) the PIN of an issued badge."""
    badge = _issued(session, badge_id)
    badge.pin_sealed = None if pin is None else _vault(vault).seal(badge.id, pin)
    session.flush()
    _record(session, badge, BadgeAction.PIN_CHANGED, actor=actor, at=at)
    return badge


def pool(session: Session, site_id: int) -> list[Badge]:
    """The site's unused cards (never issued, or withdrawn), ready to be issued."""
    query = select(Badge).where(Badge.site_id == site_id, Badge.state.in_(POOL_STATES))
    return list(session.scalars(query.order_by(Badge.card_format, Badge.card_value)))


def held_by_group(session: Session, group_id: object) -> list[Badge]:
    """Cards a group holds (e.g. alarm-reset cards)."""
    group = check.get(session, Group, group_id, "group")
    query = select(Badge).where(Badge.group_id == group.id).order_by(Badge.id)
    return list(session.scalars(query))


def history(session: Session, badge_id: object) -> list[BadgeEvent]:
    """Every change of the badge, oldest first."""
    badge = get_badge(session, badge_id)
    query = select(BadgeEvent).where(BadgeEvent.badge_id == badge.id).order_by(BadgeEvent.id)
    return list(session.scalars(query))


def _issued(session: Session, badge_id: object) -> Badge:
    badge = get_badge(session, badge_id)
    if badge.state is not BadgeState.ISSUED:
        raise Conflict(f"badge {badge.masked} is not issued")
    return badge


def _vault(vault: PinVault | None) -> PinVault:
    if vault is None:
        raise Invalid("pin", "PINs cannot be stored: the hub has no PIN key configured")
    return vault


def _validity(valid_from: object, valid_to: object) -> tuple[datetime | None, datetime | None]:
    start = check.optional_instant("valid_from", valid_from)
    end = check.optional_instant("valid_to", valid_to)
    if start is not None and end is not None and end <= start:
        raise Invalid("valid_to", "the validity must end after it starts")
    return start, end


def _record(
    session: Session,
    badge: Badge,
    action: BadgeAction,
    *,
    actor: str = "",
    note: str = "",
    at: datetime | None = None,
    person_id: int | None = None,
    group_id: int | None = None,
) -> None:
    concerned = person_id is not None or group_id is not None
    session.add(
        BadgeEvent(
            badge_id=badge.id,
            at=at or utcnow(),
            action=action,
            state=badge.state,
            person_id=person_id if concerned else badge.person_id,
            group_id=group_id if concerned else badge.group_id,
            valid_from=badge.valid_from,
            valid_to=badge.valid_to,
            note=check.text("note", note),
            actor=check.text("actor", actor, 100),
        )
    )
    session.flush()


def activation_warnings(
    session: Session, badge_id: object, now: datetime | None = None
) -> list[Issue]:
    """What to tell the administrator before activating (pushing at once) a badge: an
    expired card warns, a card that is not issued cannot be activated (SPEC.md section 3)."""
    badge = get_badge(session, badge_id)
    if badge.state is BadgeState.UNUSED:
        return [
            Issue(
                "error",
                "activate_unused",
                f"badge {badge.masked}",
                f"badge {badge.masked} was never issued; issue it before activating it",
            )
        ]
    state: Literal["issued", "withdrawn"] = (
        "issued" if badge.state is BadgeState.ISSUED else "withdrawn"
    )
    view = rules.Badge(
        key=badge.card_key, state=state, valid_from=badge.valid_from, valid_to=badge.valid_to
    )
    return check_activation(view, now or utcnow())
