"""Full compilation: a site's rules -> one AccessList per controller.

The pipeline: every listed badge (see :func:`badge_terms`) of every holder -> the holder's
policy combination -> that combination's profile on each controller -> a card entry
``(profile, valid_from, valid_to, flags, pin)`` in the controller's :class:`Plan` -> the
list, built with ``AccessListBuilder``. :class:`hub.compiler.incremental.CompiledSite`
keeps the plan and updates only what a change touches.

Which cards a list holds (docs/compiler.md):

* an issued badge, on every controller where its holder's profile is not empty, with its
  validity as UTC seconds; still listed for ``gone_keep_days`` after it expired, so the
  door says "expired" rather than "unknown card" (a badge that ends before it starts is
  never listed: the format leaves out cards that can never open);
* a withdrawn badge with ``CARD_WITHDRAWN`` (and the default validity: the flag decides)
  where its holder has access, for ``gone_keep_days`` after ``withdrawn_at`` (so the door
  says "withdrawn", also an edge that missed the delta); without ``withdrawn_at`` it is
  not listed;
* one card key held by several holders: an issued badge beats a withdrawn one, then the
  latest withdrawal, then persons before groups, then the lowest id (validate.py reports
  keys issued twice);
* its PIN hash when the card's profile there has a PIN reader and the badge has a PIN.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.compiler.access import AccessTables, ProfileKey, combo_of
from hub.compiler.rules import Badge, Group, Person
from hub.compiler.siterules import SiteRules
from hub.compiler.windows import DAY, WindowCache, Windows, ZoneClock, pairs
from protocols.portable.accesslist_build import AccessListBuilder
from protocols.portable.accesslist_model import (
    CARD_WITHDRAWN,
    READER_PIN,
    TIME_MAX,
    AccessList,
)

HolderRef = tuple[str, int]
"""("person", id) or ("group", id)."""
CardEntry = tuple[ProfileKey, int, int, int, str | None]
"""(profile, valid_from, valid_to, flags, PIN digits or None) of a card on one controller."""


@dataclass(frozen=True, slots=True)
class CompileOptions:
    """What a compilation depends on besides the rules."""

    horizon_start: int
    horizon_days: int = 35
    gone_keep_days: int = 35
    secret: bytes = b""  # the site's secret: PIN salts derive from it
    versions: dict[str, int] = field(default_factory=dict)  # first version per controller
    hash_state_from: int = 1_000  # lists with this many cards hash deltas block-wise

    @property
    def horizon_end(self) -> int:
        return min(self.horizon_start + self.horizon_days * DAY, TIME_MAX)

    def salt(self, controller_id: str) -> bytes:
        """The controller's PIN salt: stable across compilations, different per controller."""
        return hashlib.sha256(b"vratnik-pin-salt\0" + self.secret + b"\0"
                              + controller_id.encode()).digest()[:16]


def _seconds(moment: dt.datetime) -> int:
    """Aware datetime -> UTC second, rounded up ([from, to) of whole seconds), clamped."""
    value = math.ceil(moment.timestamp())
    return min(max(value, 0), TIME_MAX)


def badge_terms(badge: Badge, options: CompileOptions) -> tuple[int, int, int] | None:
    """(valid_from, valid_to, flags) of a listed badge, or None when it is not listed."""
    valid_from = 0 if badge.valid_from is None else _seconds(badge.valid_from)
    valid_to = TIME_MAX if badge.valid_to is None else _seconds(badge.valid_to)
    cutoff = options.horizon_start - options.gone_keep_days * DAY
    if badge.state == "withdrawn":
        if badge.withdrawn_at is None or _seconds(badge.withdrawn_at) <= cutoff:
            return None
        return 0, TIME_MAX, CARD_WITHDRAWN  # the flag decides; validity would not matter
    if valid_to <= cutoff or valid_to <= valid_from:
        return None  # long expired, or never valid: the format leaves such cards out
    return valid_from, valid_to, 0


def holder_ref(holder: Person | Group) -> HolderRef:
    return ("person", holder.id) if isinstance(holder, Person) else ("group", holder.id)


def card_rank(ref: HolderRef, badge: Badge) -> tuple[int, int, int, int]:
    """Lower wins when several holders list one card key (module docstring)."""
    withdrawn = 0 if badge.withdrawn_at is None else -_seconds(badge.withdrawn_at)
    return (badge.state != "issued", withdrawn, ref[0] != "person", ref[1])


@dataclass
class Plan:
    """Everything one controller's list holds, before indexes: readers and card entries."""

    controller_id: str
    readers: dict[int, int]  # reader id -> flags
    cards: dict[int, CardEntry] = field(default_factory=dict)

    def pin_readers(self) -> frozenset[int]:
        return frozenset(r for r, flags in self.readers.items() if flags & READER_PIN)


