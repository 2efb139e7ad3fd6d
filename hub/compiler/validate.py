"""Conflicts in a site's access rules, each with a message that names what clashes.

These rules still compile (the compiled access is the union of the rows), but SPEC.md
sections 1 and 4 ask the administrator to see them: the manuals' systems behave
unpredictably on them, and they usually are mistakes.

Not a conflict here: SPEC.md section 4's "different policy validities on terminals of one
concentrator". Check&In's concentrator stores one validity per badge; our compiled list
folds policy validity into each reader's windows, so such policies compile exactly
(tests/hub/compiler/test_validate.py proves it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from hub.compiler.access import combo_of
from hub.compiler.rules import AccessRow, Badge, Person, Policy, PolicyGrant
from hub.compiler.siterules import SiteRules
from protocols.portable.cardkey import masked

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding: ``code`` for programs, ``message`` for people, ``subject``: where."""

    severity: Severity
    code: str
    subject: str
    message: str


def _point(rules: SiteRules, point_id: int) -> str:
    point = rules.access_points[point_id]
    return f"access point {point.name!r} (#{point.id})"


def _points(rules: SiteRules, point_ids: frozenset[int] | set[int]) -> str:
    return ", ".join(_point(rules, p) for p in sorted(point_ids))


def _target(rules: SiteRules, row: AccessRow) -> str:
    if row.point_id is not None:
        return _point(rules, row.point_id)
    assert row.point_group_id is not None
    group = rules.point_groups[row.point_group_id]
    return f"access point group {group.name!r} (#{group.id})"


def _policy(rules: SiteRules, policy_id: int) -> str:
    return f"policy {rules.policies[policy_id].name!r} (#{policy_id})"


def _subgroups(rules: SiteRules, group_id: int) -> set[int]:
    """Every point group nested (at any depth) inside ``group_id``."""
    found: set[int] = set()
    todo = list(rules.point_groups[group_id].group_ids)
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(rules.point_groups[current].group_ids)
    return found


def _is_member(rules: SiteRules, row: AccessRow, group_id: int) -> bool:
    """Whether ``row``'s target is a member (point or nested group) of point group ``group_id``."""
    if row.point_id is not None:
        return row.point_id in rules.points_of_group(group_id)
    return row.point_group_id in _subgroups(rules, group_id)


def validate_policy(rules: SiteRules, policy: Policy) -> list[Issue]:
    """Rows on a group and its member; rows whose areas intersect (SPEC.md 1 and 4)."""
    issues: list[Issue] = []
    subject = f"policy #{policy.id}"
    for first, second in combinations(policy.rows, 2):
        shared = rules.row_points(first) & rules.row_points(second)
        if not shared:
            continue
        group_row, member_row = (first, second) if first.point_group_id is not None else (
            second, first)
        if group_row.point_group_id is not None and _is_member(
            rules, member_row, group_row.point_group_id
        ):
            issues.append(Issue(
                "error", "group_and_member", subject,
                f"{_policy(rules, policy.id)} has rules for {_target(rules, group_row)} and for "
                f"its member {_target(rules, member_row)}; keep one of them",
            ))
        else:
            issues.append(Issue(
                "error", "intersecting_areas", subject,
                f"{_policy(rules, policy.id)} has rules for {_target(rules, first)} and "
                f"{_target(rules, second)}, which intersect in {_points(rules, shared)}",
            ))
    return issues


def _rules_by_point(rules: SiteRules, policy_id: int) -> dict[int, set[AccessRow]]:
    by_point: dict[int, set[AccessRow]] = {}
    for row in rules.policies[policy_id].rows:
        bare = AccessRow(row.schedule_id, None, -1, row.start_date, row.holiday_list_id,
                         row.holiday_schedule_id)  # the rule without its target
        for point in rules.row_points(row):
            by_point.setdefault(point, set()).add(bare)
    return by_point


PairCache = dict[tuple[int, int], set[int]]


def _differing(rules: SiteRules, first: int, second: int, cache: PairCache) -> set[int]:
    """Access points both policies rule on, with different rules."""
    found = cache.get((first, second))
    if found is None:
        a, b = _rules_by_point(rules, first), _rules_by_point(rules, second)
        found = {point for point in a.keys() & b.keys() if a[point] != b[point]}
        cache[(first, second)] = found
    return found


