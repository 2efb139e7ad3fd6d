"""Incremental compilation: keep every controller's list current, one change at a time.

:class:`CompiledSite` compiles a site once, then takes :mod:`hub.compiler.changes` and
returns ``{controller id: Delta}`` for exactly the controllers whose list changed. It
works out which *holders* (persons, groups with cards) a change can touch, recomputes
their policy combinations (shared windows come from the caches), compares each of their
cards' entries per controller with the plan, and turns the differences into deltas
(:mod:`hub.compiler.deltas`). Applying the deltas gives lists with the same content hash
as compiling the changed rules from scratch (tests/hub/compiler/test_incremental.py).
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict

from hub.compiler import changes as ch
from hub.compiler.access import ComboKey, ProfileKey, combo_of, combo_policies
from hub.compiler.compile import (
    CardEntry,
    CompileOptions,
    HolderRef,
    Plan,
    badge_terms,
    build_indexed,
    card_entries,
    card_rank,
    holder_of,
    holder_ref,
    new_tables,
    reader_flags,
)
from hub.compiler.deltas import ListKeeper
from hub.compiler.errors import RulesError
from hub.compiler.rules import Badge, Group, Person
from hub.compiler.siterules import SiteRules
from protocols.portable.accesslist import Delta
from protocols.portable.accesslist_model import AccessList

log = logging.getLogger(__name__)


def compile_frozen(rules: SiteRules, options: CompileOptions) -> CompiledSite:
    """``CompiledSite(rules, options)`` built with the cyclic garbage collector paused, then
    moved out of its reach with ``gc.freeze()`` (what a long-running hub should do).

    A compiled 100,000-person site is millions of objects. Collected as usual, full
    collections walk all of them (pauses of a few hundred milliseconds in random
    changes), and a collection during the compile untracks big dicts of plain values that
    the next change re-tracks into the young generation, where every collection walks them
    again. Compiled with the collector paused and then frozen, they stay out of every
    collection. Frozen objects are still freed by reference counting when the site is
    dropped; only reference cycles among them would stay (the compiler makes none).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        site = CompiledSite(rules, options)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return site


def _own(rules: SiteRules) -> SiteRules:
    """A SiteRules whose tables this object may change in place."""
    return SiteRules(
        site=rules.site, controllers=dict(rules.controllers),
        access_points=dict(rules.access_points), point_groups=dict(rules.point_groups),
        schedules=dict(rules.schedules), holiday_lists=dict(rules.holiday_lists),
        policies=dict(rules.policies), groups=dict(rules.groups), persons=dict(rules.persons),
    )


