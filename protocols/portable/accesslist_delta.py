"""Deltas between versions of a compiled access list: model, CBOR codec, atomic apply.

A delta holds ops in their wire form (docs/compiled-list.md)::

    [1, key, profile, valid_from, valid_to, flags]   card upsert
    [2, key]                                         card remove (its PIN goes too)
    [3, index, [reader, sched, ...]]                 profile set (index == count appends)
    [4, index, bytes]                                schedule set (index == count appends)
    [5, reader_id, flags]                            reader set
    [6, reader_id]                                   reader remove (and from every profile)
    [7, key, hash8 or None]                          PIN set / clear
    [8, hs, he]                                      horizon move

:func:`apply_delta` checks the base version, then validates every op against the list
as the earlier ops would leave it, and only then changes anything: a delta applies
whole or not at all. Card ops land in the temporary area in O(1).
"""

from array import array

from protocols.portable import accesslist_check as check
from protocols.portable import cbor
from protocols.portable.accesslist_build import normalize_windows
from protocols.portable.accesslist_codec import snapshot_fields
from protocols.portable.accesslist_model import (
    KEY_MAX,
    PIN_HASH_SIZE,
    READER_MAX,
    TIME_MAX,
    VERSION_MAX,
    AccessList,
)
from protocols.portable.cardkey import masked
from protocols.portable.errors import AccessListError, DeltaBaseError
from protocols.portable.ordered import sorted_ints
from protocols.portable.varint import encode_ascending

OP_CARD = 1
OP_CARD_REMOVE = 2
OP_PROFILE = 3
OP_SCHEDULE = 4
OP_READER = 5
OP_READER_REMOVE = 6
OP_PIN = 7
OP_HORIZON = 8
OP_NAMES = {
    OP_CARD: "card upsert", OP_CARD_REMOVE: "card remove", OP_PROFILE: "profile set",
    OP_SCHEDULE: "schedule set", OP_READER: "reader set", OP_READER_REMOVE: "reader remove",
    OP_PIN: "PIN set", OP_HORIZON: "horizon move",
}
_OP_SIZES = {OP_CARD: 6, OP_CARD_REMOVE: 2, OP_PROFILE: 3, OP_SCHEDULE: 3, OP_READER: 3,
             OP_READER_REMOVE: 2, OP_PIN: 3, OP_HORIZON: 3}
DELTA_FIELDS = ("f", "base", "ver", "hash", "ops")
MAX_DELTA = 16 << 20  # bytes
HASH_SIZE = 32
INDEX_MAX = 0xFFFFFFFF


class Delta:
    """The change from version ``base`` to ``version``; ``hash``: the result's content hash."""

    def __init__(
        self, base: int, version: int, ops: "list[list[object]] | None" = None,
        result_hash: "bytes | None" = None,
    ) -> None:
        self.base = base
        self.version = version
        self.ops: list[list[object]] = [] if ops is None else ops
        self.hash = result_hash

    def upsert_card(
        self, key: int, profile: int, valid_from: int = 0, valid_to: int = TIME_MAX,
        flags: int = 0,
    ) -> None:
        self.ops.append([OP_CARD, key, profile, valid_from, valid_to, flags])

    def remove_card(self, key: int) -> None:
        self.ops.append([OP_CARD_REMOVE, key])

    def set_profile(self, index: int, access: "dict[int, int]") -> None:
        flat: list[object] = []
        for rid in sorted_ints(list(access)):
            flat.append(rid)
            flat.append(access[rid])
        self.ops.append([OP_PROFILE, index, flat])

    def set_schedule(self, index: int, windows: "list[tuple[int, int]]") -> None:
        """Set schedule ``index`` to ``windows`` (``[(start, end), ...]``, normalized)."""
        boundaries = normalize_windows(windows, "delta schedule")
        self.ops.append([OP_SCHEDULE, index, encode_ascending(boundaries, "schedule")])

    def set_reader(self, reader_id: int, flags: int = 0) -> None:
        self.ops.append([OP_READER, reader_id, flags])

    def remove_reader(self, reader_id: int) -> None:
        self.ops.append([OP_READER_REMOVE, reader_id])

    def set_pin(self, key: int, hash8: "bytes | None") -> None:
        """Set the PIN hash of card ``key`` (see ``pin_hash``), or clear it with None."""
        self.ops.append([OP_PIN, key, hash8])

    def move_horizon(self, start: int, end: int) -> None:
        self.ops.append([OP_HORIZON, start, end])


def encode_delta(delta: Delta) -> bytes:
    """The canonical CBOR bytes of ``delta`` (ops are checked for shape first)."""
    _check_ops(delta.ops)
    _check_versions(delta)
    return cbor.encode({"f": 1, "base": delta.base, "ver": delta.version,
                        "hash": delta.hash, "ops": delta.ops})