def reader_flags(rules: SiteRules, controller_id: str) -> dict[int, int]:
    return {
        reader: READER_PIN if point is not None and point.pin_required else 0
        for reader, point in rules.readers_of(controller_id).items()
    }


def card_entries(
    profiles: dict[str, ProfileKey], terms: tuple[int, int, int], pin: str | None,
    pin_readers: dict[str, frozenset[int]],
) -> dict[str, CardEntry]:
    """A card's entry on each controller where its holder has access."""
    entries: dict[str, CardEntry] = {}
    for ctl, profile in profiles.items():
        needs_pin = pin is not None and any(r in pin_readers[ctl] for r, _ in profile)
        entries[ctl] = (profile, terms[0], terms[1], terms[2], pin if needs_pin else None)
    return entries


def listed_cards(
    rules: SiteRules, options: CompileOptions
) -> dict[int, tuple[HolderRef, Badge, tuple[int, int, int]]]:
    """Card key -> (holder, badge, terms) of the badge that wins the key."""
    winners: dict[int, tuple[HolderRef, Badge, tuple[int, int, int]]] = {}
    for holder, badge in rules.holders():
        terms = badge_terms(badge, options)
        if terms is None:
            continue
        ref = holder_ref(holder)
        current = winners.get(badge.key)
        if current is None or card_rank(ref, badge) < card_rank(current[0], current[1]):
            winners[badge.key] = (ref, badge, terms)
    return winners


def holder_of(rules: SiteRules, ref: HolderRef) -> Person | Group:
    return rules.persons[ref[1]] if ref[0] == "person" else rules.groups[ref[1]]


def plan_site(rules: SiteRules, tables: AccessTables, options: CompileOptions) -> dict[str, Plan]:
    """Every controller's plan."""
    plans = {ctl: Plan(ctl, reader_flags(rules, ctl)) for ctl in rules.controllers}
    pin_readers = {ctl: plan.pin_readers() for ctl, plan in plans.items()}
    combos: dict[HolderRef, dict[str, ProfileKey]] = {}
    for key, (ref, badge, terms) in listed_cards(rules, options).items():
        profiles = combos.get(ref)
        if profiles is None:
            profiles = tables.profiles(combo_of(rules, holder_of(rules, ref)))
            combos[ref] = profiles
        for ctl, entry in card_entries(profiles, terms, badge.pin, pin_readers).items():
            plans[ctl].cards[key] = entry
    return plans


class ListIndexes:
    """A builder's schedule and profile indexes by content, so each is added once."""

    def __init__(self, builder: AccessListBuilder) -> None:
        self.builder = builder
        self.schedules: dict[Windows, int] = {}
        self.profiles: dict[ProfileKey, int] = {}

    def profile(self, profile: ProfileKey) -> int:
        found = self.profiles.get(profile)
        if found is None:
            access = {}
            for reader, windows in profile:
                sched = self.schedules.get(windows)
                if sched is None:
                    sched = self.builder.schedule(pairs(windows))
                    self.schedules[windows] = sched
                access[reader] = sched
            found = self.builder.profile(access)
            self.profiles[profile] = found
        return found


def build_list(rules: SiteRules, plan: Plan, options: CompileOptions, version: int) -> AccessList:
    """The AccessList of one plan."""
    return build_indexed(rules, plan, options, version)[0]


def build_indexed(
    rules: SiteRules, plan: Plan, options: CompileOptions, version: int
) -> tuple[AccessList, ListIndexes]:
    """The AccessList of one plan, and its profile and schedule slots by content."""
    builder = AccessListBuilder(
        version=version, site=rules.site.id, controller=plan.controller_id,
        horizon_start=options.horizon_start, horizon_end=options.horizon_end,
        salt=options.salt(plan.controller_id),
    )
    for reader, flags in sorted(plan.readers.items()):
        builder.reader(reader, flags)
    indexes = ListIndexes(builder)
    for key in sorted(plan.cards):
        profile, valid_from, valid_to, flags, pin = plan.cards[key]
        builder.card(key, indexes.profile(profile), valid_from, valid_to, flags=flags, pin=pin)
    return builder.build(), indexes


def new_tables(rules: SiteRules, options: CompileOptions) -> AccessTables:
    clock = ZoneClock(rules.site.zone, options.horizon_start, options.horizon_end)
    return AccessTables(rules, WindowCache(clock))


def compile_site(
    rules: SiteRules, options: CompileOptions, controllers: Iterable[str] | None = None
) -> dict[str, AccessList]:
    """Compile from scratch: controller id -> its AccessList (version from options, else 1)."""
    plans = plan_site(rules, new_tables(rules, options), options)
    wanted = plans if controllers is None else {c: plans[c] for c in controllers}
    return {
        ctl: build_list(rules, plan, options, options.versions.get(ctl, 1))
        for ctl, plan in wanted.items()
    }
