"""``diff(old, new)``: the smallest practical delta that turns list ``old`` into ``new``.

The two lists number their profiles and schedules independently (a fresh compile knows
nothing of the edge's indexes), so diff first matches them:

1. a new profile takes the old profile slot that most of its cards had (a group whose
   access changed becomes one profile op instead of an op per card);
2. a new schedule takes the old slot that the matched profiles used on the same reader
   (the daily horizon roll becomes one op per schedule, profiles and cards untouched);
3. anything still unmatched reuses an old slot that nothing will point to any more,
   else appends, so the edge's tables do not grow with every delta.

Then it emits ops for what differs: readers, schedules, profiles, cards, PINs, the
horizon. ``apply_delta(old, diff(old, new))`` gives a list whose content hash equals
``content_hash(new)`` (property-tested). Hub-side code, but portable like the rest.
"""

from protocols.portable.accesslist_codec import content_hash
from protocols.portable.accesslist_delta import (
    OP_CARD,
    OP_CARD_REMOVE,
    OP_HORIZON,
    OP_PIN,
    OP_PROFILE,
    OP_READER,
    OP_READER_REMOVE,
    OP_SCHEDULE,
    Delta,
)
from protocols.portable.accesslist_model import AccessList
from protocols.portable.errors import AccessListError
from protocols.portable.ordered import sort_order, sorted_ints
from protocols.portable.varint import encode_ascending


def diff(old: AccessList, new: AccessList) -> Delta:
    """The delta from ``old`` (the edge's list) to ``new`` (compacts both first)."""
    if old.site != new.site or old.controller != new.controller or old.salt != new.salt:
        raise AccessListError("the lists differ in site, controller or PIN salt;"
                              " a delta cannot carry that: send a full snapshot")
    if new.version <= old.version:
        raise AccessListError("the new list's version " + str(new.version)
                              + " must be above the old one's " + str(old.version))
    old.compact()
    new.compact()
    delta = Delta(old.version, new.version)
    ops = delta.ops
    removed_readers = []
    for rid in sorted_ints(list(new.readers)):
        if old.readers.get(rid) != new.readers[rid]:
            ops.append([OP_READER, rid, new.readers[rid]])
    for rid in sorted_ints(list(old.readers)):
        if rid not in new.readers:
            ops.append([OP_READER_REMOVE, rid])
            removed_readers.append(rid)

    prof_map = _match_profiles(old, new)
    used_profiles = sorted_ints(list(prof_map))
    sched_map = _match_schedules(old, new, prof_map, used_profiles)
    sched_ops = []
    for ns, slot in sched_map.items():
        boundaries = new.schedules[ns]
        if slot >= len(old.schedules) or old.schedules[slot] != boundaries:
            sched_ops.append([OP_SCHEDULE, slot, encode_ascending(boundaries, "schedule")])
    ops.extend(_by_slot(sched_ops))
    profile_ops = []
    for np in used_profiles:
        slot = prof_map[np]
        access = new.profiles[np]
        flat = []
        for rid in sorted_ints(list(access)):
            flat.append(rid)
            flat.append(sched_map[access[rid]])
        if slot < len(old.profiles):
            before = old.profiles[slot]
            was = []
            for rid in sorted_ints(list(before)):
                if rid not in removed_readers:  # remove ops strip them from every profile
                    was.append(rid)
                    was.append(before[rid])
            if was == flat:
                continue
        profile_ops.append([OP_PROFILE, slot, flat])
    ops.extend(_by_slot(profile_ops))
    _card_ops(old, new, prof_map, ops)
    _pin_ops(old, new, ops)
    if (old.horizon_start, old.horizon_end) != (new.horizon_start, new.horizon_end):
        ops.append([OP_HORIZON, new.horizon_start, new.horizon_end])
    delta.hash = content_hash(new)
    return delta


def _by_slot(ops: "list[list[object]]") -> "list[list[object]]":
    """Ops sorted by target index, so appends come in the order ``index == count`` needs."""
    slots: list[int] = [op[1] for op in ops]  # type: ignore[misc]
    return [ops[i] for i in sort_order(slots)]


def _greedy(counts: "dict[int, int]", width: int) -> "dict[int, int]":
    """Pairs ``new * width + old`` by descending count, each side used once: ``{new: old}``."""
    # one int per pair sorts by count descending, then by pair ascending: deterministic,
    # and a plain int sort (fast on CPython, safe through sorted_ints on MicroPython)
    pairs = sorted_ints([(-count) * width * width + pair for pair, count in counts.items()])
    result: dict[int, int] = {}
    taken = set()
    for code in pairs:
        pair = code % (width * width)
        n, o = pair // width, pair % width
        if n not in result and o not in taken:
            result[n] = o
            taken.add(o)
    return result


