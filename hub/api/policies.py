"""Access policies (access tables) and their rows: ``/api/sites/<site>/policies``.

A row gives an access point or access point group a schedule from a start date, with an
optional holiday exception (on the dates of ``holiday_list_id`` the one-day
``holiday_schedule_id`` applies instead; no holiday schedule: no access on those dates).
Groups and persons choose policies on their own resources (``policy_id``,
``main_policy_id``, ``/persons/<id>/policies``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, paginate, session, site_by_code
from hub.api.schemas import (
    OFFSET_MAX,
    PageArgs,
    StrictInteger,
    ident,
    name_field,
    page,
    page_schema,
)
from hub.errors import NotFound
from hub.policies.models import AccessPolicy, AccessRule
from hub.policies.services import (
    add_rule,
    create_policy,
    delete_policy,
    holders_of,
    remove_rule,
    update_policy,
    update_rule,
)

blp = ApiBlueprint(
    "policies",
    __name__,
    url_prefix="/api/sites/<site>/policies",
    description="Access policies: rows of access point (or group), schedule, start date.",
)


class RuleSchema(Schema):
    """A row of an access table."""

    id = fields.Integer(dump_only=True)
    position = StrictInteger(validate=validate.Range(min=0, max=OFFSET_MAX))
    access_point_id = ident(allow_none=True)
    access_point_group_id = ident(allow_none=True)
    schedule_id = ident(required=True)
    start_date = fields.Date(
        allow_none=True, metadata={"description": "day 1 of a cyclic schedule"}
    )
    holiday_list_id = ident(allow_none=True)
    holiday_schedule_id = ident(allow_none=True)


class RulePatchSchema(RuleSchema):
    """Changes to a row."""

    schedule_id = ident()


class PolicySchema(Schema):
    """A policy with its rows."""

    id = fields.Integer(dump_only=True)
    name = name_field()
    notes = fields.String()
    rules = fields.List(fields.Nested(RuleSchema), dump_only=True)


class PolicyPatchSchema(Schema):
    """A new name or notes."""

    name = name_field(required=False)
    notes = fields.String()


class HoldersSchema(Schema):
    """Who holds a policy."""

    group_ids = fields.List(fields.Integer(), metadata={"description": "as their own policy"})
    person_ids = fields.List(fields.Integer(), metadata={"description": "main or additional"})


PolicyPage = page_schema(PolicySchema, "PolicyPage")


def _rule(site: str, policy_id: int, rule_id: int) -> AccessRule:
    policy = in_site(AccessPolicy, policy_id, "policy", site_by_code(site))
    for rule in policy.rules:
        if rule.id == rule_id:
            return rule
    raise NotFound("access rule", rule_id)


@blp.endpoint("GET", "", query=PageArgs, response=PolicyPage)
def list_policies(site: str, query: dict[str, Any]) -> dict[str, Any]:
    """The site's policies by name."""
    stmt = select(AccessPolicy).where(AccessPolicy.site_id == site_by_code(site).id)
    items, total = paginate(stmt.order_by(AccessPolicy.name), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "", body=PolicySchema, response=PolicySchema, status=HTTPStatus.CREATED,
    errors=[HTTPStatus.CONFLICT],
)
def create(site: str, body: dict[str, Any]) -> AccessPolicy:
    """Create an empty policy."""
    policy = create_policy(session(), site_by_code(site).id, **body)
    commit()
    return policy


@blp.endpoint("GET", "/<int:policy_id>", response=PolicySchema)
def get(site: str, policy_id: int) -> AccessPolicy:
    """One policy with its rows in order."""
    return in_site(AccessPolicy, policy_id, "policy", site_by_code(site))


@blp.endpoint(
    "PATCH", "/<int:policy_id>", body=PolicyPatchSchema, response=PolicySchema,
    errors=[HTTPStatus.CONFLICT],
)
def patch(site: str, policy_id: int, body: dict[str, Any]) -> AccessPolicy:
    """Rename a policy or change its notes."""
    policy = in_site(AccessPolicy, policy_id, "policy", site_by_code(site))
    changed = update_policy(session(), policy.id, body)
    commit()
    return changed


@blp.endpoint(
    "DELETE", "/<int:policy_id>", status=HTTPStatus.NO_CONTENT, errors=[HTTPStatus.CONFLICT]
)
def delete(site: str, policy_id: int) -> None:
    """Delete a policy no group or person uses."""
    policy = in_site(AccessPolicy, policy_id, "policy", site_by_code(site))
    delete_policy(session(), policy.id)
    commit()


@blp.endpoint("GET", "/<int:policy_id>/holders", response=HoldersSchema)
def holders(site: str, policy_id: int) -> dict[str, list[int]]:
    """Groups that have the policy as their own; persons with it as main or additional."""
    policy = in_site(AccessPolicy, policy_id, "policy", site_by_code(site))
    groups, persons = holders_of(session(), policy.id)
    return {"group_ids": [g.id for g in groups], "person_ids": [p.id for p in persons]}


@blp.endpoint(
    "POST", "/<int:policy_id>/rules", body=RuleSchema, response=RuleSchema,
    status=HTTPStatus.CREATED,
)
def create_rule(site: str, policy_id: int, body: dict[str, Any]) -> AccessRule:
    """Append a row (or insert it at ``position``)."""
    policy = in_site(AccessPolicy, policy_id, "policy", site_by_code(site))
    rule = add_rule(session(), policy.id, **body)
    commit()
    return rule


@blp.endpoint(
    "PATCH", "/<int:policy_id>/rules/<int:rule_id>", body=RulePatchSchema, response=RuleSchema
)
def patch_rule(site: str, policy_id: int, rule_id: int, body: dict[str, Any]) -> AccessRule:
    """Change fields of a row."""
    rule = _rule(site, policy_id, rule_id)
    changed = update_rule(session(), rule.id, body)
    commit()
    return changed


@blp.endpoint("DELETE", "/<int:policy_id>/rules/<int:rule_id>", status=HTTPStatus.NO_CONTENT)
def delete_rule(site: str, policy_id: int, rule_id: int) -> None:
    """Delete a row."""
    rule = _rule(site, policy_id, rule_id)
    remove_rule(session(), rule.id)
    commit()
