"""Conflicts reported with names; the concentrator case compiles instead of conflicting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hub.compiler.compile import CompileOptions, compile_site
from hub.compiler.reference import allowed
from hub.compiler.rules import (
    AccessPoint,
    AccessPointGroup,
    AccessRow,
    Badge,
    Controller,
    Group,
    Person,
    Policy,
    PolicyGrant,
    Site,
)
from hub.compiler.siterules import SiteRules
from hub.compiler.validate import check_activation, validate_policy, validate_site
from protocols.portable.cardkey import H10301_26, card_key
from tests.hub.compiler.util import TZ, allows, every_day, hm, local

SITE = Site("s", TZ)
POINTS = [AccessPoint(n, f"door {n}", "c", n) for n in (1, 2, 3)]
ALWAYS = every_day((0, 1440), ident=1)
OFFICE = every_day((hm(8), hm(16)), ident=2)


def _rules(policies: list[Policy], persons: Sequence[Person] = (), **kw: object) -> SiteRules:
    return SiteRules.build(
        SITE, controllers=[Controller("c", "s", (1, 2, 3))], access_points=POINTS,
        point_groups=[AccessPointGroup(1, "hall", (1, 2)), AccessPointGroup(2, "wing", (2, 3)),
                      AccessPointGroup(3, "building", (), (1,))],
        schedules=[ALWAYS, OFFICE], policies=policies, groups=[Group(1)], persons=list(persons),
        **kw,  # type: ignore[arg-type]
    )


def test_rules_on_a_group_and_its_member() -> None:
    policy = Policy(1, (AccessRow(1, point_group_id=1), AccessRow(2, point_id=2)), "staff")
    issues = validate_policy(_rules([policy]), policy)
    assert [i.code for i in issues] == ["group_and_member"]
    assert "'hall'" in issues[0].message and "'door 2'" in issues[0].message
    assert "'staff'" in issues[0].message
    nested = Policy(2, (AccessRow(1, point_group_id=3), AccessRow(2, point_group_id=1)))
    issues = validate_policy(_rules([nested]), nested)
    assert [i.code for i in issues] == ["group_and_member"]
    assert "'building'" in issues[0].message and "'hall'" in issues[0].message


def test_one_policy_on_intersecting_areas() -> None:
    policy = Policy(1, (AccessRow(1, point_group_id=1), AccessRow(1, point_group_id=2)))
    issues = validate_policy(_rules([policy]), policy)
    assert [i.code for i in issues] == ["intersecting_areas"]
    assert "'hall'" in issues[0].message and "'wing'" in issues[0].message
    assert "'door 2'" in issues[0].message and "'door 1'" not in issues[0].message
    clean = Policy(2, (AccessRow(1, point_id=1), AccessRow(2, point_id=3)))
    assert validate_policy(_rules([clean]), clean) == []


def test_two_policies_of_a_person_with_different_rules_for_one_door() -> None:
    all_day = Policy(1, (AccessRow(1, point_id=1),), "all day")
    office = Policy(2, (AccessRow(2, point_id=1), AccessRow(2, point_id=3)), "office")
    same = Policy(3, (AccessRow(1, point_id=1),), "all day again")
    person = Person(7, 1, 1, (PolicyGrant(2), PolicyGrant(3)))
    issues = [i for i in validate_site(_rules([all_day, office, same], [person]))
              if i.subject == "person #7"]
    assert [i.code for i in issues] == ["policy_conflict", "policy_conflict"]
    assert "'all day'" in issues[0].message and "'office'" in issues[0].message
    assert "'door 1'" in issues[0].message and "'door 3'" not in issues[0].message
    # identical rules on the same door are no conflict (policy 1 and 3)
    assert not any("'all day again'" in i.message and "'all day'" in i.message
                   and "'office'" not in i.message for i in issues)


def test_grant_validity_errors_and_badges_that_never_open() -> None:
    policy = Policy(1, (AccessRow(1, point_id=1),), "visitors")
    key = card_key(H10301_26, 1234567)
    january = Badge(key, valid_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                    valid_to=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    person = Person(7, 1, None, (
        PolicyGrant(1, None, dt.date(2026, 3, 31)),  # end without start
        PolicyGrant(1, dt.date(2026, 3, 1), dt.date(2026, 3, 31)),  # misses the badge
        PolicyGrant(1, dt.date(2026, 1, 20), None),  # overlaps the badge
    ), (january,))
    rules = _rules([policy], [person])
    issues = validate_site(rules)
    codes = [i.code for i in issues]
    assert codes == ["grant_end_without_start", "badge_misses_grant"]
    assert issues[0].severity == "error" and "no start date" in issues[0].message
    assert issues[1].severity == "warning" and "2026-03-01" in issues[1].message
    assert "1234567" not in issues[1].message and "*4567" in issues[1].message  # masked
    # the invalid grant grants nothing; the open-ended one from 20 January does
    lists = compile_site(rules, CompileOptions(local(2026, 1, 10)))
    assert not allows(lists["c"], key, 1, local(2026, 1, 15, 12))
    assert allows(lists["c"], key, 1, local(2026, 1, 25, 12))


def test_activating_an_expired_or_withdrawn_badge() -> None:
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    expired = Badge(5, valid_to=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    [issue] = check_activation(expired, now)
    assert (issue.severity, issue.code) == ("warning", "activate_expired")
    assert "2026-02-01" in issue.message
    [issue] = check_activation(Badge(5, "withdrawn"), now)
    assert issue.code == "activate_withdrawn"
    assert check_activation(Badge(5, valid_to=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)), now) == []


def test_card_issued_twice() -> None:
    policy = Policy(1, (AccessRow(1, point_id=1),))
    rules = _rules([policy], [Person(1, 1, 1, badges=(Badge(9),)),
                              Person(2, 1, 1, badges=(Badge(9),))])
    [issue] = [i for i in validate_site(rules) if i.code == "card_held_twice"]
    assert "person #1" in issue.message and "person #2" in issue.message


def test_different_validities_on_one_concentrator_compile_correctly() -> None:
    # SPEC.md 4: Check&In's concentrator keeps one validity per badge, so a main policy on
    # the turnstile head and an additional policy with a validity on the door head clash
    # there. Our lists carry validity per reader (folded into windows): no conflict.
    turnstile, door = AccessPoint(1, "turnstile", "conc", 1), AccessPoint(2, "lab door", "conc", 2)
    main = Policy(1, (AccessRow(1, point_id=1),), "staff")
    lab = Policy(2, (AccessRow(1, point_id=2),), "lab project")
    person = Person(7, 1, None, (PolicyGrant(2, dt.date(2026, 3, 10), dt.date(2026, 3, 20)),),
                    (Badge(42),))
    rules = SiteRules.build(
        SITE, controllers=[Controller("conc", "s", (1, 2), concentrator=True)],
        access_points=[turnstile, door], schedules=[ALWAYS], policies=[main, lab],
        groups=[Group(1, None, 1)], persons=[person],
    )
    assert validate_site(rules) == []
    lst = compile_site(rules, CompileOptions(local(2026, 3, 1)))["conc"]
    for day, on_door in ((5, False), (10, True), (15, True), (20, True), (21, False), (30, False)):
        t = local(2026, 3, day, 12)
        assert allows(lst, 42, 1, t)  # the main policy: every day
        assert allows(lst, 42, 2, t) == on_door
        assert allowed(rules, person, person.badges[0], 2, t) == on_door
    # the edges of the validity are local midnights
    assert allows(lst, 42, 2, local(2026, 3, 10, 0, 0))
    assert not allows(lst, 42, 2, local(2026, 3, 10) - 1)
    assert not allows(lst, 42, 2, local(2026, 3, 21, 0, 0))
    # one badge validity for the card, the policy validity lives in the door's windows
    entry = lst.lookup(42)
    assert entry is not None and entry[1:] == (0, 0xFFFFFFFF, 0)