def _policy_conflicts(rules: SiteRules, person: Person, cache: PairCache) -> list[Issue]:
    main, grants = combo_of(rules, person)
    policy_ids = sorted({g[0] for g in grants} | ({main} if main is not None else set()))
    issues: list[Issue] = []
    for first, second in combinations(policy_ids, 2):
        differing = _differing(rules, first, second, cache)
        if differing:
            issues.append(Issue(
                "error", "policy_conflict", f"person #{person.id}",
                f"{_policy(rules, first)} and {_policy(rules, second)} of person #{person.id} "
                f"give different rules for {_points(rules, differing)}",
            ))
    return issues


def _grant_span(rules: SiteRules, grant: PolicyGrant) -> tuple[float, float]:
    """The grant's validity as UTC seconds [from, to): local midnights of the site."""
    zone = rules.site.zone
    lo = float("-inf") if grant.valid_from is None else dt.datetime.combine(
        grant.valid_from, dt.time(), zone).timestamp()
    hi = float("inf") if grant.valid_to is None else dt.datetime.combine(
        grant.valid_to + dt.timedelta(days=1), dt.time(), zone).timestamp()
    return lo, hi


def _badge_span(badge: Badge) -> tuple[float, float]:
    lo = float("-inf") if badge.valid_from is None else badge.valid_from.timestamp()
    hi = float("inf") if badge.valid_to is None else badge.valid_to.timestamp()
    return lo, hi


def validate_person(
    rules: SiteRules, person: Person, cache: PairCache | None = None
) -> list[Issue]:
    """Grant validities, conflicting policies, badges that can never use a grant.

    ``cache`` (any dict, shared across persons) saves recomparing the same policy pairs.
    """
    issues: list[Issue] = []
    subject = f"person #{person.id}"
    for grant in person.additional:
        if grant.end_without_start:
            issues.append(Issue(
                "error", "grant_end_without_start", subject,
                f"additional {_policy(rules, grant.policy_id)} of person #{person.id} has an "
                f"end date ({grant.valid_to}) but no start date; give a start date",
            ))
        elif grant.empty:
            issues.append(Issue(
                "error", "grant_ends_before_start", subject,
                f"additional {_policy(rules, grant.policy_id)} of person #{person.id} ends "
                f"({grant.valid_to}) before it starts ({grant.valid_from})",
            ))
    issues.extend(_policy_conflicts(rules, person, {} if cache is None else cache))
    for badge in person.badges:
        if badge.state != "issued":
            continue
        b_lo, b_hi = _badge_span(badge)
        for grant in person.additional:
            if grant.empty or (grant.valid_from is None and grant.valid_to is None):
                continue
            g_lo, g_hi = _grant_span(rules, grant)
            if max(b_lo, g_lo) >= min(b_hi, g_hi):
                issues.append(Issue(
                    "warning", "badge_misses_grant", subject,
                    f"badge {_masked(badge)} of person #{person.id} is never valid while "
                    f"additional {_policy(rules, grant.policy_id)} is ({grant.valid_from} to "
                    f"{grant.valid_to or 'open'}): it never opens through that policy",
                ))
    return issues


def _masked(badge: Badge) -> str:
    return masked(badge.key)


def check_activation(badge: Badge, now: dt.datetime) -> list[Issue]:
    """Warnings for activating (pushing at once) a badge: expired or withdrawn ones."""
    subject = f"badge {_masked(badge)}"
    if badge.state == "withdrawn":
        return [Issue("error", "activate_withdrawn", subject,
                      f"badge {_masked(badge)} is withdrawn; issue it before activating it")]
    if badge.valid_to is not None and badge.valid_to <= now:
        return [Issue("warning", "activate_expired", subject,
                      f"badge {_masked(badge)} expired on {badge.valid_to.isoformat()}; "
                      "activating it will not let it open any door")]
    return []


def duplicate_cards(rules: SiteRules) -> list[Issue]:
    """Issued cards held twice (the compiler keeps the first holder: persons, then groups)."""
    seen: dict[int, str] = {}
    issues: list[Issue] = []
    for holder, badge in rules.holders():
        if badge.state != "issued":
            continue
        name = f"{'person' if isinstance(holder, Person) else 'group'} #{holder.id}"
        if badge.key in seen:
            issues.append(Issue(
                "error", "card_held_twice", name,
                f"badge {_masked(badge)} is issued to both {seen[badge.key]} and {name}",
            ))
        else:
            seen[badge.key] = name
    return issues


def validate_site(rules: SiteRules) -> list[Issue]:
    """Every issue of the site: policies, persons, cards held twice."""
    issues: list[Issue] = []
    for policy in rules.policies.values():
        issues.extend(validate_policy(rules, policy))
    cache: PairCache = {}
    for person in rules.persons.values():
        issues.extend(validate_person(rules, person, cache))
    issues.extend(duplicate_cards(rules))
    return issues
