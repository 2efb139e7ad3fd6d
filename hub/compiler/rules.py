"""The compiler's input: a site's access rules as frozen values (plain ids, no database).

The loader turns database rows into these; the compiler, the validator and the reference
evaluator read only these. Meaning (SPEC.md sections 1, 2 and 4; docs/compiler.md):

* Ids: ``Site.id`` and ``Controller.id`` are the text codes used on the wire (list header,
  MQTT topics); every other id is an ``int``. Reader ids are 0..65535, unique per controller.
* Times of day are *minutes* of the site's local wall clock. An interval ``(start, end)``
  has ``0 <= start < 1440`` and ``0 <= end <= 1440``, ``end != start``. ``end > start`` is
  an interval inside the day (``end == 1440`` = until midnight). ``end < start`` is a night
  shift: it starts on its day and runs to ``end`` on the *following* day (``(1320, 360)``
  is 22:00-06:00). An interval belongs to the day it starts on.
* A **weekly** schedule has 7 days (Monday first); a **cyclic** schedule has N days, day 1
  being the access row's start date. A one-day holiday schedule is any schedule: on a
  holiday date it contributes the intervals it has for that date (a 1-day cyclic schedule
  has the same intervals every day).
* An :class:`AccessRow` grants its target (an access point or a group of them) the
  schedule's intervals that start on or after ``start_date`` (None: no start, weekly
  schedules only). On a date of its holiday list the row uses its holiday schedule's
  intervals for that date *instead*; with a holiday list and no holiday schedule it grants
  nothing that day. A night shift that started the day before a holiday runs to its end.
* A :class:`Policy` is an access table (rows). A :class:`Group` has its own policy or
  (``policy_id`` None) its parent's; a root without one gives no access. A
  :class:`Person`'s main policy is explicit or (None, the default) its group's effective
  one. Additional policies (:class:`PolicyGrant`) apply on site-local dates
  ``valid_from .. valid_to`` inclusive; no start = from always, no end = for ever; an end
  without a start is invalid (validate.py reports it, the compiler grants nothing for it:
  an access system fails closed).
* :class:`hub.compiler.siterules.SiteRules` holds all of a site's entities, indexed by id,
  with the lookups (inheritance, nested point groups) the compiler needs.
* Effective access of a badge = union over the holder's policies of their rows (each
  additional policy only inside its validity), and only inside the badge's own validity
  ``[valid_from, valid_to)`` (aware datetimes, None = unbounded).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Literal

from hub.compiler.errors import RulesError

ScheduleKind = Literal["weekly", "cyclic"]
BadgeState = Literal["issued", "withdrawn"]
Interval = tuple[int, int]
"""(start minute, end minute) of the local day; ``end < start`` runs into the next day."""

MINUTES_PER_DAY = 1440
MAX_READER_ID = 0xFFFF


def _check_interval(owner: str, interval: Interval) -> None:
    if not (isinstance(interval, tuple) and len(interval) == 2):
        raise RulesError(f"{owner}: an interval is a (start minute, end minute) pair")
    start, end = interval
    if not (0 <= start < MINUTES_PER_DAY):
        raise RulesError(f"{owner}: interval start {start} is not a minute 0..1439 of the day")
    if not (0 <= end <= MINUTES_PER_DAY):
        raise RulesError(f"{owner}: interval end {end} is not a minute 0..1440 of the day")
    if end == start:
        raise RulesError(f"{owner}: interval {start}-{end} is empty (start equals end)")


@dataclass(frozen=True, slots=True)
class Site:
    """A site and its IANA time zone (all schedules are its local wall-clock time)."""

    id: str
    tz: str

    def __post_init__(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
            raise RulesError(f"site {self.id!r}: unknown time zone {self.tz!r}") from err

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.tz)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Weekly (7 days, Monday first) or cyclic (N days, day 1 = the row's start date)."""

    id: int
    kind: ScheduleKind
    days: tuple[tuple[Interval, ...], ...]
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("weekly", "cyclic"):
            raise RulesError(f"schedule {self.id}: kind {self.kind!r} is not weekly or cyclic")
        if self.kind == "weekly" and len(self.days) != 7:
            days = len(self.days)
            raise RulesError(f"schedule {self.id}: weekly schedules have 7 days, not {days}")
        if not self.days:
            raise RulesError(f"schedule {self.id}: a cyclic schedule needs at least one day")
        for number, intervals in enumerate(self.days, start=1):
            for interval in intervals:
                _check_interval(f"schedule {self.id} day {number}", interval)

    def day_intervals(self, day: dt.date, start_date: dt.date | None) -> tuple[Interval, ...]:
        """The intervals starting on ``day`` (nothing before ``start_date``)."""
        if start_date is not None and day < start_date:
            return ()
        if self.kind == "weekly":
            return self.days[day.weekday()]
        if len(self.days) == 1:  # a one-day (holiday) schedule: the same day every day
            return self.days[0]
        if start_date is None:
            raise RulesError(f"schedule {self.id}: a cyclic schedule needs a start date")
        return self.days[(day - start_date).days % len(self.days)]


