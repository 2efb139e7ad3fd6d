"""The slow reference evaluator: the rules evaluated directly at one instant.

No windows, no caches, no profiles: the instant is converted to the site's local wall-clock
time with zoneinfo and every rule of the holder is checked as docs/compiler.md words it.
The tests compare the compiled lists' decisions with this, so it deliberately shares no
schedule code with :mod:`hub.compiler.windows` (only the input model and its lookups).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from hub.compiler.rules import AccessRow, Badge, Group, Interval, Person, Schedule
from hub.compiler.siterules import SiteRules

Verdict = Literal[
    "granted", "withdrawn", "not_yet_valid", "expired", "no_access", "outside_schedule"
]


def _intervals_on(schedule: Schedule, day: dt.date, start: dt.date | None) -> tuple[Interval, ...]:
    if schedule.kind == "weekly":
        return schedule.days[day.weekday()]
    if len(schedule.days) == 1:
        return schedule.days[0]
    assert start is not None  # SiteRules.check refuses cyclic rows without a start date
    return schedule.days[(day.toordinal() - start.toordinal()) % len(schedule.days)]


def _row_intervals(rules: SiteRules, row: AccessRow, day: dt.date) -> tuple[Interval, ...]:
    """What the row grants starting on ``day``: nothing before its start, holidays replaced."""
    if row.start_date is not None and day < row.start_date:
        return ()
    if row.holiday_list_id is not None and day in rules.holiday_lists[row.holiday_list_id].dates:
        if row.holiday_schedule_id is None:
            return ()
        return _intervals_on(rules.schedules[row.holiday_schedule_id], day, row.start_date)
    return _intervals_on(rules.schedules[row.schedule_id], day, row.start_date)


def row_active(rules: SiteRules, row: AccessRow, local: dt.datetime) -> bool:
    """Whether ``row``'s schedule covers the local wall-clock time ``local``."""
    day = local.date()
    second = local.hour * 3600 + local.minute * 60 + local.second
    for start, end in _row_intervals(rules, row, day):
        stop = end if end > start else 1440  # a night shift covers the rest of its first day
        if start * 60 <= second < stop * 60:
            return True
    for start, end in _row_intervals(rules, row, day - dt.timedelta(days=1)):
        if end < start and second < end * 60:  # yesterday's night shift, into today
            return True
    return False


def _policies_at(rules: SiteRules, holder: Person | Group, day: dt.date) -> list[int]:
    if isinstance(holder, Group):
        main = rules.group_policy(holder.id)
        return [] if main is None else [main]
    policies = []
    main = rules.main_policy(holder)
    if main is not None:
        policies.append(main)
    for grant in holder.additional:
        if grant.end_without_start:
            continue  # invalid: grants nothing (validate.py reports it)
        if grant.valid_from is not None and day < grant.valid_from:
            continue
        if grant.valid_to is not None and day > grant.valid_to:
            continue
        policies.append(grant.policy_id)
    return policies


def evaluate(
    rules: SiteRules, holder: Person | Group, badge: Badge, point_id: int, t: int
) -> Verdict:
    """The verdict for ``badge`` of ``holder`` at access point ``point_id`` at UTC second ``t``."""
    if badge.state == "withdrawn":
        return "withdrawn"
    if badge.valid_from is not None and t < badge.valid_from.timestamp():
        return "not_yet_valid"
    if badge.valid_to is not None and t >= badge.valid_to.timestamp():
        return "expired"
    local = dt.datetime.fromtimestamp(t, rules.site.zone)
    covering = [
        row
        for policy_id in _policies_at(rules, holder, local.date())
        for row in rules.policies[policy_id].rows
        if point_id in rules.row_points(row)
    ]
    if not covering:
        return "no_access"
    if any(row_active(rules, row, local) for row in covering):
        return "granted"
    return "outside_schedule"


def allowed(rules: SiteRules, holder: Person | Group, badge: Badge, point_id: int, t: int) -> bool:
    """Whether the badge opens the access point at ``t``."""
    return evaluate(rules, holder, badge, point_id, t) == "granted"
