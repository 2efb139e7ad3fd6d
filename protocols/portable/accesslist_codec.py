"""Snapshot encoding of a compiled access list: canonical CBOR, strictly validated on decode.

Canonical means the bytes depend only on the content: schedules and profiles are
deduplicated and numbered in first-use order (profiles by their lowest card key,
schedules as the profiles name them, readers ascending), so two lists built in different
orders, or one reached by deltas and one built afresh, encode identically and have the
same :func:`content_hash`. Map keys follow the CBOR codec's canonical length-first order,
which its decoder enforces.
"""

import hashlib
from array import array

from protocols.portable import accesslist_check as check
from protocols.portable import cbor
from protocols.portable.accesslist_model import (
    DEFAULT_TERMS,
    FORMAT,
    PIN_HASH_SIZE,
    READER_MAX,
    SALT_MAX,
    TEXT_MAX,
    VERSION_MAX,
    AccessList,
    index_typecode,
    profile_typecode,
)
from protocols.portable.cardkey import masked
from protocols.portable.errors import AccessListError, CborError
from protocols.portable.ordered import bisect_left, sort_order, sorted_ints
from protocols.portable.varint import (
    decode_ascending,
    decode_uints,
    encode_ascending,
    encode_uints,
)

FIELDS = (
    "f", "ver", "site", "ctl", "hs", "he", "salt", "rd", "sc", "pr", "cd", "tm", "vx", "pin",
)
MAX_SNAPSHOT = 64 << 20  # bytes; 2,000,000 cards take about 6 MB
_ITEMSIZE = {"B": 1, "H": 2, "I": 4}


def _canonical_profiles(lst: AccessList) -> "tuple[list[int], list[int]]":
    """(canonical number of every in-memory profile or -1, one in-memory profile per number).

    Profiles equal in content (readers and schedule *boundaries*, not indexes) share a
    number; numbers follow the lowest card key that uses them.
    """
    sched_ident: dict[bytes, int] = {}
    sched_uid = [sched_ident.setdefault(bytes(s), len(sched_ident)) for s in lst.schedules]
    prof_ident: dict[tuple[int, ...], int] = {}
    prof_uid = []
    for access in lst.profiles:
        flat = []
        for rid in sorted_ints(list(access)):
            flat.append(rid)
            flat.append(sched_uid[access[rid]])
        prof_uid.append(prof_ident.setdefault(tuple(flat), len(prof_ident)))
    uid_number = [-1] * len(prof_ident)
    number = [-1] * len(lst.profiles)
    first: list[int] = []  # in-memory profile that stands for each number
    left = len(lst.profiles)
    for p in lst.card_profile:
        if number[p] < 0:
            u = prof_uid[p]
            if uid_number[u] < 0:
                uid_number[u] = len(first)
                first.append(p)
            number[p] = uid_number[u]
            left -= 1
            if not left:
                break  # every profile seen: the rest of the scan cannot change anything
    return number, first


def encode_snapshot(lst: AccessList) -> bytes:
    """The canonical snapshot bytes of ``lst`` (compacts its temporary area first)."""
    lst.compact()
    number, first = _canonical_profiles(lst)
    sched_number: dict[bytes, int] = {}
    sc: list[bytes] = []
    pr = []
    for p in first:
        access = lst.profiles[p]
        flat = []
        for rid in sorted_ints(list(access)):
            boundaries = lst.schedules[access[rid]]
            ident = bytes(boundaries)
            s = sched_number.get(ident)
            if s is None:
                s = len(sc)
                sched_number[ident] = s
                sc.append(encode_ascending(boundaries, "schedule"))
            flat.append(rid)
            flat.append(s)
        pr.append(flat)
    keys = lst.keys
    groups: list[list[int]] = [[] for _ in first]
    for key, p in zip(keys, lst.card_profile):  # noqa: B905 - MicroPython's zip has no strict
        groups[number[p]].append(key)
    cd = [[j, encode_ascending(g, "card keys")] for j, g in enumerate(groups)]
    tm, vx = _encode_terms(lst)
    pins = lst.pins
    pin_keys = sorted_ints(list(pins))
    pin_positions = []
    for key in pin_keys:
        i = bisect_left(keys, key)
        if i == len(keys) or keys[i] != key:
            raise AccessListError("PIN for card " + masked(key) + ", which is not listed")
        pin_positions.append(i)
    return cbor.encode({
        "f": FORMAT,
        "ver": lst.version,
        "site": lst.site,
        "ctl": lst.controller,
        "hs": lst.horizon_start,
        "he": lst.horizon_end,
        "salt": lst.salt,
        "rd": [[rid, lst.readers[rid]] for rid in sorted_ints(list(lst.readers))],
        "sc": sc,
        "pr": pr,
        "cd": cd,
        "tm": tm,
        "vx": vx,
        "pin": [encode_ascending(pin_positions, "PIN positions"),
                b"".join([pins[key] for key in pin_keys])],
    })


