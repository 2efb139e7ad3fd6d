"""Conflicts in access rules, as the compiler's validator finds them (SPEC.md sections 1, 4).

``/api/sites/<site>/persons/<id>/conflicts``: what the person's page shows (two policies
with different rules for one terminal, one policy on intersecting areas, validities that
never meet). ``/api/sites/<site>/conflicts``: every issue of the site. Only installed
access points (served by a reader) are considered, as in the compiled lists.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from hub.api.blueprint import ApiBlueprint
from hub.api.context import in_site, session, site_by_code
from hub.compiler.load import load_site_rules
from hub.compiler.validate import Issue, validate_person, validate_policy, validate_site
from hub.people.models import Person

blp = ApiBlueprint(
    "conflicts",
    __name__,
    url_prefix="/api/sites/<site>",
    description="Conflicts in access policies, each with a message that names what clashes.",
)


class FindingSchema(Schema):
    """One finding of the validator."""

    severity = fields.String(required=True, metadata={"enum": ["error", "warning"]})
    code = fields.String(required=True, metadata={"description": "for programs"})
    subject = fields.String(required=True, metadata={"description": "where it is"})
    message = fields.String(required=True, metadata={"description": "for people"})


class FindingsSchema(Schema):
    """The findings."""

    issues = fields.List(fields.Nested(FindingSchema), required=True)


@blp.endpoint("GET", "/persons/<int:person_id>/conflicts", response=FindingsSchema)
def person_conflicts(site: str, person_id: int) -> dict[str, Any]:
    """Conflicts of one person's policies and badges, and of the policies they hold."""
    the_site = site_by_code(site)
    person = in_site(Person, person_id, "person", the_site)
    rules = load_site_rules(session(), the_site.id, pins=None, person_ids=[person.id])
    loaded = rules.persons.get(person.id)
    if loaded is None:  # not in the compiler's view (e.g. no department)
        return {"issues": []}
    issues: list[Issue] = []
    main = rules.main_policy(loaded)
    for policy_id in sorted({*(g.policy_id for g in loaded.additional),
                             *([main] if main is not None else [])}):
        issues.extend(validate_policy(rules, rules.policies[policy_id]))
    issues.extend(validate_person(rules, loaded))
    return {"issues": issues}


@blp.endpoint("GET", "/conflicts", response=FindingsSchema)
def site_conflicts(site: str) -> dict[str, Any]:
    """Every conflict of the site: policies, persons, cards held twice."""
    the_site = site_by_code(site)
    return {"issues": validate_site(load_site_rules(session(), the_site.id, pins=None))}
