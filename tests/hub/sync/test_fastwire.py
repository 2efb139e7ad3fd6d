"""The hub's fast decoder accepts exactly what the strict portable decoder accepts, with the
same values and the same errors: on every committed vector and on seeded mutations."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from hub.sync import fastwire
from protocols.portable import messages, topics
from protocols.portable.auth import Sealer, Verifier
from protocols.portable.errors import ProtocolError

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
