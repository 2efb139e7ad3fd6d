"""Compiled access lists on CPython: Hypothesis round trips, an independent encoder, diff
properties and a decoder fuzz; plus the committed vector file is what its generator writes."""

from __future__ import annotations

import hashlib
import random
from typing import Any

import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.portable import cbor
from protocols.portable.accesslist import (
    AccessListError,
    apply_delta,
    content_hash,
    decode_delta,
    decode_snapshot,
    diff,
    encode_delta,
    encode_snapshot,
    pin_hash,
)
from protocols.portable.accesslist_codec import FIELDS
from protocols.vectors import generate_accesslist
from tests.portable.accesslist_fixtures import build as fixture
from tests.protocols.accesslist_strategies import build, contents, evolved

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _plain(content: dict[str, Any]) -> dict[str, Any]:
    """Content as the plain encoder reads it: only used schedules and profiles matter."""
    return {k: v for k, v in content.items() if k != "windows"}


@SETTINGS
@given(contents())
def test_independent_encoder_writes_the_same_bytes(content: dict[str, Any]) -> None:
    data = encode_snapshot(build(content))
    assert data == generate_accesslist.snapshot(_plain(content))
    assert cbor2.loads(data) == cbor.decode(data)


@SETTINGS
@given(contents())
def test_decode_gives_back_the_content_and_the_same_bytes(content: dict[str, Any]) -> None:
    data = encode_snapshot(build(content))
    lst = decode_snapshot(data)
    assert encode_snapshot(lst) == data
    salt = bytes.fromhex(content["salt"])
    expected = sorted(content["cards"])
    cards = lst.cards()
    assert [c[0] for c in cards] == [c[0] for c in expected]
    for (k, p, vf, vt, flags), card in zip(cards, expected, strict=True):
        assert (vf, vt, flags) == (card[2], card[3], card[4])
        access = content["profiles"][card[1]]
        assert {r: list(lst.schedules[s]) for r, s in lst.profiles[p].items()} == {
            int(r): content["schedules"][s] for r, s in access.items()}
        assert lst.pins.get(k) == (None if card[5] is None else pin_hash(salt, k, card[5]))
    assert lst.readers == {r: f for r, f in content["readers"]}


@SETTINGS
@given(contents(), st.randoms(use_true_random=False))
def test_insertion_order_does_not_change_the_bytes(content: dict[str, Any],
                                                   rnd: random.Random) -> None:
    order = list(range(len(content["cards"])))
    rnd.shuffle(order)
    reordered = dict(content, windows=dict(reversed(list(content["windows"].items()))),
                     profiles=dict(reversed(list(content["profiles"].items()))))
    assert encode_snapshot(build(reordered, order)) == encode_snapshot(build(content))


@SETTINGS
@given(contents(), contents())
def test_diff_applied_to_a_gives_b(a: dict[str, Any], b: dict[str, Any]) -> None:
    b = dict(b, version=a["version"] + 1 + b["version"])
    old = decode_snapshot(encode_snapshot(build(a)))
    new = build(b)
    delta = diff(old, new)
    wire = encode_delta(delta)
    assert encode_delta(decode_delta(wire)) == wire
    apply_delta(old, decode_delta(wire))
    assert old.version == new.version
    assert content_hash(old) == content_hash(new) == delta.hash
    # and again from b's list to a's (now with the tables diff left behind)
    back = dict(a, version=new.version + 1)
    delta = diff(old, build(back))
    apply_delta(old, delta)
    assert content_hash(old) == content_hash(build(back))


@SETTINGS
@given(st.data())
def test_a_chain_of_realistic_changes_stays_in_step(data: st.DataObject) -> None:
    content = data.draw(contents())
    edge = decode_snapshot(encode_snapshot(build(content)))
    sizes = []
    for _ in range(4):
        content = data.draw(evolved(content))
        hub = build(content)
        apply_delta(edge, decode_delta(encode_delta(diff(edge, hub))))
        assert content_hash(edge) == content_hash(hub)
        sizes.append((len(edge.profiles), len(edge.schedules)))
    # reused slots: the tables never outgrow what the content ever needed at once
    assert max(p for p, _ in sizes) <= 2 * len(content["profiles"]) + 6
    assert max(s for _, s in sizes) <= 2 * len(content["schedules"]) + 5


