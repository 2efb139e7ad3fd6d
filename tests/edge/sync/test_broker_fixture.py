"""The private Mosquitto fixtures: plain, restartable, and secured (TLS, passwords, ACLs)."""

from __future__ import annotations

import queue
import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from tests.mqtt import (
    ControllerAccount,
    MosquittoBroker,
    SecuredFactory,
    acl_lines,
    write_password_file,
)

WAIT = 5.0


class Probe:
    """A raw paho client recording connects, subscription results and messages."""

    def __init__(self, broker: MosquittoBroker, client_id: str, username: str | None = None,
                 password: str | None = None, tls: bool = False,
                 protocol: MQTTProtocolVersion = mqtt.MQTTv311) -> None:
        self.events: queue.Queue[tuple[str, object]] = queue.Queue()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                  protocol=protocol)
        if tls:
            self.client.tls_set(ca_certs=str(broker.ca_file), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.on_connect = lambda _c, _u, _f, rc, _p: self.events.put(("connect", rc))
        self.client.on_subscribe = lambda _c, _u, _m, rcs, _p: self.events.put(("suback", rcs))
        self.client.on_message = lambda _c, _u, msg: self.events.put(("message", msg))
        self.client.on_publish = lambda _c, _u, mid, rc, _p: self.events.put(("puback", rc))
        self.client.connect(broker.host, broker.port, keepalive=10)
        self.client.loop_start()

    def expect(self, kind: str, timeout: float = WAIT) -> object:
        while True:
            got_kind, value = self.events.get(timeout=timeout)
            if got_kind == kind:
                return value

    def messages(self, within: float) -> list[mqtt.MQTTMessage]:
        found = []
        try:
            while True:
                kind, value = self.events.get(timeout=within)
                if kind == "message":
                    assert isinstance(value, mqtt.MQTTMessage)
                    found.append(value)
        except queue.Empty:
            return found

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_plain_broker_delivers_and_restarts_on_the_same_port(mosquitto: MosquittoBroker) -> None:
    port = mosquitto.port
    probe = Probe(mosquitto, "fixture-plain")
    try:
        assert not probe.expect("connect").is_failure  # type: ignore[attr-defined]
        probe.client.subscribe("fixture/t", qos=1)
        probe.expect("suback")
        probe.client.publish("fixture/t", b"one", qos=1)
        msg = probe.expect("message")
        assert msg.payload == b"one"  # type: ignore[attr-defined]
    finally:
        probe.close()
    mosquitto.restart()
    assert mosquitto.port == port and mosquitto.running
    again = Probe(mosquitto, "fixture-plain-2")
    try:
        assert not again.expect("connect").is_failure  # type: ignore[attr-defined]
    finally:
        again.close()


def test_acl_lists_exact_topics_per_controller() -> None:
    lines = acl_lines([ControllerAccount("s1", "a", "x"), ControllerAccount("s2", "b", "y")])
    text = "\n".join(lines)
    assert "pattern" not in text and "+" not in text
    user_a = lines[lines.index("user s1.a") + 1: lines.index("user s2.b")]
    assert "topic write vratnik/v1/s1/a/events" in user_a
    assert "topic read vratnik/v1/s1/a/cmd" in user_a
    assert "topic read vratnik/v1/s1/hub/status" in user_a
    assert all("/s1/a/" in line or line.endswith("s1/hub/status") for line in user_a if line)


def test_secured_broker_isolates_controllers(secured_mosquitto_factory: SecuredFactory) -> None:
    a, b = ControllerAccount("plant", "ctl-a"), ControllerAccount("plant", "ctl-b")
    broker = secured_mosquitto_factory([a, b])
    assert broker.url.startswith("mqtts://")

    # wrong password: refused
    intruder = Probe(broker, "intruder", a.username, "wrong", tls=True)
    try:
        assert intruder.expect("connect").is_failure  # type: ignore[attr-defined]
    finally:
        intruder.close()

    hub = Probe(broker, "fixture-hub", broker.hub_user, broker.hub_password, tls=True)
    ctl_a = Probe(broker, "ctl-a", a.username, a.password, tls=True, protocol=mqtt.MQTTv5)
    try:
        assert not hub.expect("connect").is_failure  # type: ignore[attr-defined]
        assert not ctl_a.expect("connect").is_failure  # type: ignore[attr-defined]
        hub.client.subscribe("vratnik/#", qos=1)
        hub.expect("suback")
        ctl_a.client.subscribe([("vratnik/v1/plant/ctl-b/cmd", 1),
                                ("vratnik/v1/plant/ctl-a/cmd", 1)])
        ctl_a.expect("suback")

        # A writes on B's topic: the broker refuses (MQTT 5 reason code) and nothing arrives.
        ctl_a.client.publish("vratnik/v1/plant/ctl-b/events", b"forged", qos=1)
        assert ctl_a.expect("puback").is_failure  # type: ignore[attr-defined]
        # A writes on its own topic: delivered (proves the hub listens).
        ctl_a.client.publish("vratnik/v1/plant/ctl-a/events", b"mine", qos=1)
        # The hub commands B, then A: A receives only its own.
        hub.client.publish("vratnik/v1/plant/ctl-b/cmd", b"for-b", qos=1)
        hub.client.publish("vratnik/v1/plant/ctl-a/cmd", b"for-a", qos=1)

        got_a = [m.payload for m in ctl_a.messages(within=1.0)]
        assert got_a == [b"for-a"]
        at_hub = [(m.topic, m.payload) for m in hub.messages(within=0.3)]
        assert ("vratnik/v1/plant/ctl-a/events", b"mine") in at_hub
        assert all(payload != b"forged" for _topic, payload in at_hub)
    finally:
        hub.close()
        ctl_a.close()


def test_secured_broker_refuses_plain_tcp(secured_mosquitto_factory: SecuredFactory) -> None:
    a = ControllerAccount("plant", "only")
    broker = secured_mosquitto_factory([a])
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="plain")
    client.username_pw_set(a.username, a.password)
    connected: list[object] = []
    client.on_connect = lambda _c, _u, _f, rc, _p: connected.append(rc)
    rc = mqtt.MQTT_ERR_SUCCESS
    try:
        client.connect(broker.host, broker.port, keepalive=5)
        for _ in range(50):  # the TLS listener drops a plain MQTT CONNECT
            rc = client.loop(timeout=0.1)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                break
    except OSError:
        rc = mqtt.MQTT_ERR_CONN_LOST
    assert rc != mqtt.MQTT_ERR_SUCCESS and connected == []


def test_self_written_password_hashes_are_accepted(secured_mosquitto_factory: SecuredFactory,
                                                   ) -> None:
    a = ControllerAccount("plant", "hashed")
    broker = secured_mosquitto_factory([a])
    write_password_file(broker.directory / "passwd",
                        {a.username: a.password, broker.hub_user: broker.hub_password},
                        use_tool=False)
    broker.restart()
    ok = Probe(broker, "hashed", a.username, a.password, tls=True)
    bad = Probe(broker, "hashed-bad", a.username, a.password + "x", tls=True)
    try:
        assert not ok.expect("connect").is_failure  # type: ignore[attr-defined]
        assert bad.expect("connect").is_failure  # type: ignore[attr-defined]
    finally:
        ok.close()
        bad.close()
