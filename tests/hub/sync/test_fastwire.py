"""The hub's fast decoder accepts exactly what the strict portable decoder accepts, with the
same values and the same errors: on every committed vector and on seeded mutations."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from hub.sync import fastwire
from protocols.portable import cbor, messages, topics
from protocols.portable.auth import Sealer, Verifier
from protocols.portable.errors import ProtocolError
from protocols.portable.message_types import EVENT_FIELDS

VECTORS = json.loads((Path(__file__).resolve().parents[3] / "protocols" / "vectors" /
                      "messages.json").read_text())
ALL_TYPES = tuple(messages.TYPES)


def outcome(decode: Any, data: bytes, allowed: tuple[str, ...]) -> tuple[str, object]:
    try:
        return "ok", decode(data, allowed)
    except ProtocolError as err:
        return type(err).__name__, str(err)


@pytest.mark.parametrize("vector", VECTORS["messages"], ids=lambda v: v["name"])
def test_valid_vectors_decode_alike(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["cbor"])
    strict = messages.decode(data, ALL_TYPES)
    assert fastwire.decode(data, ALL_TYPES) == strict
    others = tuple(t for t in ALL_TYPES if t != strict[0])
    assert outcome(fastwire.decode, data, others) == outcome(messages.decode, data, others)


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=lambda v: v["name"])
def test_invalid_vectors_fail_alike(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["cbor"])
    fast = outcome(fastwire.decode, data, ALL_TYPES)
    assert fast[0] != "ok"
    assert fast == outcome(messages.decode, data, ALL_TYPES)


def test_mutated_vectors_are_judged_alike() -> None:
    rnd = random.Random(4)
    samples = [bytes.fromhex(v["cbor"]) for v in VECTORS["messages"]]
    checked = 0
    for _ in range(3000):
        data = bytearray(rnd.choice(samples))
        for _ in range(rnd.randint(1, 3)):
            kind = rnd.random()
            if kind < 0.6 and data:
                data[rnd.randrange(len(data))] = rnd.randrange(256)
            elif kind < 0.8 and data:
                del data[rnd.randrange(len(data))]
            else:
                data.insert(rnd.randrange(len(data) + 1), rnd.randrange(256))
        blob = bytes(data)
        assert outcome(fastwire.decode, blob, ALL_TYPES) == \
            outcome(messages.decode, blob, ALL_TYPES), blob.hex()
        checked += 1
    assert checked == 3000


def test_birth_must_name_the_topic_controller() -> None:
    key = b"k" * 32
    topic = topics.controller_topic("vratnik", "s", "door-1", "birth")
    fields = {"ctl": "door-2", "session": 1, "ts": 0, "applied": None, "horizon_left": 0,
              "firmware": "", "pending": 0, "readers": []}
    payload = Sealer("k1", key).seal(messages.encode("birth", fields), topic)
    with pytest.raises(ProtocolError, match="does not match the topic's controller"):
        fastwire.unpack(Verifier({"k1": key}), topic, payload)


VALUE_POOL: list[object] = [0, 1, 255, 256, 65535, 65536, -1, 2**32 - 1, 2**32, 2**63 - 1,
                            2**63, 2**64 - 1, True, False, None, "", "access", "Access",
                            "door_forced", "a" * 33, "x" * 64, "bad id!", b"", b"\x00" * 32,
                            [], [1], {"a": 1}]


def test_random_events_are_judged_alike() -> None:
    """Event batches with every field drawn from values of the right and the wrong kinds,
    ranges and lengths (plus missing, extra and out-of-order seqs): same verdicts."""
    rnd = random.Random(11)
    fields = [name for name, _spec in EVENT_FIELDS]
    good = {"seq": 1, "ts": 5, "reader": 1, "door": None, "card": 2**63, "kind": "access",
            "reason": 0, "granted": True, "faces": None, "photo": "p-1", "historical": False}
    accepted = 0
    for _ in range(2000):
        events = []
        for n in range(rnd.randint(1, 3)):
            event: dict[str, object] = {**good, "seq": n + rnd.choice((1, 1, 1, 0))}
            for _ in range(rnd.choice((0, 0, 1, 2))):
                event[rnd.choice(fields)] = rnd.choice(VALUE_POOL)
            if rnd.random() < 0.05:
                del event[rnd.choice(fields)]
            if rnd.random() < 0.05:
                event["extra"] = 1
            events.append(event)
        data = cbor.encode({"v": 1, "t": "event_batch", "events": events})
        verdict = outcome(fastwire.decode, data, ALL_TYPES)
        assert verdict == outcome(messages.decode, data, ALL_TYPES), events
        accepted += verdict[0] == "ok"
    assert 200 < accepted < 1800  # both verdicts were exercised
