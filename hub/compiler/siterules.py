"""All of one site's access rules, indexed by id, with the lookups the compiler needs."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from hub.compiler.errors import RulesError
from hub.compiler.rules import (
    AccessPoint,
    AccessPointGroup,
    AccessRow,
    Badge,
    Controller,
    Group,
    HolidayList,
    Person,
    Policy,
    Schedule,
    Site,
)

T = TypeVar("T", bound="_HasId")


class _HasId(Protocol):
    @property
    def id(self) -> Hashable: ...


def _index(kind: str, items: Iterable[T]) -> dict[Any, T]:
    table: dict[Any, T] = {}
    for item in items:
        ident = item.id
        if ident in table:
            raise RulesError(f"{kind} {ident!r} is given twice")
        table[ident] = item
    return table


@dataclass(frozen=True, slots=True, eq=False)
class SiteRules:
    """Everything the compiler needs for one site, indexed by id. Build with :meth:`build`."""

    site: Site
    controllers: Mapping[str, Controller]
    access_points: Mapping[int, AccessPoint]
    point_groups: Mapping[int, AccessPointGroup]
    schedules: Mapping[int, Schedule]
    holiday_lists: Mapping[int, HolidayList]
    policies: Mapping[int, Policy]
    groups: Mapping[int, Group]
    persons: Mapping[int, Person]
    _points_by_reader: Mapping[tuple[str, int], int] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        site: Site,
        *,
        controllers: Iterable[Controller] = (),
        access_points: Iterable[AccessPoint] = (),
        point_groups: Iterable[AccessPointGroup] = (),
        schedules: Iterable[Schedule] = (),
        holiday_lists: Iterable[HolidayList] = (),
        policies: Iterable[Policy] = (),
        groups: Iterable[Group] = (),
        persons: Iterable[Person] = (),
    ) -> SiteRules:
        """Index the entities and check every reference; RulesError names the first bad one."""
        rules = cls(
            site=site,
            controllers=_index("controller", controllers),
            access_points=_index("access point", access_points),
            point_groups=_index("access point group", point_groups),
            schedules=_index("schedule", schedules),
            holiday_lists=_index("holiday list", holiday_lists),
            policies=_index("policy", policies),
            groups=_index("group", groups),
            persons=_index("person", persons),
        )
        rules.check()
        return rules

    def __post_init__(self) -> None:
        by_reader: dict[tuple[str, int], int] = {}
        for point in self.access_points.values():
            where = (point.controller_id, point.reader_id)
            if where in by_reader:
                raise RulesError(
                    f"access points {by_reader[where]} and {point.id} share reader "
                    f"{point.reader_id} of controller {point.controller_id!r}"
                )
            by_reader[where] = point.id
        object.__setattr__(self, "_points_by_reader", by_reader)

    # -- reference checks ------------------------------------------------------------

    def check(self) -> None:
        """Raise RulesError for a dangling reference or a cycle."""
        for controller in self.controllers.values():
            if controller.site_id != self.site.id:
                raise RulesError(
                    f"controller {controller.id!r} belongs to site {controller.site_id!r}"
                )
        for point in self.access_points.values():
            if point.controller_id not in self.controllers:
                raise RulesError(
                    f"access point {point.id} ({point.name}): "
                    f"unknown controller {point.controller_id!r}"
                )
        for point_group in self.point_groups.values():
            owner = f"access point group {point_group.id}"
            self._need(self.access_points, point_group.point_ids, owner, "access point")
            self._need(self.point_groups, point_group.group_ids, owner, "point group")
            self.points_of_group(point_group.id)  # raises on a cycle
        for policy in self.policies.values():
            for row in policy.rows:
                self.check_row(policy.id, row)
        for group in self.groups.values():
            self.check_group(group)
        for person in self.persons.values():
            self.check_person(person)

    def check_row(self, policy_id: int, row: AccessRow) -> None:
        owner = f"policy {policy_id} row on {row.target()}"
        if row.point_id is not None and row.point_id not in self.access_points:
            raise RulesError(f"{owner}: unknown access point {row.point_id}")
        if row.point_group_id is not None and row.point_group_id not in self.point_groups:
            raise RulesError(f"{owner}: unknown access point group {row.point_group_id}")
        schedule = self.schedules.get(row.schedule_id)
        if schedule is None:
            raise RulesError(f"{owner}: unknown schedule {row.schedule_id}")
        if schedule.kind == "cyclic" and row.start_date is None:
            raise RulesError(f"{owner}: cyclic schedule {schedule.id} needs a start date (day 1)")
        if row.holiday_list_id is not None and row.holiday_list_id not in self.holiday_lists:
            raise RulesError(f"{owner}: unknown holiday list {row.holiday_list_id}")
        if row.holiday_schedule_id is not None:
            holiday = self.schedules.get(row.holiday_schedule_id)
            if holiday is None:
                raise RulesError(f"{owner}: unknown holiday schedule {row.holiday_schedule_id}")
            if holiday.kind == "cyclic" and len(holiday.days) > 1 and row.start_date is None:
                raise RulesError(f"{owner}: cyclic holiday schedule {holiday.id} needs a start")

    def check_group(self, group: Group) -> None:
        if group.parent_id is not None and group.parent_id not in self.groups:
            raise RulesError(f"group {group.id}: unknown parent group {group.parent_id}")
        if group.policy_id is not None and group.policy_id not in self.policies:
            raise RulesError(f"group {group.id}: unknown policy {group.policy_id}")
        seen = {group.id}
        parent = group.parent_id
        while parent is not None:
            if parent in seen:
                raise RulesError(f"group {group.id}: the parent chain loops back to group {parent}")
            seen.add(parent)
            parent = self.groups[parent].parent_id if parent in self.groups else None

    def check_person(self, person: Person) -> None:
        if person.group_id not in self.groups:
            raise RulesError(f"person {person.id}: unknown group {person.group_id}")
        if person.main_policy_id is not None and person.main_policy_id not in self.policies:
            raise RulesError(f"person {person.id}: unknown main policy {person.main_policy_id}")
        for grant in person.additional:
            if grant.policy_id not in self.policies:
                raise RulesError(f"person {person.id}: unknown additional policy {grant.policy_id}")

    @staticmethod
    def _need(table: Mapping[int, object], ids: Iterable[int], owner: str, kind: str) -> None:
        for ident in ids:
            if ident not in table:
                raise RulesError(f"{owner}: unknown {kind} {ident}")

    # -- lookups ------------------------------------------------------------------------

    def group_policy(self, group_id: int) -> int | None:
        """The policy a group's members get: its own, or the nearest ancestor's (None: none)."""
        current: int | None = group_id
        while current is not None:
            group = self.groups[current]
            if group.policy_id is not None:
                return group.policy_id
            current = group.parent_id
        return None

    def main_policy(self, person: Person) -> int | None:
        """The person's effective main policy id (individual, else inherited; None = none)."""
        if person.main_policy_id is not None:
            return person.main_policy_id
        return self.group_policy(person.group_id)

    def points_of_group(self, group_id: int) -> frozenset[int]:
        """Every access point of a point group, nested groups expanded."""
        found: set[int] = set()
        self._expand(group_id, found, ())
        return frozenset(found)

    def _expand(self, group_id: int, found: set[int], path: tuple[int, ...]) -> None:
        if group_id in path:
            chain = " -> ".join(str(g) for g in (*path, group_id))
            raise RulesError(f"access point groups contain each other: {chain}")
        group = self.point_groups[group_id]
        found.update(group.point_ids)
        for child in group.group_ids:
            self._expand(child, found, (*path, group_id))

    def row_points(self, row: AccessRow) -> frozenset[int]:
        """The access points a row grants."""
        if row.point_id is not None:
            return frozenset((row.point_id,))
        assert row.point_group_id is not None
        return self.points_of_group(row.point_group_id)

    def point_at(self, controller_id: str, reader_id: int) -> AccessPoint | None:
        ident = self._points_by_reader.get((controller_id, reader_id))
        return None if ident is None else self.access_points[ident]

    def readers_of(self, controller_id: str) -> dict[int, AccessPoint | None]:
        """Reader id -> its access point (None for a declared reader serving none)."""
        declared = self.controllers[controller_id].readers
        readers: dict[int, AccessPoint | None] = dict.fromkeys(declared)
        for point in self.access_points.values():
            if point.controller_id == controller_id:
                readers[point.reader_id] = point
        return readers

    def holders(self) -> Iterator[tuple[Person | Group, Badge]]:
        """Every (holder, badge) pair: persons' badges, then groups' own cards."""
        for person in self.persons.values():
            for badge in person.badges:
                yield person, badge
        for group in self.groups.values():
            for badge in group.badges:
                yield group, badge