def decode_delta(data: bytes, max_size: int = MAX_DELTA) -> Delta:
    """The Delta in ``data``; AccessListError naming the field or op when malformed."""
    value = snapshot_fields(data, "delta", DELTA_FIELDS, max_size)
    ops = check.array_of(value["ops"], "delta 'ops'")
    _check_ops(ops)
    delta = Delta(value["base"], value["ver"], ops, value["hash"])  # type: ignore[arg-type]
    _check_versions(delta)
    return delta


def _check_versions(delta: Delta) -> None:
    base = check.uint(delta.base, VERSION_MAX, "delta 'base'")
    ver = check.uint(delta.version, VERSION_MAX, "delta 'ver'")
    if ver <= base:
        raise AccessListError("delta 'ver' " + str(ver) + " must be above its base " + str(base))
    if delta.hash is not None:
        check.raw(delta.hash, "delta 'hash'", HASH_SIZE)


def _op_error(n: int, op: object, err: AccessListError) -> AccessListError:
    """``err`` prefixed with the op's position and kind (built only when something is wrong,
    so a delta of 100,000 good ops builds no message strings)."""
    where = "delta op " + str(n)
    if isinstance(op, list) and op and _kind(op[0]):
        where += " (" + OP_NAMES[op[0]] + ")"
    return AccessListError(where + ": " + str(err))


def _kind(value: object) -> bool:
    """Whether ``value`` is an op kind (an int, not a bool, not an unhashable list)."""
    return isinstance(value, int) and not isinstance(value, bool) and value in _OP_SIZES


def _check_ops(ops: "list[object] | list[list[object]]") -> None:
    n = 0
    try:
        for n, op in enumerate(ops):  # noqa: B007 - n names the op in the error
            _shape(op)
    except AccessListError as err:
        raise _op_error(n, ops[n], err) from None


def _shape(op: object) -> "list[object]":
    """Check what an op can be checked for without the list; returns the op's items."""
    items = check.array_of(op, "op")
    if not items:
        raise AccessListError("op is empty")
    if not _kind(items[0]):
        raise AccessListError("op has unknown kind " + repr(items[0]))
    kind = check.uint(items[0], OP_HORIZON, "kind")
    check.array_of(items, "op", _OP_SIZES[kind])
    if kind in (OP_CARD, OP_CARD_REMOVE, OP_PIN):
        check.uint(items[1], KEY_MAX, "key")
    if kind == OP_CARD:
        check.uint(items[2], INDEX_MAX, "profile")
        check.validity(items[3], items[4], "card")
        check.card_flags(items[5], "flags")
    elif kind in (OP_PROFILE, OP_SCHEDULE):
        check.uint(items[1], INDEX_MAX, "index")
        if kind == OP_SCHEDULE:
            check.schedule_bytes(items[2], "boundaries")
        else:
            flat = check.array_of(items[2], "readers")
            if len(flat) & 1:
                raise AccessListError("readers must hold reader, schedule pairs (odd length)")
            for j in range(0, len(flat), 2):
                check.uint(flat[j], READER_MAX, "reader")
                check.uint(flat[j + 1], INDEX_MAX, "schedule")
    elif kind in (OP_READER, OP_READER_REMOVE):
        check.uint(items[1], READER_MAX, "reader id")
        if kind == OP_READER:
            check.reader_flags(items[2], "flags")
    elif kind == OP_PIN:
        if items[2] is not None:
            check.raw(items[2], "hash", PIN_HASH_SIZE)
    elif kind == OP_HORIZON:
        check.horizon(items[1], items[2], "new")
    return items


def apply_delta(lst: AccessList, delta: Delta) -> None:
    """Apply ``delta`` to ``lst`` whole, or raise and leave ``lst`` untouched.

    DeltaBaseError when ``lst.version != delta.base`` (the edge then asks for a
    snapshot); AccessListError naming the op when any op is invalid. The caller checks
    ``delta.hash`` against ``content_hash(lst)`` afterwards when it wants proof.
    """
    if lst.version != delta.base:
        raise DeltaBaseError(lst.version, delta.base)
    _check_versions(delta)
    prepared = _validate(lst, delta.ops)
    for kind, arg, payload in prepared:
        _apply_one(lst, kind, arg, payload)
    lst.version = delta.version


def _validate(lst: AccessList, ops: "list[list[object]]") -> "list[tuple[int, int, object]]":
    """Every op checked against the list as the ops before it leave it.

    Returns the ops ready to apply as ``(kind, key / index / reader id, payload)``.
    """
    overlay = _Overlay(lst)
    n = 0
    try:
        for n, op in enumerate(ops):  # noqa: B007 - n names the op in the error
            overlay.prepare(_shape(op))
    except AccessListError as err:
        raise _op_error(n, ops[n], err) from None
    return overlay.prepared


