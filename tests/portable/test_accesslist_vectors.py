"""The committed access-list vectors (protocols/vectors/accesslist.json), on both runtimes.

The bytes there come from a separate plain implementation and cbor2; our builder, codec,
delta and decision must agree with them byte for byte and reason for reason.
"""

import json

from edge.core import reasons
from edge.core.decide import HORIZON_DENY, HORIZON_IGNORE_SCHEDULE, decide
from protocols.portable.accesslist import (
    AccessListBuilder,
    apply_delta,
    content_hash,
    decode_delta,
    decode_snapshot,
    diff,
    encode_delta,
    encode_snapshot,
    pin_hash,
)
from tests.portable.util import read_text

VECTORS = json.loads(read_text("protocols/vectors/accesslist.json"))


def _windows(boundaries):
    return [(boundaries[i], boundaries[i + 1]) for i in range(0, len(boundaries), 2)]


def _build(content):
    b = AccessListBuilder(
        content["version"], site=content["site"], controller=content["controller"],
        horizon_start=content["horizon"][0], horizon_end=content["horizon"][1],
        salt=bytes.fromhex(content["salt"]),
    )
    for rid, flags in content["readers"]:
        b.reader(rid, flags)
    sched = {}
    for name in sorted(content["schedules"]):
        sched[name] = b.schedule(_windows(content["schedules"][name]))
    prof = {}
    for name in sorted(content["profiles"]):
        access = content["profiles"][name]
        prof[name] = b.profile({int(rid): sched[s] for rid, s in access.items()})
    for k, p, vf, vt, flags, pin in content["cards"]:
        b.card(k, prof[p], vf, vt, flags=flags, pin=pin)
    return b.build()


def _check_content(lst, content):
    """The decoded list holds exactly ``content`` (names aside)."""
    assert lst.version == content["version"]
    assert lst.site == content["site"] and lst.controller == content["controller"]
    assert [lst.horizon_start, lst.horizon_end] == content["horizon"]
    assert lst.salt == bytes.fromhex(content["salt"])
    assert sorted([[r, f] for r, f in lst.readers.items()]) == sorted(content["readers"])
    salt = lst.salt
    expected = sorted(content["cards"])
    got = lst.cards()
    assert len(got) == len(expected)
    for (k, p, vf, vt, flags), card in zip(got, expected):  # noqa: B905 - MicroPython zip
        assert [k, vf, vt, flags] == [card[0], card[2], card[3], card[4]]
        access = lst.profiles[p]
        named = content["profiles"][card[1]]
        assert sorted(access) == sorted(int(r) for r in named)
        for rid, s in access.items():
            assert list(lst.schedules[s]) == content["schedules"][named[str(rid)]]
        if card[5] is None:
            assert k not in lst.pins
        else:
            assert lst.pins[k] == pin_hash(salt, k, card[5])


def test_builder_writes_the_committed_base_snapshot():
    data = encode_snapshot(_build(VECTORS["base"]))
    assert data.hex() == VECTORS["base_snapshot"]
    assert content_hash(_build(VECTORS["base"])).hex() == VECTORS["base_hash"]


def test_base_snapshot_decodes_to_its_content_and_reencodes_identically():
    data = bytes.fromhex(VECTORS["base_snapshot"])
    lst = decode_snapshot(data)
    _check_content(lst, VECTORS["base"])
    assert encode_snapshot(lst) == data


def test_target_snapshot_matches_the_builder():
    data = bytes.fromhex(VECTORS["target_snapshot"])
    _check_content(decode_snapshot(data), VECTORS["target"])
    assert encode_snapshot(_build(VECTORS["target"])) == data


def test_delta_decodes_reencodes_and_applies_to_the_target_hash():
    raw = bytes.fromhex(VECTORS["delta"])
    delta = decode_delta(raw)
    assert encode_delta(delta) == raw
    assert (delta.base, delta.version) == (42, 43)
    assert [op[0] for op in delta.ops] == [op[0] for op in VECTORS["delta_ops"]]
    lst = decode_snapshot(bytes.fromhex(VECTORS["base_snapshot"]))
    apply_delta(lst, delta)
    assert lst.version == 43
    assert content_hash(lst).hex() == VECTORS["target_hash"] == delta.hash.hex()
    assert encode_snapshot(lst).hex() == VECTORS["target_snapshot"]


def test_diff_of_the_vector_lists_reaches_the_target_hash():
    base = decode_snapshot(bytes.fromhex(VECTORS["base_snapshot"]))
    delta = diff(base, _build(VECTORS["target"]))
    assert delta.hash.hex() == VECTORS["target_hash"]
    apply_delta(base, decode_delta(encode_delta(delta)))
    assert content_hash(base).hex() == VECTORS["target_hash"]


def test_decisions_match_the_hand_written_reasons():
    lists = {
        "base": decode_snapshot(bytes.fromhex(VECTORS["base_snapshot"])),
        "target": decode_snapshot(bytes.fromhex(VECTORS["target_snapshot"])),
    }
    policies = {"deny": HORIZON_DENY, "ignore": HORIZON_IGNORE_SCHEDULE}
    for which, card, reader, now, pin, policy, expected in VECTORS["decisions"]:
        got = decide(card, reader, lists[which], now, pin, after_horizon=policies[policy])
        assert got == getattr(reasons, expected), (which, card, reader, now, expected,
                                                    reasons.name(got))
