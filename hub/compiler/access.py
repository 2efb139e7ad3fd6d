"""Who may pass where and when, as windows: policies, combinations of policies, profiles.

Most people inherit their group's access, so the unit of work is not the person but the
**combination** of policies a holder has (:data:`ComboKey`: the effective main policy and
the additional grants with their validity). Windows are computed once per combination and
shared by everyone who has it; per controller a combination becomes one **profile**
(:data:`ProfileKey`: ``(reader id, windows)`` pairs, readers ascending).

A reader enters a profile only with windows inside the horizon, and a card enters a
controller's list only with a non-empty profile there (so a grant valid only next year puts
nothing on the controllers yet).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from hub.compiler.rules import Group, Person
from hub.compiler.siterules import SiteRules
from hub.compiler.windows import WindowCache, Windows, intersect, union

GrantKey = tuple[int, dt.date | None, dt.date | None]
ComboKey = tuple[int | None, tuple[GrantKey, ...]]
ProfileKey = tuple[tuple[int, Windows], ...]
NO_ACCESS: ComboKey = (None, ())


def _grant_order(grant: GrantKey) -> tuple[int, dt.date, dt.date]:
    return (grant[0], grant[1] or dt.date.min, grant[2] or dt.date.max)


def combo_of(rules: SiteRules, holder: Person | Group) -> ComboKey:
    """The policies a holder has: effective main policy and its valid additional grants."""
    if isinstance(holder, Group):
        return (rules.group_policy(holder.id), ())
    grants = {
        (g.policy_id, g.valid_from, g.valid_to) for g in holder.additional if not g.empty
    }
    return (rules.main_policy(holder), tuple(sorted(grants, key=_grant_order)))


def combo_policies(combo: ComboKey) -> set[int]:
    main, grants = combo
    found = {g[0] for g in grants}
    if main is not None:
        found.add(main)
    return found


class AccessTables:
    """Caches of windows per policy, per combination and per (combination, controller)."""

    def __init__(self, rules: SiteRules, cache: WindowCache) -> None:
        self.rules = rules
        self.cache = cache
        self._policy: dict[int, dict[int, Windows]] = {}
        self._combo: dict[ComboKey, dict[str, ProfileKey]] = {}

    def policy_points(self, policy_id: int) -> dict[int, Windows]:
        """Access point id -> windows, the union of the policy's rows."""
        cached = self._policy.get(policy_id)
        if cached is None:
            per_point: dict[int, list[Windows]] = defaultdict(list)
            for row in self.rules.policies[policy_id].rows:
                windows = self.cache.row(self.rules, row)
                for point in self.rules.row_points(row):
                    per_point[point].append(windows)
            cached = {point: union(ws) for point, ws in per_point.items()}
            self._policy[policy_id] = cached
        return cached

    def combo_points(self, combo: ComboKey) -> dict[int, Windows]:
        """Access point id -> windows of a combination (grants clipped to their validity)."""
        main, grants = combo
        parts: dict[int, list[Windows]] = defaultdict(list)
        if main is not None:
            for point, windows in self.policy_points(main).items():
                parts[point].append(windows)
        for policy_id, first, last in grants:
            validity = self.cache.validity(first, last)
            if not validity:
                continue
            for point, windows in self.policy_points(policy_id).items():
                parts[point].append(intersect(windows, validity))
        merged = {point: union(ws) for point, ws in parts.items()}
        return {point: ws for point, ws in merged.items() if ws}

    def profiles(self, combo: ComboKey) -> dict[str, ProfileKey]:
        """Controller id -> the combination's profile there (controllers with access only)."""
        cached = self._combo.get(combo)
        if cached is None:
            per_controller: dict[str, list[tuple[int, Windows]]] = defaultdict(list)
            points = self.rules.access_points
            for point_id, windows in self.combo_points(combo).items():
                point = points[point_id]
                per_controller[point.controller_id].append((point.reader_id, windows))
            cached = {ctl: tuple(sorted(entries)) for ctl, entries in per_controller.items()}
            self._combo[combo] = cached
        return cached

    def forget_policies(self, policy_ids: set[int]) -> None:
        """Drop caches that depend on these policies (after a change to them or their rows)."""
        for policy_id in policy_ids:
            self._policy.pop(policy_id, None)
        for combo in [c for c in self._combo if combo_policies(c) & policy_ids]:
            del self._combo[combo]

    def forget_all(self) -> None:
        self._policy.clear()
        self._combo.clear()
