"""Message validation, on CPython and MicroPython: every rule names the field it breaks."""

from protocols.portable import cbor, messages
from protocols.portable.errors import CborError, MessageError
from protocols.portable.message_types import SCHEMAS, TYPES
from tests.portable.util import raises

EVENT = {
    "seq": 5, "ts": 1767261600, "reader": 2, "door": 1, "card": (1 << 56) | 1234,
    "kind": "access", "reason": 0, "granted": True, "faces": 0, "photo": None,
    "historical": False,
}
COMMAND = {"req": "c-1", "op": "pulse", "door": 1, "expires": 1767261630, "duration_ms": 3000}


def _error(msg_type, fields):
    return str(raises(MessageError, messages.encode, msg_type, fields))


def _decode_error(value):
    return str(raises(MessageError, messages.decode, cbor.encode(value)))


def test_encode_decode_round_trip_and_envelope():
    data = messages.encode("command", COMMAND)
    envelope = cbor.decode(data)
    assert envelope["v"] == 1 and envelope["t"] == "command"
    assert len(envelope) == 2 + len(COMMAND)
    assert messages.decode(data) == ("command", COMMAND)


def test_encoding_does_not_depend_on_field_order():
    reordered = {}
    for name in ("duration_ms", "op", "expires", "req", "door"):
        reordered[name] = COMMAND[name]
    assert messages.encode("command", reordered) == messages.encode("command", COMMAND)


def test_types_are_the_schema_keys():
    assert sorted(SCHEMAS) == list(TYPES)
    assert len(TYPES) == 16


def test_version_and_type_are_checked_first():
    assert _decode_error({"t": "event_ack", "upto": 1}) == "the message has no version field 'v'"
    assert "unsupported message version 0" in _decode_error({"v": 0, "t": "event_ack", "upto": 1})
    assert "unsupported message version 'x'" in _decode_error({"v": "x", "t": "event_ack"})
    assert "unsupported message version True" in _decode_error({"v": True, "t": "event_ack"})
    assert "type 't' must be text, got null" in _decode_error({"v": 1, "upto": 1})
    assert "type 't' must be text, got an integer" in _decode_error({"v": 1, "t": 3})
    assert _decode_error({"v": 1, "t": "Event"}) == "unknown message type 'Event'"
    assert "must be a CBOR map, got text" in _decode_error("event_ack")
    assert "unknown field 7" in _decode_error({"v": 1, "t": "event_ack", "upto": 1, 7: 0})


def test_decode_allowed_types():
    data = messages.encode("event_ack", {"upto": 3})
    assert messages.decode(data, ("event_ack",)) == ("event_ack", {"upto": 3})
    err = str(raises(MessageError, messages.decode, data, ("event", "event_batch")))
    assert err == "message type 'event_ack' is not expected here (expected event or event_batch)"


def test_decode_passes_cbor_errors_through():
    assert "trailing data" in str(raises(CborError, messages.decode, b"\xa0\x00"))
    data = messages.encode("command", COMMAND)
    assert "more than the limit" in str(raises(CborError, messages.decode, data, None, 10))


def test_missing_unknown_and_non_text_fields():
    fields = dict(COMMAND)
    del fields["door"]
    assert _error("command", fields) == "command: missing field 'door'"
    assert _error("command", dict(COMMAND, force=True)) == "command: unknown field 'force'"
    assert "fields must be a dict, got an array" in _error("command", [])
    assert _error("unlock", COMMAND) == "unknown message type 'unlock'"


def test_integers_reject_bools_and_out_of_range_values():
    assert _error("command", dict(COMMAND, door=True)) == (
        "command.door: expected an integer, got a bool")
    assert _error("command", dict(COMMAND, door=-1)) == "command.door: -1 is out of range 0..65535"
    assert "command.expires: 4294967296 is out of range" in _error(
        "command", dict(COMMAND, expires=1 << 32))
    assert "event_ack.upto: 9223372036854775808 is out of range" in _error(
        "event_ack", {"upto": 1 << 63})
    assert "expected an integer, got text" in _error("event_ack", {"upto": "7"})
    assert messages.decode(messages.encode("event_ack", {"upto": (1 << 63) - 1}))[1] == {
        "upto": (1 << 63) - 1}


def test_bools_texts_names_words_and_choices():
    assert _error("hub_status", {"online": 1, "session": 1}) == (
        "hub_status.online: expected a bool, got an integer")
    assert _error("command_result", {"req": "c", "status": "ok", "detail": b"x"}) == (
        "command_result.detail: expected text, got bytes")
    assert "text of 257 characters is longer than 256" in _error(
        "command_result", {"req": "c", "status": "ok", "detail": "x" * 257})
    for bad, words in (("", "must not be empty"), ("a+b", "contains '+'"), ("#", "contains '#'"),
                       ("x" * 65, "is 65 characters long"), ("dvere-č", "contains")):
        assert words in _error("death", {"ctl": bad, "session": 1}), bad
    assert "is not a lower-case word" in _error("event", dict(EVENT, kind="Access"))
    assert "'open' is not one of unlock, lock, pulse" in _error(
        "command", dict(COMMAND, op="open"))
    assert "is not one of" in _error("command", dict(COMMAND, op=1))


def test_bytes_and_lists():
    assert _error("list_applied", {"version": 1, "hash": "00" * 32}) == (
        "list_applied.hash: expected bytes, got text")
    assert "33 bytes, expected exactly 32" in _error(
        "list_applied", {"version": 1, "hash": b"\x00" * 33})
    assert "delta.data: 0 bytes, expected 1..262144" in _error("delta", {"data": b""})
    assert "event_batch.events: 0 items, expected 1..256" in _error("event_batch", {"events": []})
    assert "expected an array, got a map" in _error("event_batch", {"events": {}})
    assert "event_batch.events[0]: expected a map, got an integer" in _error(
        "event_batch", {"events": [5]})
    event = dict(EVENT)
    del event["photo"]
    assert "event_batch.events[0]: missing field 'photo'" in _error(
        "event_batch", {"events": [event]})


