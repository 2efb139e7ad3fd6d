"""Incremental compilation: after any change, the edges' lists patched by the deltas equal
a compilation from scratch (same content hash), and only affected controllers get one."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hub.compiler import changes as ch
from hub.compiler.compile import CompileOptions, compile_site
from hub.compiler.incremental import CompiledSite
from hub.compiler.rules import AccessPoint, Group
from hub.compiler.siterules import SiteRules
from protocols.portable.accesslist import AccessList, apply_delta, content_hash
from tests.hub.compiler.strategies import (
    HORIZON_DAYS,
    draw_badges,
    draw_holidays,
    draw_person,
    draw_rows,
    draw_schedule,
    sites,
    start_of,
)

EXAMPLES = int(os.environ.get("VRATNIK_PROPERTY_EXAMPLES", "40"))


def _rebuild(rules: SiteRules, **tables: dict[Any, Any]) -> SiteRules:
    current = {
        name: dict(getattr(rules, name)) for name in (
            "controllers", "access_points", "point_groups", "schedules", "holiday_lists",
            "policies", "groups", "persons")
    }
    for name, updates in tables.items():
        for ident, value in updates.items():
            if value is None:
                current[name].pop(ident, None)
            else:
                current[name][ident] = value
    return SiteRules.build(rules.site, **{k: list(v.values()) for k, v in current.items()})


def _subtree(rules: SiteRules, group_id: int) -> set[int]:
    found = {group_id}
    grew = True
    while grew:
        grew = False
        for g in rules.groups.values():
            if g.parent_id in found and g.id not in found:
                found.add(g.id)
                grew = True
    return found


def _change(data: Any, rules: SiteRules, hs: int) -> tuple[Any, SiteRules]:
    """A random change and the rules after it."""
    draw = data.draw
    start = start_of(hs)
    policy_ids = list(rules.policies)
    group_ids = list(rules.groups)
    kind = draw(st.sampled_from(["person", "person", "badge", "new person", "remove person",
                                 "group", "policy", "schedule", "holidays", "structure"]))
    if kind in ("person", "new person") or (kind in ("badge", "remove person")
                                            and not rules.persons):
        ident = draw(st.sampled_from(list(rules.persons))) if kind == "person" and \
            rules.persons else max(rules.persons, default=0) + 1
        person = draw_person(draw, ident, start, group_ids, policy_ids, 1000 * ident)
        return ch.PersonSet(person), _rebuild(rules, persons={ident: person})
    if kind == "badge":
        person = rules.persons[draw(st.sampled_from(list(rules.persons)))]
        person = dataclasses.replace(person, badges=draw_badges(draw, start, 1000 * person.id))
        return ch.PersonSet(person), _rebuild(rules, persons={person.id: person})
    if kind == "remove person":
        ident = draw(st.sampled_from(list(rules.persons)))
        return ch.PersonRemoved(ident), _rebuild(rules, persons={ident: None})
    if kind == "group":
        group = rules.groups[draw(st.sampled_from(group_ids))]
        parents = [None, *(g for g in group_ids if g not in _subtree(rules, group.id))]
        new = Group(group.id, draw(st.sampled_from(parents)),
                    draw(st.sampled_from([None, *policy_ids])),
                    badges=draw_badges(draw, start, 500_000 + group.id * 1000)
                    if draw(st.booleans()) else ())
        return ch.GroupSet(new), _rebuild(rules, groups={new.id: new})
    if kind == "policy":
        policy = rules.policies[draw(st.sampled_from(policy_ids))]
        rows = draw_rows(draw, start, list(rules.schedules.values()), list(rules.access_points),
                         list(rules.point_groups.values()))
        new_policy = dataclasses.replace(policy, rows=rows)
        return ch.PolicySet(new_policy), _rebuild(rules, policies={policy.id: new_policy})
    if kind == "schedule":
        old = rules.schedules[draw(st.sampled_from(list(rules.schedules)))]
        schedule = draw_schedule(draw, old.id)
        if schedule.kind != old.kind or len(schedule.days) != len(old.days):
            schedule = dataclasses.replace(schedule, kind=old.kind, days=(
                schedule.days * 7)[: len(old.days)])
        return ch.ScheduleSet(schedule), _rebuild(rules, schedules={old.id: schedule})
    if kind == "holidays":
        holidays = draw_holidays(draw, draw(st.sampled_from([1, 2])), start)
        return ch.HolidayListSet(holidays), _rebuild(rules, holiday_lists={holidays.id: holidays})
    point = rules.access_points[draw(st.sampled_from(list(rules.access_points)))]
    moved = AccessPoint(point.id, point.name, point.controller_id, point.reader_id,
                        not point.pin_required)
    new_rules = _rebuild(rules, access_points={point.id: moved})
    return new_rules, new_rules


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=sites(), data=st.data())
def test_deltas_equal_compiling_from_scratch(site: tuple[SiteRules, int], data: Any) -> None:
    rules, hs = site
    # hash_state_from=0: every list hashes its deltas block-wise (hub/compiler/snapshot.py)
    options = CompileOptions(hs, horizon_days=HORIZON_DAYS, secret=b"k",
                             hash_state_from=data.draw(st.sampled_from([0, 20_000])))
    compiled = CompiledSite(rules, options)
    edges: dict[str, AccessList] = compile_site(rules, options)  # what the doors hold
    for _ in range(data.draw(st.integers(1, 6))):
        change, rules = _change(data, rules, hs)
        if isinstance(change, SiteRules):
            deltas = compiled.replace_rules(change)
        else:
            deltas = compiled.apply(change)
        event(f"{type(change).__name__}: {'deltas' if deltas else 'no delta'}")
        for ctl, delta in deltas.items():
            assert delta.ops, ctl
            apply_delta(edges[ctl], delta)
            assert content_hash(edges[ctl]) == delta.hash
        fresh = compile_site(rules, dataclasses.replace(
            options, versions={ctl: lst.version for ctl, lst in edges.items()}))
        for ctl, lst in edges.items():
            # controllers without a delta kept their version: their content must not change
            assert content_hash(lst) == content_hash(fresh[ctl]), (ctl, change)
