"""The changes :class:`hub.compiler.incremental.CompiledSite` understands.

Each names one entity as it is *after* the change (``*Set``: created or edited) or its id
(``*Removed``). Anything else (controllers, access points, point groups, the site's zone)
is structural: hand the whole new :class:`~hub.compiler.siterules.SiteRules` to
``CompiledSite.replace_rules`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.compiler.rules import Group, HolidayList, Person, Policy, Schedule


@dataclass(frozen=True, slots=True)
class PersonSet:
    """A person created or edited: group, policies, badges (issued, withdrawn, validity, PIN)."""

    person: Person


@dataclass(frozen=True, slots=True)
class PersonRemoved:
    person_id: int


@dataclass(frozen=True, slots=True)
class GroupSet:
    """A group created or edited: parent, own policy or inherit, its own cards."""

    group: Group


@dataclass(frozen=True, slots=True)
class GroupRemoved:
    """A group removed (it must have no persons and no subgroups left)."""

    group_id: int


@dataclass(frozen=True, slots=True)
class PolicySet:
    """An access table created or its rows edited."""

    policy: Policy


@dataclass(frozen=True, slots=True)
class PolicyRemoved:
    """A policy removed (nobody may refer to it any more)."""

    policy_id: int


@dataclass(frozen=True, slots=True)
class ScheduleSet:
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class HolidayListSet:
    holiday_list: HolidayList


Change = (
    PersonSet | PersonRemoved | GroupSet | GroupRemoved | PolicySet | PolicyRemoved
    | ScheduleSet | HolidayListSet
)