class _Overlay:
    """What the ops checked so far would change, without changing the list."""

    def __init__(self, lst: AccessList) -> None:
        self.lst = lst
        self.n_sched = len(lst.schedules)
        self.n_prof = len(lst.profiles)
        self.readers = dict(lst.readers)
        self.cards: dict[int, bool] = {}  # key -> listed
        self.pins: dict[int, bool] = {}  # key -> has a PIN
        self.prepared: list[tuple[int, int, object]] = []

    def _listed(self, key: int) -> bool:
        listed = self.cards.get(key)
        return self.lst.lookup(key) is not None if listed is None else listed

    def prepare(self, items: "list[object]") -> None:
        """Check one op (already shape-checked) and queue it."""
        kind = check.uint(items[0], OP_HORIZON, "kind")
        if kind == OP_CARD:
            key = check.uint(items[1], KEY_MAX, "key")
            entry = (check.index(items[2], self.n_prof, "profile", "profile"),
                     check.uint(items[3], TIME_MAX, "valid_from"),
                     check.uint(items[4], TIME_MAX, "valid_to"),
                     check.uint(items[5], 0xFF, "flags"))
            self.cards[key] = True
            self.prepared.append((kind, key, entry))
        elif kind == OP_CARD_REMOVE or (kind == OP_PIN and items[2] is not None):
            key = check.uint(items[1], KEY_MAX, "key")
            if not self._listed(key):
                raise AccessListError("card " + masked(key) + " is not in the list")
            self.cards[key] = kind == OP_PIN
            self.pins[key] = kind == OP_PIN  # a removed card loses its PIN
            self.prepared.append((kind, key, items[2] if kind == OP_PIN else None))
        elif kind == OP_PIN:  # clear
            key = check.uint(items[1], KEY_MAX, "key")
            has = self.pins.get(key)
            if not (key in self.lst.pins if has is None else has):
                raise AccessListError("card " + masked(key) + " has no PIN to clear")
            self.pins[key] = False
            self.prepared.append((kind, key, None))
        elif kind == OP_PROFILE:
            index = check.index(items[1], self.n_prof + 1, "index", "profile")
            access = check.profile_pairs(items[2], "profile", self.readers, self.n_sched)
            if index == self.n_prof:
                self.n_prof += 1
            self.prepared.append((kind, index, access))
        elif kind == OP_SCHEDULE:
            index = check.index(items[1], self.n_sched + 1, "index", "schedule")
            if index == self.n_sched:
                self.n_sched += 1
            self.prepared.append((kind, index, check.schedule_bytes(items[2], "boundaries")))
        elif kind == OP_READER:
            rid = check.uint(items[1], READER_MAX, "reader id")
            self.readers[rid] = check.reader_flags(items[2], "flags")
            self.prepared.append((kind, rid, self.readers[rid]))
        elif kind == OP_READER_REMOVE:
            rid = check.uint(items[1], READER_MAX, "reader id")
            if rid not in self.readers:
                raise AccessListError("reader " + str(rid) + " is not listed")
            del self.readers[rid]
            self.prepared.append((kind, rid, None))
        else:  # OP_HORIZON
            self.prepared.append((kind, 0, check.horizon(items[1], items[2], "new")))


def _apply_one(lst: AccessList, kind: int, arg: int, payload: object) -> None:
    """Apply one validated op (the isinstance checks only tell mypy what _validate proved)."""
    if kind == OP_CARD:
        if isinstance(payload, tuple):
            lst.temp[arg] = payload
    elif kind == OP_CARD_REMOVE:
        lst.temp[arg] = None
        lst.pins.pop(arg, None)
    elif kind == OP_PROFILE:
        if isinstance(payload, dict):
            if arg == len(lst.profiles):
                lst.profiles.append(payload)
            else:
                lst.profiles[arg] = payload
    elif kind == OP_SCHEDULE:
        if isinstance(payload, array):
            if arg == len(lst.schedules):
                lst.schedules.append(payload)
            else:
                lst.schedules[arg] = payload
    elif kind == OP_READER:
        if isinstance(payload, int):
            lst.readers[arg] = payload
    elif kind == OP_READER_REMOVE:
        del lst.readers[arg]
        for access in lst.profiles:
            access.pop(arg, None)
    elif kind == OP_PIN:
        if isinstance(payload, bytes):
            lst.pins[arg] = payload
        else:
            del lst.pins[arg]
    elif isinstance(payload, tuple):  # OP_HORIZON
        lst.horizon_start, lst.horizon_end = payload