def test_nested_records_name_their_path():
    birth = {"ctl": "d1", "session": 1, "ts": 0, "applied": None, "horizon_left": 0,
             "firmware": "x", "pending": 0,
             "readers": [{"id": 1, "kind": "osdp", "ok": True},
                         {"id": 70000, "kind": "osdp", "ok": True}]}
    assert "birth.readers[1].id: 70000 is out of range 0..65535" in _error("birth", birth)
    birth["readers"] = [{"id": 1, "kind": "osdp", "ok": "yes"}]
    assert "birth.readers[0].ok: expected a bool, got text" in _error("birth", birth)


def test_nullable_fields_take_null_and_still_check_values():
    event = dict(EVENT, reader=None, door=None, card=None, faces=None, photo=None)
    assert messages.decode(messages.encode("event", event)) == ("event", event)
    assert "event.faces: 256 is out of range 0..255" in _error("event", dict(EVENT, faces=256))
    assert "event.card: 18446744073709551616 is out of range" in _error(
        "event", dict(EVENT, card=1 << 64))
    assert "event.seq: 0 is out of range 1.." in _error("event", dict(EVENT, seq=0))


def test_cross_field_rules():
    assert _error("list_request", {"have": None, "want": "delta", "resume_from": 0}) == (
        "list_request.have: a delta needs the version the edge has, got null")
    assert "resume_from: must be 0 when asking for a delta" in _error(
        "list_request", {"have": 4, "want": "delta", "resume_from": 2})
    assert "snapshot_chunk.index: chunk 3 is not below the chunk count 3" in _error(
        "snapshot_chunk", {"version": 1, "index": 3, "count": 3, "data": b""})
    assert "snapshot_chunk.count: 0 is out of range" in _error(
        "snapshot_chunk", {"version": 1, "index": 0, "count": 0, "data": b""})
    assert "a pulse needs a duration above 0" in _error("command", dict(COMMAND, duration_ms=0))
    assert "must be 0 for lock, got 10" in _error(
        "command", dict(COMMAND, op="lock", duration_ms=10))
    twice = {"events": [EVENT, dict(EVENT)]}
    assert "event_batch.events[1].seq: 5 does not follow 5" in _error("event_batch", twice)


def test_decode_validates_like_encode():
    bad = {"v": 1, "t": "command"}
    for key, value in COMMAND.items():
        bad[key] = value
    bad["door"] = 1 << 20
    assert _decode_error(bad) == "command.door: 1048576 is out of range 0..65535"


def test_event_batch_of_256_events_round_trips():
    events = [dict(EVENT, seq=i + 1) for i in range(256)]
    data = messages.encode("event_batch", {"events": events})
    msg_type, fields = messages.decode(data)
    assert msg_type == "event_batch"
    assert fields["events"] == events
    assert len(data) < 256 * 120  # about 100 bytes per event on the wire


PHOTO_META = {"taken": 1767261600, "width": 640, "height": 480, "faces": 2,
              "boxes": [[1, 2, 30, 40, 990], [50, 60, 90, 99, 512]],
              "retain_until": 1772445600}
CHUNK0 = {"photo": "ev000000000005", "seq": 5, "index": 0, "count": 2, "size": 40000,
          "sha256": b"\x01" * 32, "data": b"\xff\xd8" * 10, "meta": PHOTO_META}


def test_photo_chunk_and_ack_round_trip():
    msg_type, fields = messages.decode(messages.encode("photo_chunk", CHUNK0), ("photo_chunk",))
    assert msg_type == "photo_chunk"
    assert fields == CHUNK0
    later = dict(CHUNK0, index=1, meta=None)
    assert messages.decode(messages.encode("photo_chunk", later))[1] == later
    ack = {"photo": "ev000000000005", "next": 2, "done": True}
    assert messages.decode(messages.encode("photo_ack", ack)) == ("photo_ack", ack)


def test_photo_rules_name_the_field():
    assert "photo_chunk.meta: a map with chunk 0" in _error(
        "photo_chunk", dict(CHUNK0, meta=None))
    assert "photo_chunk.meta: a map with chunk 0" in _error(
        "photo_chunk", dict(CHUNK0, index=1))
    assert "photo_chunk.index: chunk 2 is not below the chunk count 2" in _error(
        "photo_chunk", dict(CHUNK0, index=2, meta=None))
    assert "photo_chunk.count: 3 chunks for 2 bytes" in _error(
        "photo_chunk", dict(CHUNK0, count=3, size=2))
    assert "photo_chunk.sha256: 31 bytes, expected exactly 32" in _error(
        "photo_chunk", dict(CHUNK0, sha256=b"\x00" * 31))
    assert "photo_chunk.size: 16777217 is out of range" in _error(
        "photo_chunk", dict(CHUNK0, size=16777217))
    bad_box = dict(PHOTO_META, boxes=[[1, 2, 3, 4, 1001]])
    assert "photo_chunk.meta.boxes[0][4]: score 1001 is out of range 0..1000" in _error(
        "photo_chunk", dict(CHUNK0, meta=bad_box))
    short_box = dict(PHOTO_META, boxes=[[1, 2, 3, 4]])
    assert "photo_chunk.meta.boxes[0]: 4 items, expected 5..5" in _error(
        "photo_chunk", dict(CHUNK0, meta=short_box))
    assert "photo_ack.done: a photo cannot be done with no chunk stored" in _error(
        "photo_ack", {"photo": "ev1", "next": 0, "done": True})
