"""The rights rules as pure functions: who sees whom, who edits what (SPEC.md section 7).

Nothing here reads the database or the clock: :class:`Grants` (a user's rights),
:class:`Tree` (the group hierarchy) and :class:`Bans` (company settings) come in, answers
go out. ``hub.rights.load`` builds the inputs, ``hub.rights.query`` turns a
:class:`Reach` into SQL. docs/rights.md explains each rule with the manuals' examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from hub.rights.models import CustomKind, EditScope, Module, ViewScope

# What the HR role (manual 001's "Personalista") opens besides editing everybody.
HR_MODULES = frozenset({Module.PERSONS, Module.HIERARCHY, Module.HOLIDAYS})
# Modules whose work needs every person of the site (finding a holder for a card, a
# person's record): holding one shows all persons, within the privacy restrictions.
ALL_PERSONS_MODULES = frozenset({Module.PERSONS, Module.BADGES})
# Manual 003, "Visualizza solo i dati principali".
MAIN_DATA_FIELDS = frozenset(
    {"id", "surname", "name", "class_id", "personal_number", "main_policy_id"}
)


class AttendanceKind(StrEnum):
    """What part of a person's attendance an edit touches."""

    TIMES = "times"  # arrivals, departures, interruptions
    ABSENCES = "absences"  # whole-day absences and interruption codes
    SHIFTS = "shifts"  # shift planning


class PersonEdit(StrEnum):
    """How much of a person record a user may change."""

    NONE = "none"
    ADDITIONAL_POLICIES = "additional_policies"  # only the additional policies
    POLICIES = "policies"  # the main policy and the additional ones
    FULL = "full"  # every field, photo, locations; create and delete persons


@dataclass(frozen=True)
class CustomGrant:
    """A custom right as its holder gets it."""

    groups: frozenset[int] = frozenset()
    persons: frozenset[int] = frozenset()
    view_only: bool = False
    kind: CustomKind = CustomKind.ALL


@dataclass(frozen=True)
class Grants:
    """One user's rights, with the person and department the scopes are relative to."""

    user_id: int
    is_admin: bool = False
    person_id: int | None = None
    group_id: int | None = None  # the person's department
    site_id: int | None = None  # the only site the user reaches (None: every site)
    view: ViewScope = ViewScope.SELF
    edit: EditScope = EditScope.NONE
    custom: CustomGrant | None = None
    modules: frozenset[Module] = frozenset()
    policies_only: bool = False
    additional_policies_only: bool = False
    main_data_only: bool = False


@dataclass(frozen=True)
class Bans:
    """Company settings: editors may not edit their own attendance (manual 001, 7.05)."""

    own_edit_department: bool = False  # department and subordinate-department editors
    own_edit_all: bool = False  # editors of everybody (all, HR)


@dataclass(frozen=True)
class Reach:
    """A set of persons: everyone, or members of ``groups`` plus ``persons``, minus
    ``excluded`` (a self-edit ban)."""

    everyone: bool = False
    groups: frozenset[int] = frozenset()
    persons: frozenset[int] = frozenset()
    excluded: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.everyone and not self.groups and not self.persons

    def contains(self, person_id: int, group_id: int | None) -> bool:
        """Whether the person (in group ``group_id``) is in the set."""
        if person_id in self.excluded:
            return False
        return self.everyone or person_id in self.persons or (
            group_id is not None and group_id in self.groups
        )

    def union(self, other: Reach) -> Reach:
        """Both sets (exclusions of either still apply)."""
        return Reach(
            everyone=self.everyone or other.everyone,
            groups=self.groups | other.groups,
            persons=self.persons | other.persons,
            excluded=self.excluded | other.excluded,
        )


NOBODY = Reach()
EVERYONE = Reach(everyone=True)


