"""The block-wise snapshot state encodes exactly what encode_snapshot encodes, op by op."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.compiler.keyblocks import BLOCK, KeyBlocks
from hub.compiler.snapshot import SnapshotState
from protocols.portable.accesslist import (
    AccessListBuilder,
    Delta,
    apply_delta,
    encode_snapshot,
    pin_hash,
)
from protocols.portable.varint import encode_ascending


def _list(rnd: random.Random, cards: int) -> AccessListBuilder:
    b = AccessListBuilder(version=3, site="s", controller="c", horizon_start=100,
                          horizon_end=10**9, salt=b"salt")
    for r in (1, 2, 3):
        b.reader(r, 1 if r == 3 else 0)
    scheds = [b.schedule([(100 + i * 10, 105 + i * 10)]) for i in range(4)]
    profiles = [b.profile({1: scheds[i], 3: scheds[(i + 1) % 4]}) for i in range(4)]
    for key in rnd.sample(range(1, 20 * cards + 2), cards):
        terms = rnd.choice([(0, 0xFFFFFFFF), (0, 0xFFFFFFFF), (50, 500), (60, 600)])
        b.card(key, rnd.choice(profiles), *terms, flags=rnd.choice([0, 0, 0, 1]),
               pin=rnd.choice([None, None, "12", "345"]))
    return b


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), cards=st.sampled_from([0, 5, 40, 3 * BLOCK + 7]))
def test_state_follows_random_deltas(seed: int, cards: int) -> None:
    rnd = random.Random(seed)
    lst = _list(rnd, cards).build()
    state = SnapshotState(lst)
    assert state.encode() == encode_snapshot(lst)
    for _ in range(12):
        delta = Delta(lst.version, lst.version + 1)
        n_prof = len(lst.profiles)
        if rnd.random() < 0.3:  # a new schedule and a profile using it
            delta.set_schedule(len(lst.schedules), [(rnd.randrange(10**6), 2 * 10**6)])
            delta.set_profile(n_prof, {2: len(lst.schedules), 1: 0})
            n_prof += 1
        keys = list(lst.keys)
        touched: set[int] = set()
        for _ in range(rnd.randint(1, 20)):
            action = rnd.random()
            if keys and action < 0.3:
                key = keys.pop(rnd.randrange(len(keys)))
                if key in touched:
                    continue
                touched.add(key)
                delta.remove_card(key)
            else:  # update a listed card or add a new one
                fresh = rnd.randrange(1, 40 * cards + 50)
                key = rnd.choice(keys) if keys and action < 0.6 else fresh
                if key in touched or (key not in keys and lst.lookup(key) is not None):
                    continue
                touched.add(key)
                delta.upsert_card(key, rnd.randrange(n_prof),
                                  *rnd.choice([(0, 0xFFFFFFFF), (70, 700), (50, 500)]),
                                  flags=rnd.choice([0, 1]))
                if rnd.random() < 0.5:
                    delta.set_pin(key, pin_hash(lst.salt, key, rnd.choice(["1", "22"])))
        apply_delta(lst, delta)
        lst.compact()
        assert state.apply(delta.ops)
        assert state.encode() == encode_snapshot(lst)


def test_key_blocks_render_a_continuous_sequence() -> None:
    values = list(range(5, 5 * (3 * BLOCK), 5))
    blocks = KeyBlocks(values, lambda prev, vs: encode_ascending(
        vs) if prev is None else encode_ascending([prev, *vs])[len(encode_ascending([prev])):])
    assert blocks.bytes() == encode_ascending(values)
    for v in (1, 7, 5 * BLOCK + 1, 10**6):
        blocks.add(v)
        values.append(v)
    for v in (5, 5 * BLOCK, 5 * (2 * BLOCK)):
        blocks.discard(v)
        values.remove(v)
    blocks.add(7)  # already there: no duplicate
    assert blocks.bytes() == encode_ascending(sorted(values))
    assert list(blocks) == sorted(values) and 7 in blocks and 5 not in blocks
    for v in list(blocks):
        blocks.discard(v)
    assert not blocks and blocks.bytes() == b""


def test_more_than_128_distinct_terms_use_multi_byte_numbers() -> None:
    b = AccessListBuilder(version=1, site="s", controller="c", horizon_start=0,
                          horizon_end=10**9, salt=b"")
    b.reader(1)
    profile = b.profile({1: b.schedule([(0, 10**9)])})
    for n in range(300):
        b.card(1000 + n, profile, n + 1, 10**6)  # 300 distinct validities
    lst = b.build()
    state = SnapshotState(lst)
    assert state.encode() == encode_snapshot(lst)
    delta = Delta(1, 2)
    delta.upsert_card(5, profile, 7, 9)  # a new first term: every number shifts by one
    delta.remove_card(1150)
    apply_delta(lst, delta)
    lst.compact()
    assert state.apply(delta.ops)
    assert state.encode() == encode_snapshot(lst)