def _encode_terms(lst: AccessList) -> "tuple[list[list[int]], list[bytes]]":
    """("tm", "vx"): distinct non-default terms in first-use order, and who has which."""
    vf = lst.valid_from
    vt = lst.valid_to
    fl = lst.flags
    number: dict[tuple[int, int, int], int] = {}
    tm: list[list[int]] = []
    positions = []
    numbers = []
    for i, t in enumerate(lst.card_terms):
        if t:
            terms = (vf[t], vt[t], fl[t])
            if terms == DEFAULT_TERMS:
                continue
            n = number.get(terms)
            if n is None:
                n = len(tm)
                number[terms] = n
                tm.append([terms[0], terms[1], terms[2]])
            positions.append(i)
            numbers.append(n)
    return tm, [encode_ascending(positions, "validity positions"), encode_uints(numbers)]


def content_hash(lst: AccessList) -> bytes:
    """``sha256(encode_snapshot(lst))``: equal content, equal hash."""
    return hashlib.sha256(encode_snapshot(lst)).digest()


def snapshot_fields(
    data: bytes, what: str, fields: "tuple[str, ...]", max_size: int
) -> "dict[str, object]":
    """Decode CBOR ``data`` into a map with exactly ``fields`` and ``"f" == FORMAT``."""
    try:
        value = cbor.decode(data, max_size, 4)
    except CborError as err:
        # from None: the message carries the cause, and MicroPython warns on chaining
        raise AccessListError(what + " is not valid CBOR: " + str(err)) from None
    if not isinstance(value, dict):
        raise AccessListError(what + " must be a CBOR map, got " + type(value).__name__)
    for name in fields:
        if name not in value:
            raise AccessListError(what + " has no field '" + name + "'")
    for name in value:
        if name not in fields:
            raise AccessListError(what + " has an unknown field " + repr(name))
    # a bool is not a format number (True == 1 on CPython, but it is another CBOR value)
    if value["f"] != FORMAT or isinstance(value["f"], bool):
        raise AccessListError(
            what + " is format " + repr(value["f"]) + "; this code reads format " + str(FORMAT)
        )
    return value


def decode_snapshot(data: bytes, max_size: int = MAX_SNAPSHOT) -> AccessList:
    """The AccessList in snapshot ``data``; AccessListError naming the field if anything is off.

    Checks types, ranges, ascending order, indexes, canonical numbering and
    deduplication, that profiles name listed readers and that no key appears twice.
    """
    value = snapshot_fields(data, "snapshot", FIELDS, max_size)
    lst = AccessList(
        check.uint(value["ver"], VERSION_MAX, "snapshot 'ver'"),
        site=check.text(value["site"], TEXT_MAX, "snapshot 'site'"),
        controller=check.text(value["ctl"], TEXT_MAX, "snapshot 'ctl'"),
    )
    lst.horizon_start, lst.horizon_end = check.horizon(value["hs"], value["he"], "snapshot")
    lst.salt = check.raw(value["salt"], "snapshot 'salt'", limit=SALT_MAX)
    lst.readers = _decode_readers(value["rd"])
    lst.schedules = _decode_schedules(value["sc"])
    lst.profiles = _decode_profiles(value["pr"], lst.readers, len(lst.schedules))
    _decode_cards(value["cd"], lst)
    _decode_terms(value["tm"], value["vx"], lst)
    _decode_pins(value["pin"], lst)
    return lst


def _decode_readers(items: object) -> "dict[int, int]":
    readers = {}
    prev = -1
    for i, item in enumerate(check.array_of(items, "snapshot 'rd'")):
        what = "snapshot 'rd'[" + str(i) + "]"
        pair = check.array_of(item, what, 2)
        rid = check.uint(pair[0], READER_MAX, what + " reader id")
        if rid <= prev:
            raise AccessListError(what + " reader ids must be ascending; " + str(rid)
                                  + " follows " + str(prev))
        readers[rid] = check.reader_flags(pair[1], what + " flags")
        prev = rid
    return readers


def _decode_schedules(items: object) -> "list[array[int]]":
    schedules = []
    seen: dict[object, int] = {}
    for i, item in enumerate(check.array_of(items, "snapshot 'sc'")):
        what = "snapshot 'sc'[" + str(i) + "]"
        schedules.append(check.schedule_bytes(item, what))
        if item in seen:
            raise AccessListError(what + " repeats schedule " + str(seen[item])
                                  + " (schedules are deduplicated)")
        seen[item] = i
    return schedules


def _decode_profiles(
    items: object, readers: "dict[int, int]", count: int
) -> "list[dict[int, int]]":
    profiles = []
    seen: dict[tuple[object, ...], int] = {}
    next_new = 0  # schedules must be numbered in the order profiles first name them
    for i, flat in enumerate(check.array_of(items, "snapshot 'pr'")):
        what = "snapshot 'pr'[" + str(i) + "]"
        access = check.profile_pairs(flat, what, readers, count)
        for rid in sorted_ints(list(access)):
            s = access[rid]
            if s == next_new:
                next_new += 1
            elif s > next_new:
                raise AccessListError(what + " names schedule " + str(s) + " before schedule "
                                      + str(next_new) + " was used (first-use order)")
        ident = tuple(check.array_of(flat, what))
        if ident in seen:
            raise AccessListError(what + " repeats profile " + str(seen[ident])
                                  + " (profiles are deduplicated)")
        seen[ident] = i
        profiles.append(access)
    if next_new != count:
        raise AccessListError("snapshot 'sc'[" + str(next_new) + "] is not used by any profile")
    return profiles


