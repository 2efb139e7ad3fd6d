"""Sealed envelopes, on CPython and MicroPython: forgery, alteration and replay are refused."""

import hashlib

from protocols.portable import auth, cbor
from protocols.portable.errors import AuthError, CborError, ProtocolError
from tests.portable.util import raises

KEY = hashlib.sha256(b"test key 1").digest()
KEY2 = hashlib.sha256(b"test key 2").digest()
TOPIC = "vratnik/v1/site1/door-7/cmd"


def test_hmac_known_answers_and_key_lengths():
    # RFC 4231 case 2 ("Jefe") and case 6 (a key longer than the block is hashed first)
    assert auth.hmac_sha256(b"Jefe", b"what do ya want for nothing?").hex() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    assert auth.hmac_sha256(b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key "
                            b"First").hex() == (
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    # a 64-byte key is used as is, a 65-byte one hashed: different MACs
    assert auth.hmac_sha256(b"k" * 64, b"m") != auth.hmac_sha256(b"k" * 65, b"m")


def test_digest_equal():
    assert auth.digest_equal(b"", b"")
    assert auth.digest_equal(b"\x01\x02", b"\x01\x02")
    assert not auth.digest_equal(b"\x01\x02", b"\x01\x03")
    assert not auth.digest_equal(b"\x01\x02", b"\x01")
    assert not auth.digest_equal(b"\x80" + b"\x00" * 15, b"\x00" * 16)


def test_sealed_envelope_layout():
    sealed = auth.seal(KEY, "k1", 7, b"payload", TOPIC)
    value = cbor.decode(sealed)
    assert sorted(value) == ["ctr", "kid", "m", "mac", "v"]
    assert value["v"] == 1 and value["kid"] == "k1" and value["ctr"] == 7
    assert value["m"] == b"payload"
    covered = cbor.encode(["vratnik-mac", 1, TOPIC, "k1", 7, b"payload"])
    assert value["mac"] == auth.hmac_sha256(KEY, covered)[:16]


def test_sealer_counts_and_verifier_accepts_in_order():
    sealer = auth.Sealer("k1", KEY, next_ctr=10)
    verifier = auth.Verifier({"k1": KEY})
    first = sealer.seal(b"a", TOPIC)
    second = sealer.seal(b"b", TOPIC)
    assert sealer.next_ctr == 12
    assert verifier.verify(first, TOPIC) == ("k1", 10, b"a")
    assert verifier.verify(second, TOPIC) == ("k1", 11, b"b")
    assert verifier.last == {("k1", TOPIC): 11}


def test_replay_and_out_of_order_counters_are_refused():
    sealer = auth.Sealer("k1", KEY)
    verifier = auth.Verifier({"k1": KEY})
    old = sealer.seal(b"unlock", TOPIC)
    new = sealer.seal(b"lock", TOPIC)
    verifier.verify(new, TOPIC)
    err = raises(auth.ReplayError, verifier.verify, new, TOPIC)
    assert str(err) == "replayed message: counter 2 of key 'k1' is not above the last accepted 2"
    assert isinstance(err, AuthError)
    assert "counter 1" in str(raises(auth.ReplayError, verifier.verify, old, TOPIC))
    assert verifier.last == {("k1", TOPIC): 2}


def test_counters_are_tracked_per_topic():
    sealer = auth.Sealer("k1", KEY)
    verifier = auth.Verifier({"k1": KEY})
    on_cmd = sealer.seal(b"c", TOPIC)
    on_ack = sealer.seal(b"a", "vratnik/v1/site1/door-7/events/ack")
    # MQTT orders messages within a topic only: the later counter may arrive first
    assert verifier.verify(on_ack, "vratnik/v1/site1/door-7/events/ack")[1] == 2
    assert verifier.verify(on_cmd, TOPIC)[1] == 1


def test_a_message_sealed_for_one_topic_fails_on_another():
    sealed = auth.seal(KEY, "k1", 1, b"unlock", TOPIC)
    err = str(raises(AuthError, auth.verify, sealed, KEY, 0, "vratnik/v1/site1/door-8/cmd"))
    assert "forged, altered, or sealed for another topic" in err


def test_wrong_key_and_unknown_key_id():
    sealed = auth.seal(KEY, "k1", 1, b"x", TOPIC)
    assert "authentication failed for key 'k1'" in str(
        raises(AuthError, auth.verify, sealed, KEY2, 0, TOPIC))
    verifier = auth.Verifier({"k2": KEY2})
    assert str(raises(AuthError, verifier.verify, sealed, TOPIC)) == "unknown key id 'k1'"


def test_key_rotation_accepts_both_key_ids():
    verifier = auth.Verifier({"old": KEY, "new": KEY2})
    assert verifier.verify(auth.seal(KEY, "old", 5, b"1", TOPIC), TOPIC) == ("old", 5, b"1")
    assert verifier.verify(auth.seal(KEY2, "new", 1, b"2", TOPIC), TOPIC) == ("new", 1, b"2")


def test_every_altered_byte_is_refused():
    sealed = auth.seal(KEY, "k1", 300, b"pulse door 1", TOPIC)
    for i in range(len(sealed)):
        for flip in (0x01, 0x80):
            altered = sealed[:i] + bytes((sealed[i] ^ flip,)) + sealed[i + 1:]
            try:
                auth.verify(altered, KEY, 0, TOPIC)
            except ProtocolError:
                continue
            raise AssertionError("altered byte " + str(i) + " was accepted")


def test_envelope_structure_errors():
    good = cbor.decode(auth.seal(KEY, "k1", 1, b"x"))
    cases = (
        ({k: v for k, v in good.items() if k != "mac"}, "missing field 'mac'"),
        (dict(good, extra=1), "unknown field 'extra'"),
        (dict(good, v=2), "unsupported version 2"),
        (dict(good, kid="k/1"), "key id contains '/'"),
        (dict(good, ctr=0), "counter must be an integer 1..2**63-1, got 0"),
        (dict(good, ctr=1 << 63), "counter must be an integer"),
        (dict(good, m="x"), "the message must be bytes"),
        (dict(good, mac=good["mac"][:15]), "the MAC must be 16 bytes"),
        ([1], "expected a map"),
    )
    for value, words in cases:
        err = str(raises(AuthError, auth.verify, cbor.encode(value), KEY))
        assert words in err, (words, err)
    assert "empty input" in str(raises(CborError, auth.verify, b"", KEY))


def test_bad_keys_and_arguments_are_refused():
    assert "at least 16 bytes" in str(raises(AuthError, auth.seal, b"short", "k", 1, b""))
    assert "at least 16 bytes" in str(raises(AuthError, auth.Verifier, {"k": b"x" * 15}))
    assert "key id must not be empty" in str(raises(AuthError, auth.Verifier, {"": KEY}))
    assert "counter must be" in str(raises(AuthError, auth.Sealer, "k", KEY, 0))
    sealer = auth.Sealer("k", KEY)
    assert "must be bytes" in str(raises(AuthError, sealer.seal, "text"))
    assert "context (topic) must be text" in str(raises(AuthError, sealer.seal, b"", b"t"))
    assert sealer.next_ctr == 1  # a refused seal uses up no counter
