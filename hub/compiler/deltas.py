"""Turning changed card entries into a Delta against the list an edge holds.

A :class:`ListKeeper` is the hub's copy of one controller's list *with the edge's slot
numbers* (deltas name profiles and schedules by slot). For a few changed cards it writes
the ops directly: card upserts and removals, an appended schedule or profile when a card
needs one the list does not have yet, PIN sets and clears. For many changed cards (a
group's access changed) it builds the new list and lets ``diff`` match slots, so a whole
group moving to new windows becomes one profile op instead of an op per card.

Either way it applies the delta to its copy (what the edge will do), so the next delta
starts from exactly the edge's state, and fills ``Delta.hash`` with the content hash of
the result.
"""

from __future__ import annotations

from hub.compiler.access import ProfileKey
from hub.compiler.compile import CardEntry, CompileOptions, ListIndexes, Plan, build_list
from hub.compiler.siterules import SiteRules
from hub.compiler.snapshot import SnapshotState
from hub.compiler.windows import Windows, pairs
from protocols.portable.accesslist import (
    AccessList,
    Delta,
    apply_delta,
    content_hash,
    diff,
    pin_hash,
)

DIRECT_LIMIT = 64  # changed cards up to which ops are written directly instead of diffing


class ListKeeper:
    """One controller's list as the edge holds it, and its slots by content."""

    def __init__(
        self, current: AccessList, hash_state_from: int = 1_000,
        indexes: ListIndexes | None = None,
    ) -> None:
        """``indexes``: the slots ``build_indexed`` gave, else they are worked out when needed."""
        self.current = current
        self._profiles: dict[ProfileKey, int] | None = None
        self._schedules: dict[Windows, int] | None = None
        if indexes is not None:
            self._profiles, self._schedules = indexes.profiles, indexes.schedules
        # big lists keep their snapshot in blocks, so a delta's hash costs a few blocks
        self._hash_state_from = hash_state_from
        self._snapshot: SnapshotState | None = None
        if len(current.keys) >= hash_state_from:
            self._snapshot = SnapshotState(current)
            self._snapshot.encode()  # renders every block now, not in the first change

    @property
    def version(self) -> int:
        return self.current.version

    def _index(self) -> tuple[dict[ProfileKey, int], dict[Windows, int]]:
        """Slots by content (built on first use, kept in step with every direct delta)."""
        if self._profiles is None or self._schedules is None:
            lst = self.current
            schedules: dict[Windows, int] = {}
            as_tuples = [tuple(s) for s in lst.schedules]
            for slot in range(len(as_tuples) - 1, -1, -1):  # the lowest slot wins
                schedules[as_tuples[slot]] = slot
            profiles: dict[ProfileKey, int] = {}
            for slot in range(len(lst.profiles) - 1, -1, -1):
                access = lst.profiles[slot]
                profiles[tuple((r, as_tuples[access[r]]) for r in sorted(access))] = slot
            self._profiles, self._schedules = profiles, schedules
        return self._profiles, self._schedules

    def update(
        self, rules: SiteRules, plan: Plan, changed: dict[int, CardEntry | None],
        options: CompileOptions,
    ) -> Delta | None:
        """The delta that brings the edge's list to ``plan`` (``changed``: what differs);
        None when the list's content would not change."""
        if len(changed) > DIRECT_LIMIT:
            return self.replace_with(build_list(rules, plan, options, self.version + 1))
        profiles, schedules = self._index()
        lst = self.current
        delta = Delta(lst.version, lst.version + 1)
        n_profiles, n_schedules = len(lst.profiles), len(lst.schedules)
        for key in sorted(changed):
            entry = changed[key]
            if entry is None:
                if lst.lookup(key) is not None:
                    delta.remove_card(key)
                continue
            profile, valid_from, valid_to, flags, pin = entry
            slot = profiles.get(profile)
            if slot is None:
                access = {}
                for reader, windows in profile:
                    sched = schedules.get(windows)
                    if sched is None:
                        sched = schedules[windows] = n_schedules
                        n_schedules += 1
                        delta.set_schedule(sched, pairs(windows))
                    access[reader] = sched
                slot = profiles[profile] = n_profiles
                n_profiles += 1
                delta.set_profile(slot, access)
            if lst.lookup(key) != (slot, valid_from, valid_to, flags):
                delta.upsert_card(key, slot, valid_from, valid_to, flags)
            stored = lst.pins.get(key)
            wanted = None if pin is None else pin_hash(lst.salt, key, pin)
            if wanted != stored:
                delta.set_pin(key, wanted)
        if not delta.ops:
            return None
        apply_delta(lst, delta)
        lst.compact()
        delta.hash = self._hash(delta)
        return delta

    def _hash(self, delta: Delta) -> bytes:
        """The content hash after ``delta`` (applied): from the block state when kept."""
        lst = self.current
        state = self._snapshot
        if state is None:
            needed = len(lst.keys) >= self._hash_state_from
        else:
            needed = not state.apply(delta.ops)  # False: it followed the ops
        if needed:  # (re)build from the list as the delta left it
            state = self._snapshot = SnapshotState(lst)
        return content_hash(lst) if state is None else state.content_hash()

    def replace_with(self, new: AccessList) -> Delta | None:
        """The delta from the edge's list to ``new`` (any slot numbers), via ``diff``;
        None when the content is the same."""
        new.version = self.version + 1
        delta = diff(self.current, new)
        if not delta.ops:
            return None
        apply_delta(self.current, delta)  # diff filled delta.hash: content_hash(new)
        self.current.compact()
        self._profiles = self._schedules = None  # diff picked slots its own way
        self._snapshot = None  # and may have rewritten slots: rebuilt when next needed
        return delta