def _decode_cards(items: object, lst: AccessList) -> None:
    groups = check.array_of(items, "snapshot 'cd'")
    count = len(lst.profiles)
    if len(groups) != count:
        raise AccessListError("snapshot 'cd' has " + str(len(groups)) + " groups for "
                              + str(count) + " profiles; every profile needs its cards")
    all_keys = array("Q")
    all_prof = array(profile_typecode(count))
    prev_first = -1
    for j, item in enumerate(groups):
        what = "snapshot 'cd'[" + str(j) + "]"
        pair = check.array_of(item, what, 2)
        if pair[0] != j:
            raise AccessListError(what + " is for profile " + repr(pair[0]) + ", expected "
                                  + str(j) + " (one group per profile, ascending)")
        keys = decode_ascending(check.raw(pair[1], what + " keys"), "Q", what + " keys")
        if not keys:
            raise AccessListError(what + " has no cards")
        if keys[0] <= prev_first:
            raise AccessListError(what + " starts below the previous group: profiles must be"
                                  " numbered by their lowest card key")
        prev_first = keys[0]
        all_keys.extend(keys)
        all_prof.extend([j] * len(keys))
    if count > 1:
        order = sort_order(all_keys)
        all_keys = array("Q", [all_keys[i] for i in order])
        all_prof = array(profile_typecode(count), [all_prof[i] for i in order])
        for i in range(1, len(all_keys)):
            if all_keys[i] == all_keys[i - 1]:
                raise AccessListError("snapshot 'cd': card " + masked(all_keys[i])
                                      + " is listed twice")
    lst.keys = all_keys
    lst.card_profile = all_prof


def _positions(item: object, what: str, count: int) -> "tuple[array[int], object]":
    """A ``[positions, payload]`` pair: card positions (ascending varints) below ``count``."""
    pair = check.array_of(item, what, 2)
    positions = decode_ascending(check.raw(pair[0], what + " positions"), "I",
                                 what + " positions")
    if positions and positions[-1] >= count:
        raise AccessListError(what + " positions: card " + str(positions[-1])
                              + " does not exist; there are " + str(count) + " cards")
    return positions, pair[1]


def _decode_terms(table_items: object, vx: object, lst: AccessList) -> None:
    table = []
    seen = {DEFAULT_TERMS: -1}
    for n, item in enumerate(check.array_of(table_items, "snapshot 'tm'")):
        what = "snapshot 'tm'[" + str(n) + "]"
        entry = check.array_of(item, what, 3)
        vf, vt = check.validity(entry[0], entry[1], what)
        terms = (vf, vt, check.card_flags(entry[2], what + " flags"))
        if terms in seen:
            raise AccessListError(what + " repeats " + ("the default validity and flags"
                                  if terms == DEFAULT_TERMS else "'tm'[" + str(seen[terms]) + "]"))
        seen[terms] = n
        table.append(terms)
    n_cards = len(lst.keys)
    positions, raw_numbers = _positions(vx, "snapshot 'vx'", n_cards)
    numbers = decode_uints(check.raw(raw_numbers, "snapshot 'vx' terms"), len(table) - 1,
                           "snapshot 'vx' terms")
    if len(numbers) != len(positions):
        raise AccessListError("snapshot 'vx' has " + str(len(positions)) + " positions but "
                              + str(len(numbers)) + " terms")
    code = index_typecode(len(table) + 1)
    terms_arr = array(code, bytes(n_cards * _ITEMSIZE[code]))
    next_new = 0  # 'tm' is numbered in first-use order
    for i, n in zip(positions, numbers):  # noqa: B905 - lengths checked; MicroPython zip
        if n == next_new:
            next_new += 1
        elif n > next_new:
            raise AccessListError("snapshot 'vx' uses 'tm'[" + str(n) + "] before 'tm'["
                                  + str(next_new) + "] (first-use order)")
        terms_arr[i] = n + 1  # entry 0 of the in-memory table is the default
    if next_new != len(table):
        raise AccessListError("snapshot 'tm'[" + str(next_new) + "] is not used by any card")
    for terms in table:
        lst.valid_from.append(terms[0])
        lst.valid_to.append(terms[1])
        lst.flags.append(terms[2])
    lst.card_terms = terms_arr


def _decode_pins(item: object, lst: AccessList) -> None:
    positions, hashes = _positions(item, "snapshot 'pin'", len(lst.keys))
    hashes = check.raw(hashes, "snapshot 'pin' hashes", PIN_HASH_SIZE * len(positions))
    keys = lst.keys
    for n, i in enumerate(positions):
        lst.pins[keys[i]] = hashes[n * PIN_HASH_SIZE:(n + 1) * PIN_HASH_SIZE]