@dataclass(frozen=True, slots=True)
class HolidayList:
    id: int
    dates: frozenset[dt.date]
    name: str = ""


@dataclass(frozen=True, slots=True)
class AccessPoint:
    """One reader of one controller: a door *and* a direction (entry and exit are two)."""

    id: int
    name: str
    controller_id: str
    reader_id: int
    pin_required: bool = False

    def __post_init__(self) -> None:
        if not (0 <= self.reader_id <= MAX_READER_ID):
            raise RulesError(f"access point {self.name!r}: reader id {self.reader_id} not 0..65535")


@dataclass(frozen=True, slots=True)
class AccessPointGroup:
    """A named set of access points and (nested) access point groups."""

    id: int
    name: str
    point_ids: tuple[int, ...] = ()
    group_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessRow:
    """One row of an access table: exactly one of ``point_id`` / ``point_group_id``."""

    schedule_id: int
    point_id: int | None = None
    point_group_id: int | None = None
    start_date: dt.date | None = None
    holiday_list_id: int | None = None
    holiday_schedule_id: int | None = None

    def __post_init__(self) -> None:
        if (self.point_id is None) == (self.point_group_id is None):
            raise RulesError("access row: give exactly one of an access point or a point group")

    def target(self) -> str:
        """The row's target in words (for messages)."""
        if self.point_id is not None:
            return f"access point {self.point_id}"
        return f"access point group {self.point_group_id}"


@dataclass(frozen=True, slots=True)
class Policy:
    """An access table."""

    id: int
    rows: tuple[AccessRow, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class PolicyGrant:
    """An additional policy of a person, valid on local dates valid_from..valid_to inclusive."""

    policy_id: int
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @property
    def end_without_start(self) -> bool:
        """Invalid (SPEC.md 4): reported by validate.py, grants nothing when compiled."""
        return self.valid_from is None and self.valid_to is not None

    @property
    def empty(self) -> bool:
        return self.end_without_start or (
            self.valid_from is not None and self.valid_to is not None
            and self.valid_to < self.valid_from
        )


@dataclass(frozen=True, slots=True)
class Badge:
    """A card: ``key`` from protocols.portable.cardkey, validity ``[valid_from, valid_to)``.

    Datetimes must be timezone-aware. ``withdrawn_at`` (withdrawn badges) decides how long
    the edges keep saying "withdrawn" for the card (CompileOptions.withdrawn_keep_days).
    """

    key: int
    state: BadgeState = "issued"
    valid_from: dt.datetime | None = None
    valid_to: dt.datetime | None = None
    pin: str | None = None
    withdrawn_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.key < 1 << 64):
            raise RulesError("badge: card key is not an unsigned 64-bit integer")
        if self.state not in ("issued", "withdrawn"):
            raise RulesError(f"badge: state {self.state!r} is not issued or withdrawn")
        for name in ("valid_from", "valid_to", "withdrawn_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise RulesError(f"badge: {name} must be a timezone-aware datetime")
        if self.pin is not None and not (self.pin.isdigit() and self.pin.isascii()):
            raise RulesError("badge: a PIN is digits only")


@dataclass(frozen=True, slots=True)
class Group:
    """A node of the personnel tree; ``policy_id`` None = use the parent's access."""

    id: int
    parent_id: int | None = None
    policy_id: int | None = None
    name: str = ""
    badges: tuple[Badge, ...] = ()  # cards owned by the group (e.g. alarm reset)


@dataclass(frozen=True, slots=True)
class Person:
    """``main_policy_id`` None = the group's access (the default), else individual access."""

    id: int
    group_id: int
    main_policy_id: int | None = None
    additional: tuple[PolicyGrant, ...] = ()
    badges: tuple[Badge, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class Controller:
    """A controller of the site; a concentrator has several reader heads."""

    id: str
    site_id: str
    readers: tuple[int, ...] = ()
    concentrator: bool = False
