"""Fuzzing the decoders: random and mutated bytes only ever raise our own errors.

Bounded and seeded (a few seconds, same inputs every run). For every input the CBOR
decoder either raises CborError or returns a value that re-encodes to exactly the input
bytes (it accepts only canonical encodings), and whenever it accepts, cbor2 decodes the
same bytes to the same value. The message and envelope decoders on top raise only
CborError, MessageError or AuthError. A test-wide timeout turns a hang into a failure.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.portable import auth, cbor, messages
from protocols.portable.errors import AuthError, CborError, MessageError

VECTORS = Path(__file__).resolve().parents[2] / "protocols" / "vectors"
SEEDS = [bytes.fromhex(c["cbor"]) for c in
         json.loads((VECTORS / "messages.json").read_text("utf-8"))["messages"]]
AUTH = json.loads((VECTORS / "auth.json").read_text("utf-8"))
SEEDS += [bytes.fromhex(c["sealed"]) for c in AUTH["sealed"]]
KEY = bytes.fromhex(AUTH["key"])
# Bytes that matter to a CBOR decoder: every major type with short, 1..8-byte and
# reserved/indefinite arguments, the simple values, and plain filler.
INTERESTING = [m << 5 | i for m in range(8) for i in (0, 1, 23, 24, 25, 26, 27, 28, 31)]

pytestmark = pytest.mark.timeout(120)


def check_cbor(data: bytes) -> None:
    """The decoder's contract on arbitrary input."""
    try:
        value = cbor.decode(data)
    except CborError:
        return
    assert cbor.encode(value) == data, data.hex()
    assert cbor2.loads(data) == value, data.hex()


def check_layers(data: bytes) -> None:
    """Messages and sealed envelopes raise only the protocol errors."""
    try:
        msg_type, fields = messages.decode(data)
    except (CborError, MessageError):
        pass
    else:
        assert messages.encode(msg_type, fields) == data
    try:
        auth.verify(data, KEY, 0, "vratnik/v1/plant1/door-7/cmd")
    except (CborError, AuthError):
        pass


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to three random edits: bit flip, byte set, insert, delete, truncate, splice."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(6)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            pos = min(pos, len(buf) - 1)
            buf[pos] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            buf[min(pos, len(buf) - 1)] = rng.choice(INTERESTING)
        elif op == 2:
            buf[pos:pos] = bytes([rng.choice(INTERESTING)])
        elif op == 3 and buf:
            del buf[min(pos, len(buf) - 1)]
        elif op == 4:
            del buf[pos:]
        else:
            other = rng.choice(SEEDS)
            start = rng.randrange(len(other))
            buf[pos:pos] = other[start:start + rng.randint(1, 12)]
    return bytes(buf)


def test_mutated_vectors() -> None:
    rng = random.Random(20240611)
    for _ in range(30000):
        data = mutate(rng, rng.choice(SEEDS))
        check_cbor(data)
        check_layers(data)


def test_random_bytes() -> None:
    rng = random.Random(7)
    for _ in range(60000):
        length = rng.randrange(0, 24)
        if rng.random() < 0.5:
            data = bytes(rng.choice(INTERESTING) if rng.random() < 0.6 else rng.randrange(256)
                         for _ in range(length))
        else:
            data = rng.randbytes(length)
        check_cbor(data)


@settings(max_examples=1500, deadline=None, database=None)
@given(st.binary(max_size=64))
def test_hypothesis_bytes(data: bytes) -> None:
    check_cbor(data)
    check_layers(data)


def test_hostile_headers_do_not_allocate_or_recurse() -> None:
    """Declared sizes far beyond the input and deep nesting fail fast and cleanly."""
    for head in (b"\x5b", b"\x7b", b"\x9b", b"\xbb"):
        with pytest.raises(CborError, match="truncated"):
            cbor.decode(head + b"\xff" * 8)
    with pytest.raises(CborError, match="deeper than the limit"):
        cbor.decode(b"\x81" * 100000 + b"\x00")
    with pytest.raises(CborError, match="deeper than the limit"):
        cbor.decode(b"\xa1\x00" * 50000 + b"\x00")
    many = b"\x9a\x00\x01\x86\xa0" + b"\x00" * 100000  # [0] * 100000
    assert cbor.decode(many) == [0] * 100000
    big = b"\x5a\x00\x0f\x42\x40" + b"\x07" * 1000000  # 1,000,000-byte string
    assert cbor.decode(big, max_size=len(big)) == b"\x07" * 1000000
