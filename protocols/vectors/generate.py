"""Writes messages.json and auth.json: the committed byte vectors of the wire format.

The expected bytes come from cbor2 (``canonical=True``) and CPython's hmac, never from
our own codec, so the tests that read these files (on CPython and on MicroPython) check
protocols/portable against independent implementations. tests/protocols/
test_vectors_cpython.py fails when the committed files differ from what this writes.

Run ``python -m protocols.vectors.generate`` after a deliberate wire change.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import cbor2

HERE = Path(__file__).resolve().parent
MESSAGES_FILE = HERE / "messages.json"
AUTH_FILE = HERE / "auth.json"

H10301 = 1 << 56  # card key of format 1 (cardkey.H10301_26) with value 0
HASH_A = hashlib.sha256(b"compiled list 42").digest()
HASH_B = hashlib.sha256(b"compiled list 43").digest()
# A real access-list delta (docs/compiled-list.md): version 42 -> 43, one card upsert.
DELTA = cbor2.dumps({"f": 1, "base": 42, "ver": 43, "hash": HASH_B,
                     "ops": [[1, H10301 | (12 << 16) | 3456, 2, 0, 0xFFFFFFFF, 0]]},
                    canonical=True)

EVENT_GRANTED: dict[str, object] = {
    "seq": 1017, "ts": 1767261600, "reader": 2, "door": 1, "card": H10301 | (12 << 16) | 3456,
    "kind": "access", "reason": 0, "granted": True, "faces": 1, "photo": "p-1017",
    "historical": False,
}
EVENT_FORCED: dict[str, object] = {
    "seq": 1018, "ts": 1767261725, "reader": None, "door": 1, "card": None,
    "kind": "door_forced", "reason": 0, "granted": False, "faces": None, "photo": None,
    "historical": True,
}

# (name, type, fields): at least one case per message type.
MESSAGES: list[tuple[str, str, dict[str, object]]] = [
    ("birth", "birth", {
        "ctl": "door-7", "session": 12, "ts": 1767261600, "applied": 42,
        "horizon_left": 2937600, "firmware": "vrátnik-edge 0.1.0", "pending": 3,
        "readers": [{"id": 1, "kind": "wiegand", "ok": True},
                    {"id": 2, "kind": "osdp", "ok": False}]}),
    ("birth_fresh_device", "birth", {
        "ctl": "T_01", "session": 0, "ts": 0, "applied": None, "horizon_left": 0,
        "firmware": "", "pending": 0, "readers": []}),
    ("death", "death", {"ctl": "door-7", "session": 12}),
    ("hub_status_online", "hub_status", {"online": True, "session": 9}),
    ("hub_status_offline", "hub_status", {"online": False, "session": 9}),
    ("manifest", "manifest", {
        "version": 42, "hash": HASH_A, "size": 300000, "chunk_size": 65536}),
    ("list_request_delta", "list_request", {"have": 41, "want": "delta", "resume_from": 0}),
    ("list_request_snapshot_resume", "list_request", {
        "have": None, "want": "snapshot", "resume_from": 3}),
    ("snapshot_chunk", "snapshot_chunk", {
        "version": 42, "index": 0, "count": 5, "data": bytes(range(40))}),
    ("snapshot_chunk_empty_last", "snapshot_chunk", {
        "version": (1 << 63) - 1, "index": 4294967294, "count": 4294967295, "data": b""}),
    ("delta", "delta", {"data": DELTA}),
    ("list_applied", "list_applied", {"version": 43, "hash": HASH_B}),
    ("list_error", "list_error", {
        "version": 43, "code": "hash_mismatch", "detail": "hash after compact() differs"}),
    ("list_error_unknown_version", "list_error", {
        "version": None, "code": "storage", "detail": "disk full: no space for the new list"}),
    ("event_access_granted", "event", EVENT_GRANTED),
    ("event_door_forced", "event", EVENT_FORCED),
    ("event_max_card_key", "event", dict(EVENT_GRANTED, seq=(1 << 63) - 1,
                                         card=(1 << 64) - 1, ts=0xFFFFFFFF, reason=255)),
    ("event_batch", "event_batch", {"events": [EVENT_GRANTED, EVENT_FORCED]}),
    ("event_ack", "event_ack", {"upto": 1018}),
    ("command_pulse", "command", {
        "req": "c-5f2a", "op": "pulse", "door": 1, "expires": 1767261630,
        "duration_ms": 3000}),
    ("command_unlock_until_lock", "command", {
        "req": "c-5f2b", "op": "unlock", "door": 65535, "expires": 1767261630,
        "duration_ms": 0}),
    ("command_lock", "command", {
        "req": "c-5f2c", "op": "lock", "door": 2, "expires": 1767261630, "duration_ms": 0}),
    ("command_result_ok", "command_result", {"req": "c-5f2a", "status": "ok", "detail": ""}),
    ("command_result_expired", "command_result", {
        "req": "c-5f2b", "status": "expired", "detail": "arrived 12 s after expiry"}),
    ("photo_chunk_first", "photo_chunk", {
        "photo": "ev000000001017", "seq": 1017, "index": 0, "count": 3, "size": 70000,
        "sha256": HASH_A, "data": bytes(range(48)),
        "meta": {"taken": 1767261600, "width": 640, "height": 480, "faces": 1,
                 "boxes": [[212, 96, 402, 318, 937]], "retain_until": 1772445600}}),
    ("photo_chunk_last_no_detector", "photo_chunk", {
        "photo": "ev000000001018", "seq": 1018, "index": 2, "count": 3, "size": 70000,
        "sha256": HASH_B, "data": b"\xff\xd9", "meta": None}),
    ("photo_ack_progress", "photo_ack", {"photo": "ev000000001017", "next": 2, "done": False}),
    ("photo_ack_done", "photo_ack", {"photo": "ev000000001017", "next": 3, "done": True}),
]


def _message(msg_type: str, fields: dict[str, object]) -> bytes:
    return cbor2.dumps({"v": 1, "t": msg_type, **fields}, canonical=True)


def _h(data: bytes) -> str:
    return data.hex()


_ACK = _h(_message("event_ack", {"upto": 7}))  # a3 "t" "event_ack" "v" 1 "upto" 7
_T_ACK = "6174" + "69" + b"event_ack".hex()  # the entry "t": "event_ack"

# (name, hex, error class, substring of the message)
INVALID: list[tuple[str, str, str, str]] = [
    ("empty", "", "CborError", "empty input"),
    ("tagged_message", "d9d9f7" + _ACK, "CborError", "CBOR tags are not allowed at byte 0"),
    ("float_field", _h(cbor2.dumps({"t": "event_ack", "v": 1, "upto": 7.0}, canonical=True)),
     "CborError", "floating-point values are not allowed at byte 21"),
    ("indefinite_map", "bf" + _ACK[2:] + "ff", "CborError", "indefinite lengths"),
    ("non_canonical_int", _ACK[:-2] + "1807", "CborError", "non-canonical encoding"),
    ("unsorted_keys", "a3" + "617601" + _T_ACK + "64" + b"upto".hex() + "07", "CborError",
     "map key 't' at byte 4 is out of canonical order"),
    ("duplicate_key", "a3" + _T_ACK + _T_ACK + "617601", "CborError",
     "duplicate map key 't' at byte 13"),
    ("trailing_byte", _ACK + "00", "CborError",
     "trailing data after the CBOR item: 1 byte(s) starting at byte 22"),
    ("truncated", _ACK[:-2], "CborError", "truncated: expected a CBOR item at byte 21"),
    ("invalid_utf8_type", "a2" + "6174" + "69" + "c0af" + b"ent_ack".hex() + "617601",
     "CborError", "invalid UTF-8 in the text string at byte 3"),
    ("not_a_map", _h(cbor2.dumps([1, "event_ack"])), "MessageError", "must be a CBOR map"),
    ("no_version", _h(cbor2.dumps({"t": "event_ack", "upto": 7}, canonical=True)),
     "MessageError", "no version field 'v'"),
    ("future_version", _h(cbor2.dumps({"t": "event_ack", "v": 2, "upto": 7}, canonical=True)),
     "MessageError", "unsupported message version 2"),
    ("unknown_type", _h(_message("reboot", {})), "MessageError", "unknown message type 'reboot'"),
    ("missing_field", _h(_message("event_ack", {})), "MessageError",
     "event_ack: missing field 'upto'"),
    ("extra_field", _h(_message("event_ack", {"upto": 7, "all": True})), "MessageError",
     "event_ack: unknown field 'all'"),
    ("bool_for_int", _h(_message("event_ack", {"upto": True})), "MessageError",
     "event_ack.upto: expected an integer, got a bool"),
    ("negative_seq", _h(_message("event_ack", {"upto": -1})), "MessageError",
     "event_ack.upto: -1 is out of range"),
    ("door_out_of_range", _h(_message("command", {
        "req": "c-1", "op": "pulse", "door": 65536, "expires": 1, "duration_ms": 1})),
     "MessageError", "command.door: 65536 is out of range 0..65535"),
    ("short_hash", _h(_message("list_applied", {"version": 1, "hash": b"\x00" * 31})),
     "MessageError", "list_applied.hash: 31 bytes, expected exactly 32"),
    ("wildcard_in_id", _h(_message("death", {"ctl": "door/#", "session": 1})), "MessageError",
     "death.ctl: contains '/'"),
    ("chunk_index_past_count", _h(_message("snapshot_chunk", {
        "version": 1, "index": 5, "count": 5, "data": b""})),
     "MessageError", "snapshot_chunk.index: chunk 5 is not below the chunk count 5"),
    ("photo_meta_on_later_chunk", _h(_message("photo_chunk", {
        "photo": "ev1", "seq": 1, "index": 1, "count": 2, "size": 10, "sha256": HASH_A,
        "data": b"", "meta": {"taken": 0, "width": 1, "height": 1, "faces": None,
                              "boxes": [], "retain_until": 0}})),
     "MessageError", "photo_chunk.meta: a map with chunk 0 and null with every other chunk"),
    ("batch_out_of_order", _h(_message("event_batch", {"events": [EVENT_FORCED, EVENT_GRANTED]})),
     "MessageError", "event_batch.events[1].seq: 1017 does not follow 1018"),
    ("unknown_event_field",
     _h(_message("event_batch", {"events": [dict(EVENT_GRANTED, pin=1234)]})),
     "MessageError", "event_batch.events[0]: unknown field 'pin'"),
]

RFC4231 = [  # (case, key, data, HMAC-SHA256 as published; case 5 is truncated to 128 bits)
    (1, b"\x0b" * 20, b"Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (2, b"Jefe", b"what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (3, b"\xaa" * 20, b"\xdd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    (4, bytes(range(1, 26)), b"\xcd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    (5, b"\x0c" * 20, b"Test With Truncation", "a3b6167473100ee06e0c796c2955552b"),
    (6, b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    (7, b"\xaa" * 131, b"This is a test using a larger than block-size key and a larger than "
     b"block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]

DEVICE_KEY = hashlib.sha256(b"door-7 device key (test only)").digest()
TOPIC_CMD = "vratnik/v1/plant1/door-7/cmd"
TOPIC_EVENTS = "vratnik/v1/plant1/door-7/events"
COMMAND = _message("command", next(f for n, _t, f in MESSAGES if n == "command_pulse"))


def _sealed(key: bytes, kid: str, ctr: int, message: bytes, context: str) -> bytes:
    covered = cbor2.dumps(["vratnik-mac", 1, context, kid, ctr, message], canonical=True)
    mac = hmac.new(key, covered, hashlib.sha256).digest()[:16]
    return cbor2.dumps({"v": 1, "kid": kid, "ctr": ctr, "m": message, "mac": mac},
                       canonical=True)


SEALED = [  # (name, kid, ctr, message, context)
    ("command", "door-7-k1", 501, COMMAND, TOPIC_CMD),
    ("event_ack_no_context", "door-7-k1", 1, _message("event_ack", {"upto": 7}), ""),
    ("big_counter", "k", (1 << 63) - 1, b"", TOPIC_EVENTS),
]


def _json_value(value: object) -> object:
    """JSON form of a decoded value: bytes become {"$bytes": hex}."""
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def messages_document() -> dict[str, object]:
    """The content of messages.json."""
    return {
        "about": "Sync message vectors: each 'cbor' is the exact canonical encoding of "
                 "{'v': 1, 't': type, **fields}; bytes are written {'$bytes': hex}. "
                 "Generated by protocols/vectors/generate.py with cbor2.",
        "messages": [{"name": name, "type": msg_type, "fields": _json_value(fields),
                      "cbor": _h(_message(msg_type, fields))}
                     for name, msg_type, fields in MESSAGES],
        "invalid": [{"name": name, "cbor": hexed, "error": error, "contains": contains}
                    for name, hexed, error, contains in INVALID],
    }


def auth_document() -> dict[str, object]:
    """The content of auth.json."""
    good = _sealed(DEVICE_KEY, "door-7-k1", 502, COMMAND, TOPIC_CMD)
    altered_mac = good[:-1] + bytes([good[-1] ^ 1])
    altered_message = good.replace(b"pulse", b"pulsf")
    return {
        "about": "HMAC-SHA256 (RFC 4231) and sealed envelopes {v, kid, ctr, m, mac}; the MAC "
                 "is HMAC-SHA256(key, cbor(['vratnik-mac', 1, context, kid, ctr, m]))[:16]. "
                 "Generated by protocols/vectors/generate.py with cbor2 and CPython's hmac.",
        "hmac_sha256": [{"name": "RFC 4231 test case " + str(case), "key": _h(key),
                         "data": _h(data), "mac": mac} for case, key, data, mac in RFC4231],
        "key": _h(DEVICE_KEY),
        "sealed": [{"name": name, "kid": kid, "ctr": ctr, "message": _h(message),
                    "context": context, "sealed": _h(_sealed(DEVICE_KEY, kid, ctr, message,
                                                             context))}
                   for name, kid, ctr, message, context in SEALED],
        "rejected": [
            {"name": "altered_mac", "sealed": _h(altered_mac), "context": TOPIC_CMD,
             "last_ctr": 0, "error": "AuthError", "contains": "authentication failed"},
            {"name": "altered_message", "sealed": _h(altered_message), "context": TOPIC_CMD,
             "last_ctr": 0, "error": "AuthError", "contains": "authentication failed"},
            {"name": "other_topic", "sealed": _h(good), "context": TOPIC_EVENTS,
             "last_ctr": 0, "error": "AuthError", "contains": "sealed for another topic"},
            {"name": "replayed", "sealed": _h(good), "context": TOPIC_CMD, "last_ctr": 502,
             "error": "ReplayError", "contains": "counter 502 of key 'door-7-k1' is not above"},
            {"name": "counter_zero", "sealed": _h(_sealed(DEVICE_KEY, "door-7-k1", 0, COMMAND,
                                                          TOPIC_CMD)),
             "context": TOPIC_CMD, "last_ctr": 0, "error": "AuthError",
             "contains": "counter must be an integer 1..2**63-1"},
            {"name": "short_mac", "sealed": _h(cbor2.dumps(
                {"v": 1, "kid": "k", "ctr": 1, "m": b"", "mac": b"\x00" * 8}, canonical=True)),
             "context": "", "last_ctr": 0, "error": "AuthError",
             "contains": "the MAC must be 16 bytes"},
        ],
        "accepted": {"name": "fresh", "sealed": _h(good), "context": TOPIC_CMD, "last_ctr": 501,
                     "kid": "door-7-k1", "ctr": 502, "message": _h(COMMAND)},
    }


def render(document: dict[str, object]) -> str:
    """The committed text of a vectors document."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    """Write both vector files."""
    MESSAGES_FILE.write_text(render(messages_document()), encoding="utf-8")
    AUTH_FILE.write_text(render(auth_document()), encoding="utf-8")


if __name__ == "__main__":
    main()