@SETTINGS
@given(contents())
def test_diff_of_the_same_content_is_empty(content: dict[str, Any]) -> None:
    old = decode_snapshot(encode_snapshot(build(content)))
    delta = diff(old, build(dict(content, version=content["version"] + 1)))
    assert delta.ops == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contents(), st.randoms(use_true_random=False))
def test_mutated_snapshots_are_rejected_cleanly_or_canonical(content: dict[str, Any],
                                                             rnd: random.Random) -> None:
    data = bytearray(encode_snapshot(build(content)))
    for _ in range(40):
        mutated = bytearray(data)
        for _ in range(rnd.randint(1, 3)):
            choice = rnd.random()
            pos = rnd.randrange(len(mutated))
            if choice < 0.6:
                mutated[pos] = rnd.randrange(256)
            elif choice < 0.8:
                del mutated[pos:pos + rnd.randint(1, 4)]
            else:
                mutated[pos:pos] = bytes([rnd.randrange(256)])
        try:
            lst = decode_snapshot(bytes(mutated))
        except AccessListError:
            continue
        # accepted input is canonical: it re-encodes to exactly itself
        assert encode_snapshot(lst) == bytes(mutated)


def test_committed_vectors_are_what_the_generator_writes() -> None:
    assert generate_accesslist.FILE.read_text(encoding="utf-8") == generate_accesslist.render()


def test_generator_hashes_are_sha256_of_the_snapshots() -> None:
    vectors = generate_accesslist.vectors()
    for which in ("base", "target"):
        data = bytes.fromhex(vectors[which + "_snapshot"])
        assert hashlib.sha256(data).hexdigest() == vectors[which + "_hash"]


# Any CBOR value our codec carries, nested a little: what a hostile or broken hub could send.
cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(1 << 64), (1 << 64) - 1) | st.binary(max_size=12)
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=7) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=20,
)


@SETTINGS
@given(st.lists(cbor_values, max_size=5), st.integers(0, 2))
def test_arbitrary_ops_are_rejected_cleanly_or_applied_whole(ops: list[object],
                                                            base_shift: int) -> None:
    lst = decode_snapshot(encode_snapshot(fixture()))
    before = encode_snapshot(lst), lst.version
    raw = cbor.encode({"f": 1, "base": lst.version - base_shift, "ver": lst.version + 1,
                       "hash": None, "ops": ops})
    try:
        delta = decode_delta(raw)
        apply_delta(lst, delta)
    except AccessListError:  # DeltaBaseError included
        assert (encode_snapshot(lst), lst.version) == before  # untouched
        return
    assert lst.version == before[1] + 1 and not base_shift


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contents(), st.randoms(use_true_random=False))
def test_mutated_deltas_are_rejected_cleanly(content: dict[str, Any], rnd: random.Random) -> None:
    old = build(content)
    cards = [list(c) for c in content["cards"][1:]]  # one card gone ...
    fresh = max([c[0] for c in content["cards"]], default=0) + 1
    if fresh < 1 << 64:  # ... and one new, with a PIN
        cards.append([fresh, sorted(content["profiles"])[0], 0, 0xFFFFFFFF, 0, "12"])
    new_content = dict(content, version=content["version"] + 1, cards=cards)
    wire = bytearray(encode_delta(diff(decode_snapshot(encode_snapshot(old)), build(new_content))))
    for _ in range(30):
        mutated = bytearray(wire)
        pos = rnd.randrange(len(mutated))
        mutated[pos] = rnd.randrange(256)
        target = decode_snapshot(encode_snapshot(old))
        before = encode_snapshot(target)
        try:
            apply_delta(target, decode_delta(bytes(mutated)))
        except AccessListError:
            assert encode_snapshot(target) == before


@SETTINGS
@given(st.sampled_from(FIELDS), cbor_values, st.booleans())
def test_any_value_in_any_snapshot_field_is_rejected_cleanly(field: str, value: object,
                                                             nested: bool) -> None:
    fields = cbor.decode(encode_snapshot(fixture()))
    assert isinstance(fields, dict)
    if nested and isinstance(fields[field], list) and fields[field]:
        fields[field][0] = value  # one item of a list field
    else:
        fields[field] = value
    data = cbor.encode(fields)
    try:
        lst = decode_snapshot(data)
    except AccessListError:
        return
    assert encode_snapshot(lst) == data
