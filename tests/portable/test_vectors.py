"""The committed byte vectors (protocols/vectors/*.json), on CPython and MicroPython.

Each vector was produced by cbor2 and CPython's hmac (protocols/vectors/generate.py);
here our own codec must decode it to the committed value and re-encode it byte for byte.
"""

import json

from protocols.portable import auth, cbor, messages
from protocols.portable.errors import AuthError, CborError, MessageError
from protocols.portable.message_types import TYPES
from tests.portable.util import read_text

ERRORS = {"CborError": CborError, "MessageError": MessageError, "AuthError": AuthError,
          "ReplayError": auth.ReplayError}


def _load(name):
    return json.loads(read_text("protocols/vectors/" + name))


def _value(value):
    """A JSON vector value as a decoded message value: {"$bytes": hex} becomes bytes."""
    if isinstance(value, dict):
        if len(value) == 1 and "$bytes" in value:
            return bytes.fromhex(value["$bytes"])
        return {key: _value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def _expect_error(case, func, *args):
    try:
        func(*args)
    except (CborError, MessageError, AuthError) as err:
        assert type(err) is ERRORS[case["error"]], (case["name"], repr(err))
        assert case["contains"] in str(err), (case["name"], str(err))
        return
    raise AssertionError(case["name"] + " was accepted")


def test_every_message_type_has_a_vector():
    covered = sorted({case["type"] for case in _load("messages.json")["messages"]})
    assert covered == sorted(TYPES), covered


def test_message_vectors_decode_to_the_committed_value():
    for case in _load("messages.json")["messages"]:
        msg_type, fields = messages.decode(bytes.fromhex(case["cbor"]))
        assert msg_type == case["type"], case["name"]
        assert fields == _value(case["fields"]), case["name"]


def test_message_vectors_encode_byte_identically():
    for case in _load("messages.json")["messages"]:
        encoded = messages.encode(case["type"], _value(case["fields"]))
        assert encoded.hex() == case["cbor"], case["name"]


def test_message_vectors_round_trip_through_the_plain_codec():
    for case in _load("messages.json")["messages"]:
        data = bytes.fromhex(case["cbor"])
        value = cbor.decode(data)
        assert value["v"] == 1 and value["t"] == case["type"], case["name"]
        assert cbor.encode(value) == data, case["name"]


def test_invalid_message_vectors_fail_with_the_committed_error():
    cases = _load("messages.json")["invalid"]
    assert len(cases) >= 20
    for case in cases:
        _expect_error(case, messages.decode, bytes.fromhex(case["cbor"]))


def test_hmac_sha256_matches_rfc4231():
    cases = _load("auth.json")["hmac_sha256"]
    assert len(cases) == 7
    for case in cases:
        mac = auth.hmac_sha256(bytes.fromhex(case["key"]), bytes.fromhex(case["data"]))
        assert mac.hex()[:len(case["mac"])] == case["mac"], case["name"]


def test_sealed_vectors_seal_and_verify():
    document = _load("auth.json")
    key = bytes.fromhex(document["key"])
    for case in document["sealed"]:
        message = bytes.fromhex(case["message"])
        sealed = auth.seal(key, case["kid"], case["ctr"], message, case["context"])
        assert sealed.hex() == case["sealed"], case["name"]
        kid, ctr, opened = auth.verify(sealed, key, case["ctr"] - 1, case["context"])
        assert (kid, ctr, opened) == (case["kid"], case["ctr"], message), case["name"]


def test_sealed_vector_accepted_after_a_lower_counter():
    document = _load("auth.json")
    case = document["accepted"]
    result = auth.verify(bytes.fromhex(case["sealed"]), bytes.fromhex(document["key"]),
                         case["last_ctr"], case["context"])
    assert result == (case["kid"], case["ctr"], bytes.fromhex(case["message"]))
    assert messages.decode(result[2])[0] == "command"


def test_rejected_sealed_vectors_fail_with_the_committed_error():
    document = _load("auth.json")
    key = bytes.fromhex(document["key"])
    for case in document["rejected"]:
        _expect_error(case, auth.verify, bytes.fromhex(case["sealed"]), key, case["last_ctr"],
                      case["context"])
