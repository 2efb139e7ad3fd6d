"""CompiledSite: which controllers get a delta, what it holds, and refused changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc

import pytest

from hub.compiler import changes as ch
from hub.compiler.compile import CompileOptions
from hub.compiler.errors import RulesError
from hub.compiler.incremental import CompiledSite, compile_frozen
from hub.compiler.rules import (
    AccessPoint,
    AccessRow,
    Badge,
    Controller,
    Group,
    Person,
    Policy,
    Site,
)
from hub.compiler.siterules import SiteRules
from protocols.portable.accesslist import (
    AccessList,
    Delta,
    apply_delta,
    content_hash,
    decode_snapshot,
    encode_delta,
    encode_snapshot,
)
from tests.hub.compiler.util import TZ, every_day, hm, local, verdict

START = local(2026, 6, 1)
NOON = local(2026, 6, 2, 12)


def _site() -> SiteRules:
    """Gate (c-gate) for everyone, a lab (c-lab) for group 2 only, an idle controller."""
    return SiteRules.build(
        Site("s", TZ),
        controllers=[Controller("c-gate", "s", (1,)), Controller("c-lab", "s", (1,)),
                     Controller("c-idle", "s", (1,))],
        access_points=[AccessPoint(1, "gate", "c-gate", 1), AccessPoint(2, "lab", "c-lab", 1),
                       AccessPoint(3, "store", "c-idle", 1)],
        schedules=[every_day((0, 1440), ident=1), every_day((hm(8), hm(16)), ident=2)],
        policies=[Policy(1, (AccessRow(1, point_id=1),)),
                  Policy(2, (AccessRow(1, point_id=1), AccessRow(2, point_id=2))),
                  Policy(3, ())],
        groups=[Group(1, None, 1), Group(2, 1, 2)],
        persons=[Person(n, 1 if n <= 5 else 2, badges=(Badge(100 + n),)) for n in range(1, 9)],
    )


def _edges(site: CompiledSite) -> dict[str, AccessList]:
    """What the doors hold: decoded copies of the snapshots."""
    return {ctl: decode_snapshot(encode_snapshot(lst)) for ctl, lst in site.lists.items()}


def _apply(edges: dict[str, AccessList], deltas: dict[str, Delta]) -> None:
    for ctl, delta in deltas.items():
        apply_delta(edges[ctl], delta)
        assert content_hash(edges[ctl]) == delta.hash


def test_one_badge_change_touches_only_its_controllers() -> None:
    site = CompiledSite(_site(), CompileOptions(START))
    edges = _edges(site)
    person = site.rules.persons[2]  # group 1: the gate only
    expiry = dt.datetime(2026, 6, 10, tzinfo=dt.UTC)
    deltas = site.apply(ch.PersonSet(dataclasses.replace(
        person, badges=(dataclasses.replace(person.badges[0], valid_to=expiry),))))
    assert set(deltas) == {"c-gate"}
    assert deltas["c-gate"].ops == [[1, 102, edges["c-gate"].lookup(102)[0],  # type: ignore[index]
                                     0, int(expiry.timestamp()), 0]]
    assert len(encode_delta(deltas["c-gate"])) < 80  # "a delta of a few dozen bytes"
    _apply(edges, deltas)
    assert verdict(edges["c-gate"], 102, 1, local(2026, 6, 11)) == "expired"


def test_withdrawing_a_badge_says_withdrawn_and_a_new_card_appears_at_once() -> None:
    site = CompiledSite(_site(), CompileOptions(START))
    edges = _edges(site)
    person = site.rules.persons[7]  # group 2: gate and lab
    now = dt.datetime(2026, 6, 2, tzinfo=dt.UTC)
    withdrawn = dataclasses.replace(person.badges[0], state="withdrawn", withdrawn_at=now)
    deltas = site.apply(ch.PersonSet(dataclasses.replace(person, badges=(withdrawn, Badge(999)))))
    assert set(deltas) == {"c-gate", "c-lab"}
    _apply(edges, deltas)
    for ctl in ("c-gate", "c-lab"):
        assert verdict(edges[ctl], 107, 1, NOON) == "withdrawn"
        assert verdict(edges[ctl], 999, 1, NOON) == "granted"
    assert edges["c-idle"].lookup(999) is None


def test_a_group_change_reaches_the_subgroups_and_only_their_controllers() -> None:
    site = CompiledSite(_site(), CompileOptions(START))
    edges = _edges(site)
    # group 2 stops using its own policy and inherits the gate-only access
    deltas = site.apply(ch.GroupSet(Group(2, 1, None)))
    assert set(deltas) == {"c-lab"}  # the gate profile of group 2 did not change
    _apply(edges, deltas)
    assert edges["c-lab"].card_count() == 0
    assert verdict(edges["c-gate"], 107, 1, NOON) == "granted"


def test_access_that_appears_later_reaches_the_controller() -> None:
    # regression: a card with no access anywhere must stay known for when access comes
    site = CompiledSite(_site(), CompileOptions(START))
    edges = _edges(site)
    _apply(edges, site.apply(ch.GroupSet(Group(1, None, 3))))  # group 1: empty policy
    assert edges["c-gate"].lookup(101) is None
    _apply(edges, site.apply(ch.PolicySet(Policy(3, (AccessRow(2, point_id=3),)))))
    assert verdict(edges["c-idle"], 101, 1, NOON) == "granted"
    assert verdict(edges["c-idle"], 101, 1, local(2026, 6, 2, 17)) == "outside schedule"


def test_refused_changes_leave_everything_as_it_was() -> None:
    site = CompiledSite(_site(), CompileOptions(START))
    before = {ctl: content_hash(lst) for ctl, lst in site.lists.items()}
    with pytest.raises(RulesError, match="loops back"):
        site.apply(ch.GroupSet(Group(1, 2, 1)))  # 1 under 2 under 1
    with pytest.raises(RulesError, match="unknown main policy 9"):
        site.apply(ch.PersonSet(Person(1, 1, 9)))
    with pytest.raises(RulesError, match="still used"):
        site.apply(ch.PolicyRemoved(1))
    assert site.rules.groups[1].parent_id is None
    assert {ctl: content_hash(lst) for ctl, lst in site.lists.items()} == before
    assert site.apply(ch.GroupSet(Group(1, None, 1))) == {}  # no change, no delta


def test_compile_frozen_pauses_the_collector_and_freezes_the_result() -> None:
    gc.enable()
    try:
        site = compile_frozen(_site(), CompileOptions(START))
        assert gc.isenabled()  # restored
        assert gc.get_freeze_count() > 0
        assert set(site.lists) == {"c-gate", "c-lab", "c-idle"}
    finally:
        gc.unfreeze()