@dataclass(frozen=True)
class Tree:
    """The group hierarchy as parent links: group id -> parent id (None for roots)."""

    parents: Mapping[int, int | None]
    _children: dict[int, list[int]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for group, parent in self.parents.items():
            if parent is not None:
                self._children.setdefault(parent, []).append(group)

    def subtree(self, group_id: int) -> frozenset[int]:
        """The group and every group below it."""
        found = {group_id}
        stack = [group_id]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child not in found:  # the services forbid cycles; stay safe anyway
                    found.add(child)
                    stack.append(child)
        return frozenset(found)


def modules(grants: Grants) -> frozenset[Module]:
    """Every module the user may use: all for the administrator; HR adds its own."""
    if grants.is_admin:
        return frozenset(Module)
    if grants.edit is EditScope.HR:
        return grants.modules | HR_MODULES
    return grants.modules


def has_module(grants: Grants, module: Module) -> bool:
    """Whether the user may use ``module``."""
    return module in modules(grants)


def _own(grants: Grants, tree: Tree, subtree: bool) -> Reach:
    """The user's department (and the groups below it); nobody without a person."""
    if grants.group_id is None:
        return NOBODY
    groups = tree.subtree(grants.group_id) if subtree else frozenset({grants.group_id})
    return Reach(groups=groups)


def _myself(grants: Grants) -> Reach:
    return NOBODY if grants.person_id is None else Reach(persons=frozenset({grants.person_id}))


def view_reach(grants: Grants, tree: Tree) -> Reach:
    """Whose data the user sees: the view scope, plus everyone the user may edit (an edit
    right shows whom it edits: manual 001's "Z editace"), plus everyone for the
    administrator, the HR role and the person-handling modules."""
    if grants.is_admin or grants.view is ViewScope.ALL or grants.edit in (
        EditScope.ALL, EditScope.HR
    ) or modules(grants) & ALL_PERSONS_MODULES:
        return EVERYONE
    reach = {
        ViewScope.SELF: _myself(grants),
        ViewScope.DEPARTMENT: _own(grants, tree, subtree=False),
        ViewScope.SUBTREE: _own(grants, tree, subtree=True),
    }[grants.view]
    reach = reach.union(_myself(grants))  # everybody sees himself
    if grants.custom is not None:
        reach = reach.union(Reach(groups=grants.custom.groups, persons=grants.custom.persons))
    if grants.edit is EditScope.DEPARTMENT:
        reach = reach.union(_own(grants, tree, subtree=False))
    elif grants.edit is EditScope.SUBORDINATES:
        reach = reach.union(_own(grants, tree, subtree=True))
    return reach


def edit_reach(grants: Grants, tree: Tree, bans: Bans, kind: AttendanceKind) -> Reach:
    """Whose attendance (of ``kind``) the user edits, with the self-edit bans applied."""
    if grants.is_admin:
        return EVERYONE  # the administrator is never banned
    scope = grants.edit
    if scope is EditScope.CUSTOM:
        return _custom_reach(grants, bans, kind)
    reach = {
        EditScope.NONE: NOBODY,
        EditScope.SELF: _myself(grants),
        EditScope.DEPARTMENT: _own(grants, tree, subtree=False),
        EditScope.SUBORDINATES: _own(grants, tree, subtree=True),
        EditScope.ALL: EVERYONE,
        EditScope.HR: EVERYONE,
    }[scope]
    banned = (
        (bans.own_edit_department and scope in (EditScope.DEPARTMENT, EditScope.SUBORDINATES))
        or (bans.own_edit_all and scope in (EditScope.ALL, EditScope.HR))
    )
    if banned and grants.person_id is not None:
        reach = Reach(reach.everyone, reach.groups, reach.persons,
                      frozenset({grants.person_id}))
    return reach


def _custom_reach(grants: Grants, bans: Bans, kind: AttendanceKind) -> Reach:
    custom = grants.custom
    if custom is None or custom.view_only:
        return NOBODY
    if custom.kind is CustomKind.ABSENCES and kind is not AttendanceKind.ABSENCES:
        return NOBODY
    if custom.kind is CustomKind.SHIFTS and kind is not AttendanceKind.SHIFTS:
        return NOBODY
    excluded: frozenset[int] = frozenset()
    # A holder covered only through a named department falls under the department ban;
    # being named personally overrides it (manual 001, version 7.05).
    me = grants.person_id
    if bans.own_edit_department and me is not None and me not in custom.persons:
        excluded = frozenset({me})
    return Reach(groups=custom.groups, persons=custom.persons, excluded=excluded)


def can_view(grants: Grants, tree: Tree, person_id: int, group_id: int | None) -> bool:
    """Whether the user sees the person."""
    return view_reach(grants, tree).contains(person_id, group_id)


def can_edit_attendance(
    grants: Grants, tree: Tree, bans: Bans, person_id: int, group_id: int | None,
    kind: AttendanceKind,
) -> bool:
    """Whether the user may edit the person's attendance of ``kind``."""
    return edit_reach(grants, tree, bans, kind).contains(person_id, group_id)


def person_edit(grants: Grants) -> PersonEdit:
    """How much of a person record the user may change: the persons module, narrowed by
    the privacy rights of manual 003."""
    if grants.is_admin:
        return PersonEdit.FULL
    if not has_module(grants, Module.PERSONS):
        return PersonEdit.NONE
    if grants.additional_policies_only:
        return PersonEdit.ADDITIONAL_POLICIES
    if grants.policies_only:
        return PersonEdit.POLICIES
    return PersonEdit.FULL


def visible_person_fields(grants: Grants) -> frozenset[str] | None:
    """The person fields the user sees; None: all of them."""
    if grants.main_data_only and not grants.is_admin:
        return MAIN_DATA_FIELDS
    return None


def elevated(grants: Grants) -> bool:
    """Whether the account holds more than the standard rights (seeing and editing only
    oneself): such accounts without a password are shown red on the password check."""
    if grants.is_admin or grants.modules:
        return True
    if grants.view is not ViewScope.SELF:
        return True
    return grants.edit not in (EditScope.NONE, EditScope.SELF)


def describe(grants: Grants) -> dict[str, object]:
    """The rights as plain data (for the rights history snapshot and the UI)."""
    custom = grants.custom
    return {
        "admin": grants.is_admin,
        "person_id": grants.person_id,
        "site_id": grants.site_id,
        "view": grants.view.value,
        "edit": grants.edit.value,
        "custom": None if custom is None else {
            "groups": sorted(custom.groups), "persons": sorted(custom.persons),
            "view_only": custom.view_only, "kind": custom.kind.value,
        },
        "modules": sorted(m.value for m in grants.modules),
        "policies_only": grants.policies_only,
        "additional_policies_only": grants.additional_policies_only,
        "main_data_only": grants.main_data_only,
    }


def revoked(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """What a change took away, in words (modules lost, scopes narrowed, restrictions)."""
    lost: list[str] = []
    old_modules = _strings(before.get("modules"))
    new_modules = _strings(after.get("modules"))
    lost.extend(f"module {m}" for m in sorted(set(old_modules) - set(new_modules)))
    if before.get("admin") and not after.get("admin"):
        lost.append("administrator")
    for key in ("view", "edit", "custom"):
        if before.get(key) != after.get(key) and before.get(key) not in (None, "none", "self"):
            lost.append(f"{key} {before.get(key)}")
    return lost


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, Iterable) and not isinstance(
        value, str) else []
