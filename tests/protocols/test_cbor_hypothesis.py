"""The CBOR codec against cbor2 (an independent implementation), with Hypothesis.

Every value of the subset encodes to exactly ``cbor2.dumps(value, canonical=True)``,
decodes back to itself, and decodes the same as cbor2 does. The UTF-8 check that
MicroPython relies on agrees with CPython's strict decoder on any bytes.
"""

from __future__ import annotations

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.portable import cbor, utf8
from protocols.portable.errors import CborError

SETTINGS = settings(max_examples=250, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Interesting integers: every head width boundary, both signs, plus anything in range.
_BOUNDARIES = [0, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**64 - 1]
INTS = st.one_of(
    st.sampled_from(_BOUNDARIES + [-1 - b for b in _BOUNDARIES]),
    st.integers(min_value=-(2**64), max_value=2**64 - 1),
)
SCALARS = st.one_of(INTS, st.binary(max_size=300), st.text(max_size=40), st.booleans(),
                    st.none())
KEYS = st.one_of(INTS, st.text(max_size=12))


def _containers(children: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.one_of(st.lists(children, max_size=6),
                     st.dictionaries(KEYS, children, max_size=6))


VALUES = st.recursive(SCALARS, _containers, max_leaves=40)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@SETTINGS
@given(VALUES)
def test_encoding_equals_cbor2_canonical(value: object) -> None:
    depth = max(_depth(value), 1)
    assert cbor.encode(value, max_depth=depth) == cbor2.dumps(value, canonical=True)


@SETTINGS
@given(VALUES)
def test_round_trip_and_cbor2_agree_on_the_value(value: object) -> None:
    depth = max(_depth(value), 1)
    encoded = cbor.encode(value, max_depth=depth)
    assert cbor.decode(encoded, max_depth=depth) == value
    assert cbor2.loads(encoded) == value


@SETTINGS
@given(st.dictionaries(KEYS, SCALARS, min_size=2, max_size=8))
def test_maps_in_any_other_order_are_refused(value: dict[object, object]) -> None:
    """cbor2 without canonical=True keeps dict order: accepted only when that is canonical."""
    data = cbor2.dumps(value)
    if data == cbor2.dumps(value, canonical=True):
        assert cbor.decode(data) == value
    else:
        with pytest.raises(CborError, match="out of canonical order"):
            cbor.decode(data)


@SETTINGS
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=1, max_value=3))
def test_longer_integer_heads_are_refused(value: int, extra: int) -> None:
    """The same integer written with a wider head than needed is non-canonical."""
    widths = [(24, 1), (25, 2), (26, 4), (27, 8)]
    shortest = cbor.encode(value)
    used = 0 if value < 24 else len(shortest) - 1
    wider = [(info, size) for info, size in widths if size > used]
    info, size = wider[min(extra, len(wider)) - 1]
    data = bytes([info]) + value.to_bytes(size, "big")
    with pytest.raises(CborError, match="non-canonical"):
        cbor.decode(data)
    assert cbor2.loads(data) == value  # cbor2 is lenient here; we are not


NEAR_UTF8 = st.lists(
    st.one_of(st.integers(0, 0x7F), st.integers(0x80, 0xBF), st.integers(0xC0, 0xFF)),
    max_size=12,
).map(bytes)


@settings(max_examples=1000, deadline=None, database=None)
@given(st.one_of(NEAR_UTF8, st.binary(max_size=12),
                 st.text(max_size=8).map(lambda t: t.encode("utf-8"))))
def test_utf8_check_agrees_with_cpython(raw: bytes) -> None:
    """utf8.well_formed is what rejects overlongs and surrogates on MicroPython."""
    try:
        raw.decode("utf-8")
        strict = True
    except UnicodeDecodeError:
        strict = False
    assert utf8.well_formed(raw) is strict
