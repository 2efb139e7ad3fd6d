"""Every message type round-trips, and every single wrong field is named (CPython, Hypothesis).

The strategies are derived from message_types.SCHEMAS, so a field added to a schema is
covered here without editing this file. The bytes are also checked against cbor2.
"""

from __future__ import annotations

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.portable import message_types as mt
from protocols.portable import messages
from protocols.portable.errors import MessageError
from protocols.portable.names import NAME_CHARS

SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
WORD_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def strategy(spec: tuple) -> st.SearchStrategy[object]:  # type: ignore[type-arg]
    """Valid values of one field spec."""
    kind = spec[0]
    if kind == mt.INT:
        return st.integers(spec[1], spec[2])
    if kind == mt.TEXT:
        return st.text(max_size=min(spec[1], 40))
    if kind == mt.NAME:
        return st.text(NAME_CHARS, min_size=1, max_size=spec[1])
    if kind == mt.WORD:
        return st.text(WORD_CHARS, min_size=1, max_size=spec[1])
    if kind == mt.ONE_OF:
        return st.sampled_from(spec[1])
    if kind == mt.BYTES:
        return st.binary(min_size=spec[1], max_size=max(spec[1], min(spec[2], 64)))
    if kind == mt.BOOL:
        return st.booleans()
    if kind == mt.LIST:
        return st.lists(strategy(spec[1]), min_size=spec[2],
                        max_size=max(spec[2], min(spec[3], 4)))
    if kind == mt.RECORD:
        return record(spec[1])
    if kind == mt.NULLABLE:
        return st.one_of(st.none(), strategy(spec[1]))
    raise AssertionError(kind)


def record(fields: tuple) -> st.SearchStrategy[dict[str, object]]:  # type: ignore[type-arg]
    return st.fixed_dictionaries({name: strategy(spec) for name, spec in fields})


def _consistent(msg_type: str, fields: dict[str, object]) -> dict[str, object]:
    """Make generated fields obey the cross-field rules of messages.py."""
    f = dict(fields)
    if msg_type == "list_request" and f["want"] == "delta":
        f["have"] = f["have"] if f["have"] is not None else 0
        f["resume_from"] = 0
    elif msg_type == "snapshot_chunk":
        f["index"] = f["index"] % f["count"]  # type: ignore[operator]
    elif msg_type == "command":
        if f["op"] == "lock":
            f["duration_ms"] = 0
        elif f["op"] == "pulse":
            f["duration_ms"] = max(1, f["duration_ms"])  # type: ignore[call-overload]
    elif msg_type == "photo_chunk":
        f["count"] = min(int(f["count"]), int(f["size"]))  # type: ignore[call-overload]
        f["index"] = f["index"] % f["count"]  # type: ignore[operator]
        if f["index"] == 0 and f["meta"] is None:
            f["meta"] = {"taken": 0, "width": 1, "height": 1, "faces": None, "boxes": [],
                         "retain_until": 0}
        elif f["index"] != 0:
            f["meta"] = None
        if f["meta"] is not None:
            meta = dict(f["meta"])  # type: ignore[call-overload]
            meta["boxes"] = [[*box[:4], box[4] % 1001] for box in meta["boxes"]]
            f["meta"] = meta
    elif msg_type == "photo_ack" and f["done"]:
        f["next"] = max(1, f["next"])  # type: ignore[call-overload]
    elif msg_type == "event_batch":
        events = [dict(e) for e in f["events"]]  # type: ignore[attr-defined]
        for i, event in enumerate(events):
            event["seq"] = i + 1
        f["events"] = events
    return f


MESSAGES = st.sampled_from(mt.TYPES).flatmap(
    lambda t: record(mt.SCHEMAS[t]).map(lambda f: (t, _consistent(t, f))))


@SETTINGS
@given(MESSAGES)
def test_every_type_round_trips(message: tuple[str, dict[str, object]]) -> None:
    msg_type, fields = message
    data = messages.encode(msg_type, fields)
    assert messages.decode(data) == (msg_type, fields)
    envelope = {"v": 1, "t": msg_type, **fields}
    assert cbor2.loads(data) == envelope
    assert data == cbor2.dumps(envelope, canonical=True)


def test_every_type_is_generated() -> None:
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(MESSAGES)
    def collect(message: tuple[str, dict[str, object]]) -> None:
        seen.add(message[0])

    collect()
    assert seen == set(mt.TYPES)


WRONG = [None, True, -1, 2**64, "x" * 300, b"\x00" * 40, [], {}, "+#", "Kind"]


@SETTINGS
@given(MESSAGES, st.data())
def test_one_wrong_field_is_named(message: tuple[str, dict[str, object]],
                                  data: st.DataObject) -> None:
    msg_type, fields = message
    name = data.draw(st.sampled_from(sorted(fields)))
    bad = data.draw(st.sampled_from(WRONG))
    broken = dict(fields, **{name: bad})
    try:
        messages.validate(msg_type, broken)
    except MessageError as err:
        assert str(err).startswith(msg_type + "." + name), str(err)
        return
    # the wrong value happened to be valid for this field: it must then round-trip
    assert messages.decode(messages.encode(msg_type, broken)) == (msg_type, broken)


@SETTINGS
@given(MESSAGES, st.sampled_from(["extra", "V", "T", "pin"]))
def test_extra_fields_are_refused(message: tuple[str, dict[str, object]], name: str) -> None:
    msg_type, fields = message
    with pytest.raises(MessageError, match="unknown field '" + name + "'"):
        messages.encode(msg_type, dict(fields, **{name: 1}))