def _free_slots(mapped: "dict[int, int]", old_count: int, want: int) -> "list[int]":
    """``want`` slots for unmatched entries: old slots no match claims, then appended ones."""
    used = set(mapped.values())
    slots: list[int] = []
    for slot in range(old_count):
        if len(slots) == want:
            break
        if slot not in used:
            slots.append(slot)
    slot = old_count
    while len(slots) < want:
        slots.append(slot)
        slot += 1
    return slots


def _match_profiles(old: AccessList, new: AccessList) -> "dict[int, int]":
    """``{new profile: slot in the result}`` for every new profile that cards use."""
    width = max(len(old.profiles), len(new.profiles)) + 1
    counts: dict[int, int] = {}
    okeys = old.keys
    nkeys = new.keys
    oprof = old.card_profile
    nprof = new.card_profile
    used = set()
    i = 0
    n_old = len(okeys)
    for j, key in enumerate(nkeys):
        np = nprof[j]
        used.add(np)
        while i < n_old and okeys[i] < key:
            i += 1
        if i < n_old and okeys[i] == key:
            pair = np * width + oprof[i]
            counts[pair] = counts.get(pair, 0) + 1
    mapping = _greedy(counts, width)
    unmatched = [np for np in sorted_ints(list(used)) if np not in mapping]
    for np, slot in zip(unmatched, _free_slots(mapping, len(old.profiles), len(unmatched))):  # noqa: B905
        mapping[np] = slot
    return mapping


def _match_schedules(
    old: AccessList, new: AccessList, prof_map: "dict[int, int]", used_profiles: "list[int]"
) -> "dict[int, int]":
    """``{new schedule: slot in the result}`` for every schedule a used new profile names."""
    width = max(len(old.schedules), len(new.schedules)) + 1
    counts: dict[int, int] = {}
    used = set()
    for np in used_profiles:
        access = new.profiles[np]
        slot = prof_map[np]
        before = old.profiles[slot] if slot < len(old.profiles) else {}
        for rid, ns in access.items():
            used.add(ns)
            os = before.get(rid)
            if os is not None:
                pair = ns * width + os
                counts[pair] = counts.get(pair, 0) + 1
    mapping = _greedy(counts, width)
    # equal content in an old slot nothing else claims is as good as a match
    taken = set(mapping.values())
    by_content = {}
    for os in range(len(old.schedules) - 1, -1, -1):
        if os not in taken:
            by_content[bytes(old.schedules[os])] = os
    unmatched = []
    for ns in sorted_ints(list(used)):
        if ns in mapping:
            continue
        os = by_content.pop(bytes(new.schedules[ns]), None)
        if os is None:
            unmatched.append(ns)
        else:
            mapping[ns] = os
    for ns, slot in zip(unmatched, _free_slots(mapping, len(old.schedules), len(unmatched))):  # noqa: B905
        mapping[ns] = slot
    return mapping


def _card_ops(
    old: AccessList, new: AccessList, prof_map: "dict[int, int]", ops: "list[list[object]]"
) -> None:
    """Upserts for new or changed cards, removals for vanished ones, ascending key."""
    okeys = old.keys
    oprof = old.card_profile
    oterms = old.card_terms
    nprof = new.card_profile
    nterms = new.card_terms
    nvf = new.valid_from
    nvt = new.valid_to
    nfl = new.flags
    ovf = old.valid_from
    ovt = old.valid_to
    ofl = old.flags
    i = 0
    n_old = len(okeys)
    for j, key in enumerate(new.keys):
        while i < n_old and okeys[i] < key:
            ops.append([OP_CARD_REMOVE, okeys[i]])
            i += 1
        slot = prof_map[nprof[j]]
        t = nterms[j]
        if i < n_old and okeys[i] == key:
            ot = oterms[i]
            i += 1
            if oprof[i - 1] == slot and (
                (ot == 0 and t == 0)  # both default: the common case, no tuple compare
                or (ovf[ot], ovt[ot], ofl[ot]) == (nvf[t], nvt[t], nfl[t])
            ):
                continue
        ops.append([OP_CARD, key, slot, nvf[t], nvt[t], nfl[t]])
    while i < n_old:
        ops.append([OP_CARD_REMOVE, okeys[i]])
        i += 1


def _pin_ops(old: AccessList, new: AccessList, ops: "list[list[object]]") -> None:
    """PIN sets for new or changed hashes; clears where a card that stays lost its PIN."""
    for key in sorted_ints(list(new.pins)):
        if old.pins.get(key) != new.pins[key]:
            ops.append([OP_PIN, key, new.pins[key]])
    for key in sorted_ints(list(old.pins)):
        if key not in new.pins and new.lookup(key) is not None:
            ops.append([OP_PIN, key, None])  # removed cards lose their PIN with the card op
