"""Badges: ``/api/sites/<site>/badges``. Issued and withdrawn, never deleted.

A card is written as text (``H10301:12:3456``, ``RAW32:305419896``, ``KEYPAD:1234``).
Registering puts it into the pool of unused cards; issuing gives it to a person or a group
with a validity and an optional PIN; withdrawing returns it to the pool. Every change is in
its history. ``DELETE`` answers 405: withdraw instead.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Any

from flask import Response
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.errors import error_response
from hub.api.schemas import Extended, PageArgs, ident, page, page_schema, text_field
from hub.app import hub_state
from hub.badges.models import Badge, BadgeEvent, BadgeState
from hub.badges.pins import PinVault
from hub.badges.services import (
    find_badge,
    issue_badge,
    register_badge,
    set_pin,
    set_validity,
    withdraw_badge,
)
from hub.compiler import rules
from hub.compiler.validate import check_activation
from hub.dbtypes import utcnow
from protocols import cardtext
from protocols.portable.errors import ProtocolError

blp = ApiBlueprint(
    "badges",
    __name__,
    url_prefix="/api/sites/<site>/badges",
    description="Badges (cards): register, issue, withdraw, history, the pool of unused cards.",
)

STATES = [s.value for s in BadgeState]
CARD_HELP = "card as text: H10301:FACILITY:CARD, RAW32:VALUE, KEYPAD:CODE, ..."
PIN_PATTERN = r"^[0-9]{4,12}$"


def _card_text(text: str) -> None:
    """A card written as text (validator: the parse error becomes the field's message)."""
    try:
        cardtext.parse(text)
    except ProtocolError as err:
        raise ValidationError(str(err)) from err


class BadgeSchema(Schema):
    """A badge (output). PINs are never shown, only whether one is set."""

    id = fields.Integer(required=True)
    card = fields.Method("_card", metadata={"description": CARD_HELP})
    card_format = fields.Integer(required=True)
    card_value = fields.Integer(required=True)
    label = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": STATES})
    person_id = fields.Integer(allow_none=True)
    group_id = fields.Integer(allow_none=True)
    valid_from = fields.AwareDateTime(allow_none=True)
    valid_to = fields.AwareDateTime(allow_none=True)
    has_pin = fields.Method("_has_pin")
    registered_at = fields.AwareDateTime()

    def _card(self, badge: Badge) -> str:
        return cardtext.to_text(badge.card_key)

    def _has_pin(self, badge: Badge) -> bool:
        return badge.pin_sealed is not None


class IssuedSchema(BadgeSchema):
    """A badge just issued, with warnings (e.g. it has already expired)."""

    warnings = fields.List(fields.String())


class RegisterSchema(Schema):
    """A new card for the pool."""

    card = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": CARD_HELP})
    label = text_field(100)


class IssueRequestSchema(Schema):
    """To whom and for how long a card is issued (exactly one of person_id, group_id)."""

    person_id = ident(allow_none=True)
    group_id = ident(allow_none=True)
    valid_from = fields.AwareDateTime(allow_none=True)
    valid_to = fields.AwareDateTime(allow_none=True)
    pin = fields.String(
        allow_none=True, load_only=True,
        validate=validate.Regexp(PIN_PATTERN, error="a PIN is 4 to 12 digits"),
    )
    note = text_field(1000)


class NoteSchema(Schema):
    """Why a card is withdrawn."""

    note = text_field(1000)


class BadgeValiditySchema(Schema):
    """A new validity [valid_from, valid_to) of an issued badge (null: unbounded)."""

    valid_from = fields.AwareDateTime(required=True, allow_none=True)
    valid_to = fields.AwareDateTime(required=True, allow_none=True)


class PinSchema(Schema):
    """A new PIN (null clears it)."""

    pin = fields.String(
        required=True, allow_none=True, load_only=True,
        validate=validate.Regexp(PIN_PATTERN, error="a PIN is 4 to 12 digits"),
    )


class BadgeQuery(PageArgs):
    """Filters of the badge list."""

    state = fields.String(validate=validate.OneOf(STATES))
    person_id = ident(strict=False)
    group_id = ident(strict=False)
    card = fields.String(validate=_card_text, metadata={"description": CARD_HELP})



class EventSchema(Schema):
    """One change of a badge, with the state after it."""

    at = fields.AwareDateTime(required=True)
    action = fields.String(required=True)
    state = fields.String(required=True)
    person_id = fields.Integer(allow_none=True)
    group_id = fields.Integer(allow_none=True)
    valid_from = fields.AwareDateTime(allow_none=True)
    valid_to = fields.AwareDateTime(allow_none=True)
    note = fields.String()
    actor = fields.String()


BadgePage = page_schema(BadgeSchema, "BadgePage")


def _badge(site: str, badge_id: int) -> Badge:
    return in_site(Badge, badge_id, "badge", site_by_code(site))


def activation_warnings(badge: Badge, now: datetime) -> list[str]:
    """What the administrator should know about a card just activated (expired, ...)."""
    terms = rules.Badge(key=badge.card_key, valid_from=badge.valid_from, valid_to=badge.valid_to)
    return [issue.message for issue in check_activation(terms, now)]


@blp.endpoint("GET", "", query=BadgeQuery, response=BadgePage)
def list_badges(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's badges by card, filtered."""
    the_site = site_by_code(site)
    stmt = select(Badge).where(Badge.site_id == the_site.id)
    if "state" in query:
        stmt = stmt.where(Badge.state == BadgeState(query["state"]))
    if "person_id" in query:
        stmt = stmt.where(Badge.person_id == query["person_id"])
    if "group_id" in query:
        stmt = stmt.where(Badge.group_id == query["group_id"])
    if "card" in query:
        found = find_badge(session(), the_site.id, query["card"])
        stmt = stmt.where(Badge.id == (found.id if found is not None else -1))
    items, total = paginate(stmt.order_by(Badge.card_format, Badge.card_value), query)
    return page(items, total, query)


@blp.endpoint("GET", "/pool", query=PageArgs, response=BadgePage)
def pool(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The pool: cards never issued or withdrawn, ready to be issued."""
    stmt = select(Badge).where(
        Badge.site_id == site_by_code(site).id,
        Badge.state.in_([BadgeState.UNUSED, BadgeState.WITHDRAWN]),
    )
    items, total = paginate(stmt.order_by(Badge.card_format, Badge.card_value), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "", body=RegisterSchema, response=BadgeSchema, status=HTTPStatus.CREATED,
    errors=[HTTPStatus.CONFLICT],
)
def register(site: str, body: dict[str, Any]) -> Badge:
    """Register a card into the pool of unused cards."""
    the_site = site_by_code(site)
    badge = register_badge(session(), the_site.id, body["card"], label=body.get("label", ""))
    commit()
    return badge


@blp.endpoint("GET", "/<int:badge_id>", response=BadgeSchema)
def get(site: str, badge_id: int) -> Badge:
    """One badge."""
    return _badge(site, badge_id)


@blp.raw_endpoint(
    "DELETE", "/<int:badge_id>", status=HTTPStatus.METHOD_NOT_ALLOWED,
    description="badges are never deleted: withdraw them",
)
def delete(site: str, badge_id: int) -> tuple[Response, int]:
    """Refused: badges are never deleted (their history must stay); withdraw instead."""
    badge = _badge(site, badge_id)
    response, status = error_response(
        HTTPStatus.METHOD_NOT_ALLOWED,
        f"badge {badge.masked} cannot be deleted: badges are never deleted, withdraw it "
        f"instead (POST /api/sites/{site}/badges/{badge.id}/withdraw); a withdrawn card goes "
        "back to the pool",
    )
    response.headers["Allow"] = "GET"
    return response, status


@blp.endpoint(
    "POST", "/<int:badge_id>/issue", body=IssueRequestSchema, response=IssuedSchema,
    errors=[HTTPStatus.CONFLICT],
)
def issue(site: str, badge_id: int, body: dict[str, Any]) -> Extended:
    """Issue a card from the pool to a person or a group."""
    badge = _badge(site, badge_id)
    issued = issue_badge(session(), badge.id, vault=_vault_if(body.get("pin")), **body)
    commit()
    return Extended(issued, warnings=activation_warnings(issued, utcnow()))


@blp.endpoint(
    "POST", "/<int:badge_id>/withdraw", body=NoteSchema, response=BadgeSchema,
    errors=[HTTPStatus.CONFLICT],
)
def withdraw(site: str, badge_id: int, body: dict[str, Any]) -> Badge:
    """Take a card back into the pool (validity and PIN are cleared)."""
    badge = withdraw_badge(session(), _badge(site, badge_id).id, **body)
    commit()
    return badge


@blp.endpoint(
    "PUT", "/<int:badge_id>/validity", body=BadgeValiditySchema, response=BadgeSchema,
    errors=[HTTPStatus.CONFLICT],
)
def put_validity(site: str, badge_id: int, body: dict[str, Any]) -> Badge:
    """Change the validity of an issued badge."""
    badge = set_validity(session(), _badge(site, badge_id).id, **body)
    commit()
    return badge


@blp.endpoint(
    "PUT", "/<int:badge_id>/pin", body=PinSchema, response=BadgeSchema,
    errors=[HTTPStatus.CONFLICT],
)
def put_pin(site: str, badge_id: int, body: dict[str, Any]) -> Badge:
    """Set or clear the PIN of an issued badge (the PIN is stored sealed, never shown)."""
    badge = _badge(site, badge_id)
    changed = set_pin(session(), badge.id, body["pin"], vault=_vault_if(body["pin"]))
    commit()
    return changed


@blp.endpoint("GET", "/<int:badge_id>/history", response=EventSchema(many=True))
def get_history(site: str, badge_id: int) -> list[BadgeEvent]:
    """Every state the badge has been in, oldest first."""
    badge = _badge(site, badge_id)
    return list(session().scalars(
        select(BadgeEvent).where(BadgeEvent.badge_id == badge.id).order_by(BadgeEvent.id)
    ))


def _vault_if(pin: object) -> PinVault | None:
    """The PIN vault when a PIN is to be sealed (opening the key file only then)."""
    return hub_state().pins() if pin is not None else None
