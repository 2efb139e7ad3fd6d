"""The content hash of a list, kept up to date op by op instead of re-encoding 100,000 cards.

Every delta carries the content hash of its result, ``sha256(encode_snapshot(list))``.
Encoding a list of 100,000 cards takes tens of milliseconds, and one badge change can
touch every turnstile controller of a campus, each holding every card. So the hub keeps
a :class:`SnapshotState` per list: the snapshot's parts cut into blocks of a few hundred
cards, each block's bytes cached, so an op dirties one or two blocks and the hash costs
the re-encoding of those blocks plus joining and hashing the rest.

The bytes are exactly ``encode_snapshot``'s (protocols/portable/accesslist_codec.py): the
same fields, canonical profile numbering by lowest card key, schedules in first-use
order, terms in first-use order by card position, positions delta-encoded. The varint
and CBOR encoders are the codec's own; tests/hub/compiler/test_snapshot.py compares the
bytes after random ops. Anything this class does not follow op by op (a profile or
schedule slot rewritten, a reader removed) makes the owner rebuild it from the list.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left

from hub.compiler.keyblocks import KeyBlocks, continue_ascending
from protocols.portable import cbor
from protocols.portable.accesslist import (
    OP_CARD,
    OP_CARD_REMOVE,
    OP_HORIZON,
    OP_PIN,
    OP_PROFILE,
    OP_READER,
    OP_SCHEDULE,
    AccessList,
)
from protocols.portable.accesslist_codec import FIELDS
from protocols.portable.accesslist_model import DEFAULT_TERMS, FORMAT
from protocols.portable.varint import encode_ascending, encode_uints

POSITION_BLOCK = 32  # positions cost a binary search each to render: smaller blocks
_KEYS = {name: cbor.encode(name) for name in FIELDS}
_ORDER = sorted(FIELDS, key=lambda name: (len(_KEYS[name]), _KEYS[name]))  # length-first
_MAP_HEAD = cbor.encode(dict.fromkeys(FIELDS, 0))[:1]  # a map of len(FIELDS) (< 24) entries
Terms = tuple[int, int, int]
Uid = tuple[tuple[int, bytes], ...]
"""A profile by content: (reader id, schedule boundaries as bytes) pairs, readers ascending."""


_ARRAY_HEADS: dict[int, bytes] = {}


def _array_head(length: int) -> bytes:
    """The CBOR head of an array of ``length`` items (as the codec writes it)."""
    head = _ARRAY_HEADS.get(length)
    if head is None:
        encoded = cbor.encode([None] * length)  # None is one byte
        head = _ARRAY_HEADS[length] = encoded[: len(encoded) - length]
    return head


_TERMS: dict[Terms, bytes] = {}


def _term(terms: Terms) -> bytes:
    """A "tm" element ``[valid_from, valid_to, flags]``, encoded once per distinct terms."""
    encoded = _TERMS.get(terms)
    if encoded is None:
        if len(_TERMS) > 100_000:  # a bound, not a policy: a cache must not grow for ever
            _TERMS.clear()
        encoded = _TERMS[terms] = cbor.encode(list(terms))
    return encoded


def _int(value: object) -> int:
    assert isinstance(value, int)  # apply_delta validated every op already
    return value


class SnapshotState:
    """The parts of one list's snapshot, updated by delta ops (see the module docstring)."""

    def __init__(self, lst: AccessList) -> None:
        lst.compact()
        self.lst = lst
        self._sched_bytes = [bytes(s) for s in lst.schedules]
        self._sched_code: dict[bytes, bytes] = {}
        self.slot_uid: list[Uid] = [self._uid(access) for access in lst.profiles]
        members: dict[Uid, list[int]] = {}
        self.card_uid: dict[int, Uid] = {}
        self.card_terms: dict[int, Terms] = {}
        # who has which non-default terms; "tm" numbers them by their lowest key
        self.term_keys: dict[Terms, set[int]] = {}
        self.term_first: dict[Terms, int] = {}
        self._terms_moved = True  # the "tm" numbering may have changed
        vf, vt, fl = lst.valid_from, lst.valid_to, lst.flags
        for i, key in enumerate(lst.keys):
            uid = self.slot_uid[lst.card_profile[i]]
            self.card_uid[key] = uid
            members.setdefault(uid, []).append(key)
            t = lst.card_terms[i]
            if t and (vf[t], vt[t], fl[t]) != DEFAULT_TERMS:
                self._count(key, (vf[t], vt[t], fl[t]))
        self.groups = {uid: KeyBlocks(keys, continue_ascending) for uid, keys in members.items()}
        vx_keys = sorted(self.card_terms)
        # positions cost a binary search each to render: smaller blocks
        self.vx_pos = KeyBlocks(vx_keys, self._positions, POSITION_BLOCK)
        self.vx_num = KeyBlocks(vx_keys, self._numbers, POSITION_BLOCK)
        self._numbering: dict[Terms, int] = {}
        self._tables_cache: tuple[tuple[Uid, ...], bytes, bytes] | None = None
        self._cd_cache: dict[Uid, tuple[int, bytes, bytes]] = {}
        self._order: tuple[Uid, ...] | None = None  # profiles by lowest card key
        self._cd_bytes: tuple[tuple[Uid, ...], bytes] | None = None  # until a group changes
        self._fixed: tuple[tuple[object, ...], dict[str, bytes]] | None = None  # site .. readers
        self._tm = cbor.encode([])
        pin_keys = sorted(lst.pins)
        self.pin_pos = KeyBlocks(pin_keys, self._positions, POSITION_BLOCK)
        self.pin_hash = KeyBlocks(pin_keys, self._hashes, POSITION_BLOCK)

    def _uid(self, access: dict[int, int]) -> Uid:
        return tuple((rid, self._sched_bytes[access[rid]]) for rid in sorted(access))

    def _count(self, key: int, terms: Terms) -> None:
        self.card_terms[key] = terms
        keys = self.term_keys.get(terms)
        if keys is None:
            self.term_keys[terms] = {key}
            self.term_first[terms] = key
            self._terms_moved = True
        else:
            keys.add(key)
            if key < self.term_first[terms]:
                self.term_first[terms] = key
                self._terms_moved = True

    def _uncount(self, key: int) -> None:
        terms = self.card_terms.pop(key)
        keys = self.term_keys[terms]
        keys.discard(key)
        if not keys:
            del self.term_keys[terms], self.term_first[terms]
            self._terms_moved = True
        elif self.term_first[terms] == key:
            self.term_first[terms] = min(keys)
            self._terms_moved = True

    # -- renderers (read the compacted list) -----------------------------------------------

    def _positions(self, prev: int | None, keys: list[int]) -> bytes:
        lkeys = self.lst.keys
        before = None if prev is None else bisect_left(lkeys, prev)
        return continue_ascending(before, [bisect_left(lkeys, k) for k in keys])

    def _numbers(self, prev: int | None, keys: list[int]) -> bytes:
        numbers = list(map(self._numbering.__getitem__, map(self.card_terms.__getitem__, keys)))
        if len(self._numbering) <= 0x80:  # one-byte varints: the bytes are the numbers
            return bytes(numbers)
        return encode_uints(numbers)

    def _hashes(self, prev: int | None, keys: list[int]) -> bytes:
        pins = self.lst.pins
        return b"".join([pins[k] for k in keys])

    # -- ops -------------------------------------------------------------------------------

    def apply(self, ops: list[list[object]]) -> bool:
        """Follow a delta's ops (already applied to the list); False: rebuild me instead."""
        for op in ops:
            kind = op[0]
            if kind == OP_CARD:
                key, slot, vf, vt, fl = (_int(v) for v in op[1:])
                self._upsert(key, self.slot_uid[slot], (vf, vt, fl))
            elif kind == OP_CARD_REMOVE:
                self._remove(_int(op[1]))
            elif kind == OP_PIN:
                key = _int(op[1])
                self.pin_pos.discard(key)
                self.pin_hash.discard(key)  # dirties its block: the hash may have changed
                if op[2] is not None:
                    self.pin_pos.add(key)
                    self.pin_hash.add(key)
            elif kind == OP_SCHEDULE and op[1] == len(self._sched_bytes):
                self._sched_bytes.append(bytes(self.lst.schedules[_int(op[1])]))
            elif kind == OP_PROFILE and op[1] == len(self.slot_uid):
                self.slot_uid.append(self._uid(self.lst.profiles[_int(op[1])]))
            elif kind not in (OP_READER, OP_HORIZON):
                return False  # a rewritten slot or a removed reader: rebuild
        return True

    def _group_add(self, uid: Uid, key: int) -> None:
        self._cd_bytes = None
        group = self.groups.get(uid)
        if group is None:
            group = self.groups[uid] = KeyBlocks([], continue_ascending)
        if not group or key < group.first():
            self._order = None
        group.add(key)

    def _group_discard(self, uid: Uid, key: int) -> None:
        self._cd_bytes = None
        group = self.groups[uid]
        if group.first() == key:
            self._order = None
        group.discard(key)

    def _upsert(self, key: int, uid: Uid, terms: Terms) -> None:
        old = self.card_uid.get(key)
        if old is None:
            for blocks in (self.vx_pos, self.pin_pos):
                blocks.touch(key)  # later positions moved by one
        elif old != uid:
            self._group_discard(old, key)
        if old != uid:
            self.card_uid[key] = uid
            self._group_add(uid, key)
        was = self.card_terms.get(key)
        if was == terms or (was is None and terms == DEFAULT_TERMS):
            return
        if was is not None:
            self._uncount(key)
        if terms == DEFAULT_TERMS:
            self.vx_pos.discard(key)
            self.vx_num.discard(key)
        else:
            self._count(key, terms)
            self.vx_pos.add(key)
            self.vx_num.discard(key)
            self.vx_num.add(key)

    def _remove(self, key: int) -> None:
        uid = self.card_uid.pop(key)
        self._group_discard(uid, key)
        if key in self.card_terms:
            self._uncount(key)
        for blocks in (self.vx_pos, self.vx_num, self.pin_pos, self.pin_hash):
            blocks.discard(key)
        for blocks in (self.vx_pos, self.pin_pos):
            blocks.touch(key)

    # -- the snapshot ----------------------------------------------------------------------

    def _renumber_terms(self) -> bytes:
        """"tm": distinct terms in first-use order by card position (= ascending key)."""
        if self._terms_moved:
            self._terms_moved = False
            first = self.term_first
            ranked = sorted(first, key=first.__getitem__)
            numbering = {terms: n for n, terms in enumerate(ranked)}
            if numbering != self._numbering:
                old = self._numbering
                self._numbering = numbering
                if len(old) <= 0x80 and len(numbering) <= 0x80:
                    # one byte per number before and after: map the cached bytes through
                    # a table (every cached block holds only terms that stay)
                    table = bytearray(range(256))
                    for terms, n in numbering.items():
                        if terms in old:
                            table[old[terms]] = n
                    self.vx_num.transform(bytes(table))
                else:
                    self.vx_num.dirty_all()
                self._tm = _array_head(len(ranked)) + b"".join([_term(t) for t in ranked])
        return self._tm

    def _tables(self, order: tuple[Uid, ...]) -> tuple[bytes, bytes]:
        """Encoded "sc" and "pr" for profiles in canonical ``order`` (cached per order)."""
        if self._tables_cache is not None and self._tables_cache[0] == order:
            return self._tables_cache[1], self._tables_cache[2]
        sched_number: dict[bytes, int] = {}
        sc: list[bytes] = []
        pr = []
        for uid in order:
            flat: list[int] = []
            for rid, boundaries in uid:
                s = sched_number.get(boundaries)
                if s is None:
                    s = sched_number[boundaries] = len(sc)
                    code = self._sched_code.get(boundaries)
                    if code is None:
                        values = array("I")
                        values.frombytes(boundaries)
                        code = self._sched_code[boundaries] = encode_ascending(values)
                    sc.append(code)
                flat.extend((rid, s))
            pr.append(flat)
        self._tables_cache = (order, cbor.encode(sc), cbor.encode(pr))
        return self._tables_cache[1], self._tables_cache[2]

    def _cards(self, order: tuple[Uid, ...]) -> bytes:
        """Encoded "cd": ``[[number, keys], ...]``, each element cached per profile."""
        if self._cd_bytes is not None and self._cd_bytes[0] is order:
            return self._cd_bytes[1]
        parts = [_array_head(len(order))]
        cache = self._cd_cache
        for j, uid in enumerate(order):
            keys = self.groups[uid].bytes()
            hit = cache.get(uid)
            if hit is None or hit[0] != j or hit[1] is not keys:
                hit = cache[uid] = (j, keys, cbor.encode([j, keys]))
            parts.append(hit[2])
        self._cd_bytes = (order, b"".join(parts))
        return self._cd_bytes[1]

    def encode(self) -> bytes:
        """The snapshot bytes, equal to ``encode_snapshot(list)``."""
        lst = self.lst
        order = self._order
        if order is None:  # a profile's lowest card changed: renumber
            ranked = sorted((g.first(), uid) for uid, g in self.groups.items() if g)
            order = self._order = tuple(uid for _, uid in ranked)
        sc, pr = self._tables(order)
        tm = self._renumber_terms()
        fixed_key = (lst.site, lst.controller, lst.horizon_start, lst.horizon_end, lst.salt,
                     tuple(sorted(lst.readers.items())))
        if self._fixed is None or self._fixed[0] != fixed_key:
            self._fixed = (fixed_key, {
                "f": cbor.encode(FORMAT), "site": cbor.encode(lst.site),
                "ctl": cbor.encode(lst.controller), "hs": cbor.encode(lst.horizon_start),
                "he": cbor.encode(lst.horizon_end), "salt": cbor.encode(lst.salt),
                "rd": cbor.encode([[rid, flags] for rid, flags in fixed_key[5]]),
            })
        values = {
            **self._fixed[1], "ver": cbor.encode(lst.version), "sc": sc, "pr": pr,
            "cd": self._cards(order),
            "tm": tm,
            "vx": cbor.encode([self.vx_pos.bytes(), self.vx_num.bytes()]),
            "pin": cbor.encode([self.pin_pos.bytes(), self.pin_hash.bytes()]),
        }
        # the map exactly as cbor.encode writes it: canonical key order, values in place
        return _MAP_HEAD + b"".join([_KEYS[k] + values[k] for k in _ORDER])

    def content_hash(self) -> bytes:
        return hashlib.sha256(self.encode()).digest()
