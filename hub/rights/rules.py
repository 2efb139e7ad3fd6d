"""The kinds of right an endpoint can need, as small predicates over a user's grants.

A rule answers ``None`` (allowed) or the reason for a refusal, in words for the 403.
Which person a request touches is not checked here: the request's session only sees the
persons the user may see (hub.rights.query), so an unseen person is a 404 everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from hub.rights.decide import Grants, PersonEdit, has_module, person_edit
from hub.rights.models import Module


@dataclass(frozen=True)
class Facts:
    """What a rule may look at besides the grants: the request's body fields and the
    names of its query parameters."""

    fields: frozenset[str] = field(default_factory=frozenset)
    query: frozenset[str] = field(default_factory=frozenset)


Rule = Callable[[Grants, Facts], str | None]


def public(_grants: Grants | None, _facts: Facts) -> str | None:
    """No login needed (the login page, static files, the OpenAPI document)."""
    return None


def logged_in(_grants: Grants, _facts: Facts) -> str | None:
    """Any logged-in user (what he sees inside is still filtered)."""
    return None


def admin(grants: Grants, _facts: Facts) -> str | None:
    """The administrator only."""
    return None if grants.is_admin else "only the administrator may do this"


def module(*needed: Module) -> Rule:
    """Holders of any of the ``needed`` modules (and the administrator)."""
    names = " or ".join(m.value for m in needed)

    def rule(grants: Grants, _facts: Facts) -> str | None:
        if any(has_module(grants, m) for m in needed):
            return None
        return f"this needs the {names} module"

    rule.__doc__ = f"Holders of the {names} module."
    return rule


def person_write(level: PersonEdit, *, policy_fields: Collection[str] = ()) -> Rule:
    """Users whose right to edit person records (the persons module, narrowed by the
    privacy rights) reaches ``level``; with ``policy_fields``, a user who may edit only
    policies passes when the request changes nothing else."""
    order = [PersonEdit.NONE, PersonEdit.ADDITIONAL_POLICIES, PersonEdit.POLICIES,
             PersonEdit.FULL]
    allowed_fields = frozenset(policy_fields)

    def rule(grants: Grants, facts: Facts) -> str | None:
        have = person_edit(grants)
        if order.index(have) >= order.index(level):
            return None
        if allowed_fields and have is PersonEdit.POLICIES and facts.fields <= allowed_fields:
            return None
        if have is PersonEdit.NONE:
            return "this needs the persons module"
        return f"your rights let you change only a person's {have.value.replace('_', ' ')}"

    rule.__doc__ = f"Person editors of level {level.value}."
    return rule


# Filters of the person lists that reveal more than the main data (department, custom
# fields): a user who sees only the main data may not search by them either.
NON_MAIN_FILTERS = frozenset({"group_id", "element_id"})


def person_list(grants: Grants, facts: Facts) -> str | None:
    """Any logged-in user; "main data only" users without filters beyond the main data."""
    if grants.main_data_only and not grants.is_admin and facts.query & NON_MAIN_FILTERS:
        return "your rights show only the main data of persons: filter by name or number"
    return None


def full_person_data(grants: Grants, _facts: Facts) -> str | None:
    """Users who see more than the main data of persons."""
    if grants.main_data_only and not grants.is_admin:
        return "your rights show only the main data of persons"
    return None