class CompiledSite:
    """The compiled lists of one site and the indexes that make changes cheap."""

    def __init__(self, rules: SiteRules, options: CompileOptions) -> None:
        self.options = options
        self.rules = _own(rules)
        self.tables = new_tables(self.rules, options)
        self.plans: dict[str, Plan] = {}
        self.keepers: dict[str, ListKeeper] = {}
        self._combo: dict[HolderRef, ComboKey] = {}
        self._profiles: dict[HolderRef, dict[str, ProfileKey]] = {}
        self._combo_holders: dict[ComboKey, set[HolderRef]] = defaultdict(set)
        self._key_holders: dict[int, dict[HolderRef, Badge]] = defaultdict(dict)
        self._card_ctls: dict[int, frozenset[str]] = {}
        self._children: dict[int, set[int]] = defaultdict(set)
        self._members: dict[int, set[int]] = defaultdict(set)
        self._pin_readers: dict[str, frozenset[int]] = {}
        self._reset(rules)

    # -- whole-site compilation ------------------------------------------------------

    def _compile_all(self) -> None:
        rules = self.rules
        for group in rules.groups.values():
            if group.parent_id is not None:
                self._children[group.parent_id].add(group.id)
        for person in rules.persons.values():
            self._members[person.group_id].add(person.id)
        self.plans = {ctl: Plan(ctl, reader_flags(rules, ctl)) for ctl in rules.controllers}
        self._pin_readers = {ctl: plan.pin_readers() for ctl, plan in self.plans.items()}
        for holder, badge in rules.holders():
            if badge_terms(badge, self.options) is not None:
                self._key_holders[badge.key][holder_ref(holder)] = badge
        for key in self._key_holders:
            for ctl, entry in self._entries(key).items():
                self.plans[ctl].cards[key] = entry
            self._card_ctls[key] = frozenset(self._entries(key))
        for ctl, plan in self.plans.items():
            version = self.options.versions.get(ctl, 1)
            lst, indexes = build_indexed(rules, plan, self.options, version)
            self.keepers[ctl] = ListKeeper(lst, self.options.hash_state_from, indexes)

    def _reset(self, rules: SiteRules) -> None:
        """Forget everything and compile ``rules`` afresh (lists restart at their versions)."""
        self.rules = _own(rules)
        self.tables = new_tables(self.rules, self.options)
        self.plans = {}
        self.keepers = {}
        self._combo.clear()
        self._profiles.clear()
        self._combo_holders.clear()
        self._key_holders.clear()
        self._card_ctls.clear()
        self._children.clear()
        self._members.clear()
        self._compile_all()

    def _holder_profiles(self, ref: HolderRef) -> dict[str, ProfileKey]:
        profiles = self._profiles.get(ref)
        if profiles is None:
            combo = combo_of(self.rules, holder_of(self.rules, ref))
            self._combo[ref] = combo
            self._combo_holders[combo].add(ref)
            profiles = self.tables.profiles(combo)
            self._profiles[ref] = profiles
        return profiles

    def _entries(self, key: int) -> dict[str, CardEntry]:
        """The card's entry per controller, from the holder that wins the key."""
        holders = self._key_holders.get(key)
        if not holders:
            return {}
        ref, badge = min(holders.items(), key=lambda item: card_rank(item[0], item[1]))
        terms = badge_terms(badge, self.options)
        assert terms is not None  # only listed badges are indexed
        return card_entries(self._holder_profiles(ref), terms, badge.pin, self._pin_readers)

    # -- accessors ----------------------------------------------------------------------

    @property
    def lists(self) -> dict[str, AccessList]:
        """Controller id -> its current list (what the edge holds after the deltas)."""
        return {ctl: keeper.current for ctl, keeper in self.keepers.items()}

    # -- changes ------------------------------------------------------------------------

    def apply(self, change: ch.Change) -> dict[str, Delta]:
        """Apply one change; the deltas of the controllers whose list changed."""
        holders, keys = self._absorb(change)
        return self._refresh(holders, keys)

    def replace_rules(self, rules: SiteRules) -> dict[str, Delta]:
        """Any change at all, structural ones included (controllers, access points, point
        groups, the zone): recompile the site, return deltas for the lists that differ.

        A controller that is new has no list to patch: send it ``lists[id]`` whole.
        """
        old = self.keepers
        self._reset(rules)
        deltas: dict[str, Delta] = {}
        for ctl, keeper in self.keepers.items():
            if ctl in old:
                delta = old[ctl].replace_with(keeper.current)
                if delta is not None:
                    deltas[ctl] = delta
                self.keepers[ctl] = old[ctl]
        return deltas

    def _absorb(self, change: ch.Change) -> tuple[set[HolderRef], set[int]]:
        """Put the change into the rules and indexes; the holders and card keys to redo."""
        rules = self.rules
        if isinstance(change, ch.PersonSet):
            rules.check_person(change.person)
            return self._set_person(change.person.id, change.person)
        if isinstance(change, ch.PersonRemoved):
            return self._set_person(change.person_id, None)
        if isinstance(change, ch.GroupSet):
            return self._set_group(change.group)
        if isinstance(change, ch.GroupRemoved):
            return self._remove_group(change.group_id)
        if isinstance(change, ch.PolicySet):
            for row in change.policy.rows:
                rules.check_row(change.policy.id, row)
            self._table(rules.policies)[change.policy.id] = change.policy
            return self._policies_changed({change.policy.id})
        if isinstance(change, ch.PolicyRemoved):
            return self._remove_policy(change.policy_id)
        if isinstance(change, ch.ScheduleSet):
            return self._set_schedule(change)
        if isinstance(change, ch.HolidayListSet):
            self._table(rules.holiday_lists)[change.holiday_list.id] = change.holiday_list
            self.tables.cache.forget(holiday_list_ids={change.holiday_list.id})
            return self._policies_changed(self._policies_using(holiday=change.holiday_list.id))
        raise TypeError(f"unknown change {change!r}")

    @staticmethod
    def _table(mapping: object) -> dict:  # type: ignore[type-arg]
        assert isinstance(mapping, dict)  # _own made every table a dict
        return mapping

    def _badge_index(
        self, ref: HolderRef, old: tuple[Badge, ...], new: tuple[Badge, ...]
    ) -> set[int]:
        for badge in old:
            self._key_holders.get(badge.key, {}).pop(ref, None)
        for badge in new:
            if badge_terms(badge, self.options) is not None:
                self._key_holders[badge.key][ref] = badge
        return {b.key for b in old} | {b.key for b in new}

    def _forget_holder(self, ref: HolderRef) -> None:
        combo = self._combo.pop(ref, None)
        if combo is not None:
            self._combo_holders[combo].discard(ref)
        self._profiles.pop(ref, None)

    def _set_person(self, person_id: int, person: Person | None) -> tuple[set[HolderRef], set[int]]:
        persons = self._table(self.rules.persons)
        old: Person | None = persons.get(person_id)
        ref: HolderRef = ("person", person_id)
        if old is not None:
            self._members[old.group_id].discard(person_id)
            del persons[person_id]
        if person is not None:
            persons[person_id] = person
            self._members[person.group_id].add(person_id)
        self._forget_holder(ref)
        keys = self._badge_index(ref, old.badges if old else (), person.badges if person else ())
        return set(), keys

    def _subtree(self, group_id: int) -> list[int]:
        found, todo = [], [group_id]
        while todo:
            current = todo.pop()
            found.append(current)
            todo.extend(self._children.get(current, ()))
        return found

    def _set_group(self, group: Group) -> tuple[set[HolderRef], set[int]]:
        groups = self._table(self.rules.groups)
        old: Group | None = groups.get(group.id)
        groups[group.id] = group
        try:
            self.rules.check_group(group)
        except RulesError:
            if old is None:
                del groups[group.id]
            else:
                groups[group.id] = old
            raise
        if old is not None and old.parent_id is not None:
            self._children[old.parent_id].discard(group.id)
        if group.parent_id is not None:
            self._children[group.parent_id].add(group.id)
        keys = self._badge_index(("group", group.id), old.badges if old else (), group.badges)
        holders: set[HolderRef] = set()
        if old is None or (old.parent_id, old.policy_id) != (group.parent_id, group.policy_id):
            for gid in self._subtree(group.id):
                holders.add(("group", gid))
                holders.update(("person", pid) for pid in self._members.get(gid, ()))
        holders.add(("group", group.id))
        return holders, keys

    def _remove_group(self, group_id: int) -> tuple[set[HolderRef], set[int]]:
        groups = self._table(self.rules.groups)
        if self._children.get(group_id) or self._members.get(group_id):
            raise RulesError(f"group {group_id} still has subgroups or persons")
        old = groups.pop(group_id, None)
        if old is None:
            return set(), set()
        if old.parent_id is not None:
            self._children[old.parent_id].discard(group_id)
        self._forget_holder(("group", group_id))
        return set(), self._badge_index(("group", group_id), old.badges, ())

    def _remove_policy(self, policy_id: int) -> tuple[set[HolderRef], set[int]]:
        rules = self.rules
        users = [f"group {g.id}" for g in rules.groups.values() if g.policy_id == policy_id]
        users += [
            f"person {p.id}" for p in rules.persons.values()
            if p.main_policy_id == policy_id or any(g.policy_id == policy_id for g in p.additional)
        ]
        if users:
            raise RulesError(f"policy {policy_id} is still used by {', '.join(users[:5])}")
        self._table(rules.policies).pop(policy_id, None)
        self.tables.forget_policies({policy_id})
        return set(), set()

    def _set_schedule(self, change: ch.ScheduleSet) -> tuple[set[HolderRef], set[int]]:
        schedules = self._table(self.rules.schedules)
        schedule = change.schedule
        old = schedules.get(schedule.id)
        schedules[schedule.id] = schedule
        users = self._policies_using(schedule=schedule.id)
        try:
            for policy_id in users:
                for row in self.rules.policies[policy_id].rows:
                    self.rules.check_row(policy_id, row)
        except RulesError:
            if old is None:
                del schedules[schedule.id]
            else:
                schedules[schedule.id] = old
            raise
        self.tables.cache.forget(schedule_ids={schedule.id})
        return self._policies_changed(users)

    def _policies_using(self, schedule: int | None = None, holiday: int | None = None) -> set[int]:
        return {
            policy.id for policy in self.rules.policies.values()
            if any(
                schedule in (row.schedule_id, row.holiday_schedule_id)
                or (holiday is not None and row.holiday_list_id == holiday)
                for row in policy.rows
            )
        }

    def _policies_changed(self, policy_ids: set[int]) -> tuple[set[HolderRef], set[int]]:
        self.tables.forget_policies(policy_ids)
        holders: set[HolderRef] = set()
        for combo, refs in self._combo_holders.items():
            if combo_policies(combo) & policy_ids:
                holders.update(refs)
        return holders, set()

    def _refresh(self, holders: set[HolderRef], keys: set[int]) -> dict[str, Delta]:
        """Recompute the holders' profiles and the keys' entries; deltas per controller."""
        for ref in holders:
            self._forget_holder(ref)
            holder = self._holder(ref)
            if holder is not None:
                keys.update(b.key for b in holder.badges)
        changed: dict[str, dict[int, CardEntry | None]] = defaultdict(dict)
        plans = self.plans
        for key in keys:
            entries = self._entries(key)
            for ctl in self._card_ctls.get(key, frozenset()) | entries.keys():
                new = entries.get(ctl)
                cards = plans[ctl].cards
                if cards.get(key) != new:
                    changed[ctl][key] = new
                    if new is None:
                        del cards[key]
                    else:
                        cards[key] = new
            if entries:
                self._card_ctls[key] = frozenset(entries)
            else:
                self._card_ctls.pop(key, None)
                if not self._key_holders.get(key):  # nobody lists the key any more
                    self._key_holders.pop(key, None)
        deltas: dict[str, Delta] = {}
        for ctl, diffs in changed.items():
            delta = self.keepers[ctl].update(self.rules, plans[ctl], diffs, self.options)
            if delta is not None:
                deltas[ctl] = delta
        if deltas:
            log.debug("change touched %s holders, %s cards, %s controllers",
                      len(holders), len(keys), len(deltas))
        return deltas

    def _holder(self, ref: HolderRef) -> Person | Group | None:
        if ref[0] == "person":
            return self.rules.persons.get(ref[1])
        return self.rules.groups.get(ref[1])
