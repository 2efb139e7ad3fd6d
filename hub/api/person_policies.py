"""A person's additional policies: ``/api/sites/<site>/persons/<id>/policies``.

The main policy is the person's ``main_policy_id`` (null: the group's). Additional policies
add to it, each with an optional validity in site-local dates, inclusive: a start alone is
allowed, an end without a start is not.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, session, site_by_code
from hub.api.schemas import ident
from hub.errors import NotFound
from hub.people.groups import effective_policy_id
from hub.people.models import Person
from hub.policies.models import PersonPolicy
from hub.policies.services import (
    add_person_policy,
    person_policies,
    remove_person_policy,
    set_person_policy_validity,
)

blp = ApiBlueprint(
    "person_policies",
    __name__,
    url_prefix="/api/sites/<site>/persons/<int:person_id>/policies",
    description="A person's main policy and additional policies with validity.",
)


class GrantSchema(Schema):
    """An additional policy of a person."""

    id = fields.Integer(dump_only=True)
    policy_id = ident(required=True)
    valid_from = fields.Date(allow_none=True, load_default=None)
    valid_to = fields.Date(allow_none=True, load_default=None)


class GrantValiditySchema(Schema):
    """A new validity (both dates given; null: open)."""

    valid_from = fields.Date(required=True, allow_none=True)
    valid_to = fields.Date(required=True, allow_none=True)


class PersonPoliciesSchema(Schema):
    """The policies a person holds."""

    main_policy_id = fields.Integer(
        allow_none=True, metadata={"description": "own main policy; null: the group's"}
    )
    effective_main_policy_id = fields.Integer(
        allow_none=True, metadata={"description": "the main policy in force"}
    )
    additional = fields.List(fields.Nested(GrantSchema))


def _grant(site: str, person_id: int, grant_id: int) -> PersonPolicy:
    person = in_site(Person, person_id, "person", site_by_code(site))
    for grant in person_policies(session(), person.id):
        if grant.id == grant_id:
            return grant
    raise NotFound("additional policy", grant_id)


@blp.endpoint("GET", "", response=PersonPoliciesSchema)
def get_policies(site: str, person_id: int) -> dict[str, Any]:
    """The person's main policy (own or the group's) and additional policies."""
    person = in_site(Person, person_id, "person", site_by_code(site))
    effective = person.main_policy_id
    if effective is None and person.group_id is not None:
        effective = effective_policy_id(session(), person.group_id)
    return {
        "main_policy_id": person.main_policy_id,
        "effective_main_policy_id": effective,
        "additional": person_policies(session(), person.id),
    }


@blp.endpoint("POST", "", body=GrantSchema, response=GrantSchema, status=HTTPStatus.CREATED)
def add(site: str, person_id: int, body: dict[str, Any]) -> PersonPolicy:
    """Give the person an additional policy."""
    person = in_site(Person, person_id, "person", site_by_code(site))
    grant = add_person_policy(session(), person.id, body.pop("policy_id"), **body)
    commit()
    return grant


@blp.endpoint("PUT", "/<int:grant_id>/validity", body=GrantValiditySchema, response=GrantSchema)
def put_validity(site: str, person_id: int, grant_id: int, body: dict[str, Any]) -> PersonPolicy:
    """Change the validity of an additional policy."""
    grant = _grant(site, person_id, grant_id)
    changed = set_person_policy_validity(
        session(), grant.id, body["valid_from"], body["valid_to"]
    )
    commit()
    return changed


@blp.endpoint("DELETE", "/<int:grant_id>", status=HTTPStatus.NO_CONTENT)
def delete(site: str, person_id: int, grant_id: int) -> None:
    """Take an additional policy away."""
    grant = _grant(site, person_id, grant_id)
    remove_person_policy(session(), grant.id)
    commit()
