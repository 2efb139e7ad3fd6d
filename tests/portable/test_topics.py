"""The MQTT topic scheme, on CPython and MicroPython."""

from protocols.portable import topics
from protocols.portable.errors import ProtocolError
from protocols.portable.message_types import TYPES
from tests.portable.util import raises

P = topics.DEFAULT_PREFIX


def test_controller_topics_build_and_parse_back():
    for channel in topics.CHANNELS:
        if channel == topics.HUB_STATUS:
            continue
        topic = topics.controller_topic(P, "plant-1", "door_7", channel)
        assert topic == "vratnik/v1/plant-1/door_7/" + channel
        assert topics.parse(topic) == ("plant-1", "door_7", channel)


def test_hub_status_topic():
    topic = topics.hub_status_topic(P, "plant-1")
    assert topic == "vratnik/v1/plant-1/hub/status"
    assert topics.parse(topic) == ("plant-1", None, "hub/status")
    assert topics.retained("hub/status") and topics.qos("hub/status") == 1
    assert topics.message_types("hub/status") == ("hub_status",)


def test_multi_level_prefix():
    topic = topics.controller_topic("acme/access", "s1", "c1", "events/ack")
    assert topic == "acme/access/v1/s1/c1/events/ack"
    assert topics.parse(topic, "acme/access") == ("s1", "c1", "events/ack")
    err = raises(topics.TopicError, topics.parse, topic)
    assert "does not start with 'vratnik/v1/'" in str(err)


def test_ids_that_could_break_mqtt_are_refused():
    for bad in ("+", "#", "a/b", "$SYS", "", "x" * 65, "dvere 1", "dvéře", "a\x00"):
        err = raises(topics.TopicError, topics.controller_topic, P, bad, "c1", "events")
        assert "site id" in str(err), bad
        err = raises(topics.TopicError, topics.controller_topic, P, "s1", bad, "events")
        assert "controller id" in str(err), bad
        assert isinstance(err, ProtocolError)
    assert "reserved" in str(raises(topics.TopicError, topics.controller_topic, P, "s1", "hub",
                                    "events"))
    for bad in ("", "a//b", "/a", "a/", "a/+", "#"):
        assert "prefix" in str(raises(topics.TopicError, topics.hub_status_topic, bad, "s1")), bad


def test_unknown_channels_are_refused():
    assert "unknown controller channel 'status'" in str(
        raises(topics.TopicError, topics.controller_topic, P, "s1", "c1", "status"))
    assert "unknown controller channel" in str(
        raises(topics.TopicError, topics.controller_topic, P, "s1", "c1", "hub/status"))
    for bad in ("vratnik/v1/s1/c1/nope", "vratnik/v1/s1/c1/events/ack/x",
                "vratnik/v1/s1/hub/birth", "vratnik/v1/s1/c1"):
        raises(topics.TopicError, topics.parse, bad)
    assert "too short" in str(raises(topics.TopicError, topics.parse, "vratnik/v1/s1"))
    assert "site id" in str(raises(topics.TopicError, topics.parse, "vratnik/v1/+/c1/events"))
    assert "controller id" in str(raises(topics.TopicError, topics.parse,
                                         "vratnik/v1/s1/#/events"))
    assert "unknown channel" in str(raises(topics.TopicError, topics.qos, "list"))
    assert "does not start" in str(raises(topics.TopicError, topics.parse, "vratnik/v2/s/c/cmd"))


def test_every_message_type_travels_on_exactly_one_channel():
    seen = []
    for channel in topics.CHANNELS:
        seen.extend(topics.message_types(channel))
    assert sorted(seen) == sorted(TYPES)


def test_qos_and_retain_per_channel():
    retained = sorted(c for c in topics.CHANNELS if topics.retained(c))
    assert retained == ["birth", "hub/status", "manifest", "state"]
    assert not topics.retained("cmd")  # a retained unlock could fire late
    for channel in topics.CHANNELS:
        assert topics.qos(channel) == 1, channel


def test_edge_subscribes_to_what_the_hub_publishes_for_it():
    subs = topics.edge_subscriptions(P, "s1", "c1")
    assert subs == [
        ("vratnik/v1/s1/c1/cmd", 1),
        ("vratnik/v1/s1/c1/events/ack", 1),
        ("vratnik/v1/s1/hub/status", 1),
        ("vratnik/v1/s1/c1/list/delta", 1),
        ("vratnik/v1/s1/c1/list/snap", 1),
        ("vratnik/v1/s1/c1/manifest", 1),
        ("vratnik/v1/s1/c1/photos/ack", 1),
    ]


def test_hub_subscribes_to_every_edge_channel():
    subs = topics.hub_subscriptions(P)
    assert subs == [
        ("vratnik/v1/+/+/birth", 1),
        ("vratnik/v1/+/+/cmd/result", 1),
        ("vratnik/v1/+/+/events", 1),
        ("vratnik/v1/+/+/list/applied", 1),
        ("vratnik/v1/+/+/list/req", 1),
        ("vratnik/v1/+/+/photos", 1),
        ("vratnik/v1/+/+/state", 1),
    ]
    assert topics.hub_subscriptions(P, "s1")[0] == ("vratnik/v1/s1/+/birth", 1)
    raises(topics.TopicError, topics.hub_subscriptions, P, "#")
    # every topic an edge publishes is parsed back to its channel
    for channel in topics.CHANNELS:
        if topics.CHANNELS[channel][0] == topics.EDGE:
            topic = topics.controller_topic(P, "s1", "c9", channel)
            assert topics.parse(topic)[2] == channel
