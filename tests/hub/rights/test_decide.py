"""The rights rules on a small company (manual 001's examples), without a database.

Tree: 1 Company -> 2 Production -> 4 Workshop A, 5 Workshop B; 1 -> 3 Warehouse.
Persons: 10 (manager, in 2), 11 (in 2), 12 (in 4), 13 (in 5), 14 (in 3), 15 (in 1).
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.rights.decide import (
    AttendanceKind,
    Bans,
    CustomGrant,
    Grants,
    PersonEdit,
    Tree,
    can_edit_attendance,
    can_view,
    describe,
    edit_reach,
    elevated,
    has_module,
    modules,
    person_edit,
    revoked,
    view_reach,
    visible_person_fields,
)
from hub.rights.models import CustomKind, EditScope, Module, ViewScope

TREE = Tree({1: None, 2: 1, 3: 1, 4: 2, 5: 2})
PEOPLE = {10: 2, 11: 2, 12: 4, 13: 5, 14: 3, 15: 1}
MANAGER = Grants(user_id=1, person_id=10, group_id=2)
TIMES, ABSENCES, SHIFTS = AttendanceKind.TIMES, AttendanceKind.ABSENCES, AttendanceKind.SHIFTS


def seen(grants: Grants) -> set[int]:
    return {p for p, g in PEOPLE.items() if can_view(grants, TREE, p, g)}


NO_BANS = Bans()


def edited(grants: Grants, bans: Bans = NO_BANS, kind: AttendanceKind = TIMES) -> set[int]:
    return {p for p, g in PEOPLE.items()
            if can_edit_attendance(grants, TREE, bans, p, g, kind)}


def test_subtree_walks_every_level() -> None:
    assert TREE.subtree(1) == {1, 2, 3, 4, 5}
    assert TREE.subtree(2) == {2, 4, 5}
    assert TREE.subtree(4) == {4}


def test_view_scopes() -> None:
    assert seen(MANAGER) == {10}
    assert seen(replace(MANAGER, view=ViewScope.DEPARTMENT)) == {10, 11}
    assert seen(replace(MANAGER, view=ViewScope.SUBTREE)) == {10, 11, 12, 13}
    assert seen(replace(MANAGER, view=ViewScope.ALL)) == set(PEOPLE)


def test_a_user_who_is_nobody_sees_nobody_with_relative_scopes() -> None:
    nobody = Grants(user_id=2, view=ViewScope.SUBTREE, edit=EditScope.SUBORDINATES)
    assert seen(nobody) == set() and edited(nobody) == set()
    assert seen(replace(nobody, view=ViewScope.ALL)) == set(PEOPLE)


def test_edit_rights_show_whom_they_edit() -> None:
    # manual 001: "the edit right also opens the person's attendance sheet"
    assert seen(replace(MANAGER, edit=EditScope.SUBORDINATES)) == {10, 11, 12, 13}
    custom = CustomGrant(groups=frozenset({3}), persons=frozenset({13}))
    assert seen(replace(MANAGER, edit=EditScope.CUSTOM, custom=custom)) == {10, 13, 14}
    assert seen(replace(MANAGER, edit=EditScope.HR)) == set(PEOPLE)


def test_edit_scopes() -> None:
    assert edited(MANAGER) == set()
    assert edited(replace(MANAGER, edit=EditScope.SELF)) == {10}
    assert edited(replace(MANAGER, edit=EditScope.DEPARTMENT)) == {10, 11}
    assert edited(replace(MANAGER, edit=EditScope.SUBORDINATES)) == {10, 11, 12, 13}
    assert edited(replace(MANAGER, edit=EditScope.ALL)) == set(PEOPLE)
    assert edited(replace(MANAGER, edit=EditScope.HR)) == set(PEOPLE)


def test_department_ban_keeps_managers_off_their_own_attendance() -> None:
    bans = Bans(own_edit_department=True)
    assert edited(replace(MANAGER, edit=EditScope.DEPARTMENT), bans) == {11}
    assert edited(replace(MANAGER, edit=EditScope.SUBORDINATES), bans) == {11, 12, 13}
    # the ban of department editors does not touch editors of everybody ...
    assert edited(replace(MANAGER, edit=EditScope.ALL), bans) == set(PEOPLE)
    # ... nor someone who may edit only himself
    assert edited(replace(MANAGER, edit=EditScope.SELF), bans) == {10}


def test_all_ban_reaches_all_and_hr_editors_but_never_the_administrator() -> None:
    bans = Bans(own_edit_all=True)
    assert edited(replace(MANAGER, edit=EditScope.ALL), bans) == set(PEOPLE) - {10}
    assert edited(replace(MANAGER, edit=EditScope.HR), bans) == set(PEOPLE) - {10}
    assert edited(replace(MANAGER, edit=EditScope.DEPARTMENT), bans) == {10, 11}
    admin = Grants(user_id=9, is_admin=True, person_id=10, group_id=2)
    assert edited(admin, Bans(True, True)) == set(PEOPLE)


def test_being_named_in_a_custom_right_overrides_the_ban() -> None:
    # manual 001, 7.05: Mr Zich's right names his whole department and himself
    bans = Bans(own_edit_department=True)
    department_only = CustomGrant(groups=frozenset({2}))
    named_too = CustomGrant(groups=frozenset({2}), persons=frozenset({10}))
    assert edited(replace(MANAGER, edit=EditScope.CUSTOM, custom=department_only), bans) == {11}
    assert edited(replace(MANAGER, edit=EditScope.CUSTOM, custom=named_too), bans) == {10, 11}
    # without the ban the department alone covers him
    assert edited(replace(MANAGER, edit=EditScope.CUSTOM, custom=department_only)) == {10, 11}


def test_custom_rights_name_groups_not_their_subgroups() -> None:
    grant = replace(MANAGER, edit=EditScope.CUSTOM, custom=CustomGrant(groups=frozenset({2})))
    assert 12 not in edited(grant)


def test_view_only_absences_only_and_shifts_only_custom_rights() -> None:
    people = CustomGrant(groups=frozenset({3}), persons=frozenset({12}))
    view_only = replace(MANAGER, edit=EditScope.CUSTOM, custom=replace(people, view_only=True))
    assert seen(view_only) == {10, 12, 14} and edited(view_only) == set()
    absences = replace(MANAGER, edit=EditScope.CUSTOM,
                       custom=replace(people, kind=CustomKind.ABSENCES))
    assert edited(absences, kind=ABSENCES) == {12, 14}
    assert edited(absences, kind=TIMES) == set() and edited(absences, kind=SHIFTS) == set()
    shifts = replace(MANAGER, edit=EditScope.CUSTOM, custom=replace(people, kind=CustomKind.SHIFTS))
    assert edited(shifts, kind=SHIFTS) == {12, 14}
    assert edited(shifts, kind=TIMES) == set() and edited(shifts, kind=ABSENCES) == set()


def test_modules_one_by_one_and_what_hr_implies() -> None:
    clerk = replace(MANAGER, modules=frozenset({Module.BADGES}))
    assert modules(clerk) == {Module.BADGES}
    assert has_module(clerk, Module.BADGES) and not has_module(clerk, Module.POLICIES)
    assert seen(clerk) == set(PEOPLE)  # finding a card's holder needs every person
    hr = replace(MANAGER, edit=EditScope.HR)
    assert modules(hr) == {Module.PERSONS, Module.HIERARCHY, Module.HOLIDAYS}
    assert modules(Grants(user_id=9, is_admin=True)) == set(Module)


def test_privacy_rights_narrow_person_editing() -> None:
    assert person_edit(MANAGER) is PersonEdit.NONE
    editor = replace(MANAGER, modules=frozenset({Module.PERSONS}))
    assert person_edit(editor) is PersonEdit.FULL
    assert person_edit(replace(editor, policies_only=True)) is PersonEdit.POLICIES
    assert person_edit(replace(editor, additional_policies_only=True)) is (
        PersonEdit.ADDITIONAL_POLICIES)
    # a privacy flag grants nothing by itself: it narrows the persons module
    assert person_edit(replace(MANAGER, policies_only=True)) is PersonEdit.NONE
    security = replace(editor, policies_only=True, main_data_only=True)
    assert visible_person_fields(security) == {
        "id", "surname", "name", "class_id", "personal_number", "main_policy_id"}
    assert visible_person_fields(editor) is None


def test_elevated_rights() -> None:
    assert not elevated(MANAGER)
    assert not elevated(replace(MANAGER, edit=EditScope.SELF))
    assert elevated(replace(MANAGER, edit=EditScope.DEPARTMENT))
    assert elevated(replace(MANAGER, view=ViewScope.DEPARTMENT))
    assert elevated(replace(MANAGER, modules=frozenset({Module.AUDIT})))
    assert elevated(Grants(user_id=9, is_admin=True))


def test_revoked_lists_what_a_change_took_away() -> None:
    before = describe(replace(MANAGER, edit=EditScope.ALL,
                              modules=frozenset({Module.BADGES, Module.POLICIES})))
    after = describe(replace(MANAGER, modules=frozenset({Module.POLICIES})))
    assert revoked(before, after) == ["module badges", "edit all"]
    assert revoked(after, before) == []


SCOPES = st.builds(
    Grants,
    user_id=st.just(1),
    person_id=st.sampled_from([None, *PEOPLE]),
    view=st.sampled_from(list(ViewScope)),
    edit=st.sampled_from([s for s in EditScope if s is not EditScope.CUSTOM]),
    modules=st.frozensets(st.sampled_from(list(Module)), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(
    grants=SCOPES,
    custom=st.none() | st.builds(
        CustomGrant, groups=st.frozensets(st.sampled_from([1, 2, 3, 4, 5])),
        persons=st.frozensets(st.sampled_from(list(PEOPLE))), view_only=st.booleans(),
        kind=st.sampled_from(list(CustomKind))),
    bans=st.builds(Bans, st.booleans(), st.booleans()),
    kind=st.sampled_from(list(AttendanceKind)),
)
def test_nobody_edits_someone_he_cannot_see(grants: Grants, custom: CustomGrant | None,
                                            bans: Bans, kind: AttendanceKind) -> None:
    grants = replace(grants, group_id=PEOPLE.get(grants.person_id or 0))
    if custom is not None:
        grants = replace(grants, edit=EditScope.CUSTOM, custom=custom)
    assert edited(grants, bans, kind) <= seen(grants)
    # and everybody sees himself
    if grants.person_id is not None:
        assert grants.person_id in seen(grants)
    # the reach and the one-by-one answers agree
    reach = view_reach(grants, TREE)
    assert {p for p, g in PEOPLE.items() if reach.contains(p, g)} == seen(grants)
    assert edit_reach(grants, TREE, bans, kind).contains(0, None) is (
        edit_reach(grants, TREE, bans, kind).everyone)
