"""The committed vectors against cbor2 and CPython's hmac, and against their generator.

tests/portable/test_vectors.py runs the same files through our codec on both runtimes;
this module proves the files themselves are right, independently of our code.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import cbor2

from protocols.portable import auth
from protocols.vectors import generate


def _messages() -> dict[str, list[dict[str, object]]]:
    return json.loads(generate.MESSAGES_FILE.read_text("utf-8"))  # type: ignore[no-any-return]


def _auth() -> dict[str, object]:
    return json.loads(generate.AUTH_FILE.read_text("utf-8"))  # type: ignore[no-any-return]


def _value(value: object) -> object:
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return bytes.fromhex(value["$bytes"])
        return {k: _value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


def test_committed_files_are_what_the_generator_writes() -> None:
    assert generate.MESSAGES_FILE.read_text("utf-8") == generate.render(
        generate.messages_document()), "run: python -m protocols.vectors.generate"
    assert generate.AUTH_FILE.read_text("utf-8") == generate.render(generate.auth_document())


def test_message_vectors_agree_with_cbor2() -> None:
    for case in _messages()["messages"]:
        data = bytes.fromhex(str(case["cbor"]))
        envelope = {"v": 1, "t": case["type"], **_value(case["fields"])}  # type: ignore[dict-item]
        assert cbor2.loads(data) == envelope, case["name"]
        assert cbor2.dumps(envelope, canonical=True) == data, case["name"]


def test_delta_vector_carries_an_access_list_delta() -> None:
    case = next(c for c in _messages()["messages"] if c["type"] == "delta")
    delta = cbor2.loads(_value(case["fields"])["data"])  # type: ignore[index]
    assert delta["f"] == 1 and delta["ver"] == delta["base"] + 1
    assert delta["ops"][0][0] == 1  # a card upsert


def test_invalid_vectors_are_valid_hex_and_name_an_error() -> None:
    cases = _messages()["invalid"]
    assert len({c["name"] for c in cases}) == len(cases)
    for case in cases:
        bytes.fromhex(str(case["cbor"]))
        assert case["error"] in ("CborError", "MessageError")
        assert case["contains"]


def test_hmac_vectors_agree_with_cpython_hmac() -> None:
    for case in _auth()["hmac_sha256"]:  # type: ignore[attr-defined]
        key, data = bytes.fromhex(case["key"]), bytes.fromhex(case["data"])
        expected = hmac.new(key, data, hashlib.sha256).hexdigest()
        assert expected.startswith(case["mac"]), case["name"]
        assert auth.hmac_sha256(key, data).hex() == expected, case["name"]


def test_sealed_vectors_agree_with_cpython_hmac() -> None:
    document = _auth()
    key = bytes.fromhex(document["key"])  # type: ignore[arg-type]
    for case in document["sealed"]:  # type: ignore[attr-defined]
        envelope = cbor2.loads(bytes.fromhex(case["sealed"]))
        assert set(envelope) == {"v", "kid", "ctr", "m", "mac"}
        covered = cbor2.dumps(["vratnik-mac", 1, case["context"], envelope["kid"],
                               envelope["ctr"], envelope["m"]], canonical=True)
        assert auth.mac_input(envelope["kid"], envelope["ctr"], envelope["m"],
                              case["context"]) == covered
        mac = hmac.new(key, covered, hashlib.sha256).digest()[:16]
        assert hmac.compare_digest(envelope["mac"], mac), case["name"]
