"""pack/unpack across all layers, on CPython and MicroPython."""

import hashlib

from protocols.portable import auth, cbor, messages, topics, wire
from protocols.portable.errors import AuthError, MessageError
from tests.portable.util import raises

KEY = hashlib.sha256(b"door-7 key").digest()
OTHER_KEY = hashlib.sha256(b"door-8 key").digest()
EVENTS = topics.controller_topic("vratnik", "s1", "door-7", "events")
CMD = topics.controller_topic("vratnik", "s1", "door-7", "cmd")
BIRTH = topics.controller_topic("vratnik", "s1", "door-7", "birth")
ACK = {"upto": 41}
COMMAND = {"req": "c-9", "op": "pulse", "door": 1, "expires": 1767261630, "duration_ms": 1500}


def test_pack_then_unpack():
    sealer = auth.Sealer("door-7-k1", KEY)
    verifier = auth.Verifier({"door-7-k1": KEY})
    payload = wire.pack(sealer, CMD, "command", COMMAND)
    assert cbor.decode(payload)["kid"] == "door-7-k1"
    assert wire.unpack(verifier, CMD, payload) == ("command", COMMAND)
    assert "replayed" in str(raises(auth.ReplayError, wire.unpack, verifier, CMD, payload))


def test_type_must_belong_on_the_channel():
    sealer = auth.Sealer("k", KEY)
    err = str(raises(MessageError, wire.pack, sealer, EVENTS, "event_ack", ACK))
    assert err == ("message type 'event_ack' does not belong on channel 'events'"
                   " (it carries event or event_batch)")
    # a correctly sealed message of the wrong type for the topic is refused on receipt too
    sealed = sealer.seal(messages.encode("event_ack", ACK), EVENTS)
    err = str(raises(MessageError, wire.unpack, auth.Verifier({"k": KEY}), EVENTS, sealed))
    assert "message type 'event_ack' is not expected here" in err


def test_payload_moved_to_another_controller_fails():
    payload = wire.pack(auth.Sealer("k", KEY), CMD, "command", COMMAND)
    other = topics.controller_topic("vratnik", "s1", "door-8", "cmd")
    raises(AuthError, wire.unpack, auth.Verifier({"k": KEY}), other, payload)
    # door-8's verifier does not know door-7's key at all
    err = str(raises(AuthError, wire.unpack, auth.Verifier({"k8": OTHER_KEY}), other, payload))
    assert err == "unknown key id 'k'"


def test_birth_must_name_its_topic_controller():
    birth = {"ctl": "door-8", "session": 1, "ts": 0, "applied": None, "horizon_left": 0,
             "firmware": "", "pending": 0, "readers": []}
    err = str(raises(MessageError, wire.pack, auth.Sealer("k", KEY), BIRTH, "birth", birth))
    assert err == "birth.ctl: 'door-8' does not match the topic's controller 'door-7'"
    birth["ctl"] = "door-7"
    payload = wire.pack(auth.Sealer("k", KEY), BIRTH, "birth", birth)
    assert wire.unpack(auth.Verifier({"k": KEY}), BIRTH, payload) == ("birth", birth)


def test_hub_status_is_plain_and_everything_else_needs_a_key():
    topic = topics.hub_status_topic("vratnik", "s1")
    payload = wire.pack(None, topic, "hub_status", {"online": True, "session": 3})
    assert cbor.decode(payload) == {"v": 1, "t": "hub_status", "online": True, "session": 3}
    assert wire.unpack(None, topic, payload) == ("hub_status", {"online": True, "session": 3})
    assert "carries only sealed messages" in str(
        raises(AuthError, wire.pack, None, CMD, "command", COMMAND))
    assert "carries only sealed messages" in str(raises(AuthError, wire.unpack, None, CMD, b""))
