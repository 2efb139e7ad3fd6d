"""Birth, death and sessions; the edge on a TLS + password + ACL broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.core.reasons import GRANTED
from protocols.portable import topics, wire
from tests.edge.sync.helpers import (
    KEY_ID,
    READER,
    SITE,
    device_key,
    make_edge,
    make_list,
    wait_until,
)
from tests.edge.sync.hubdouble import HubDouble
from tests.mqtt import ControllerAccount, MosquittoBroker, SecuredFactory

CTL = "door-5"
KILLED = "door-6"  # its own id: retained messages of other tests' edges stay on the broker
ROOT = Path(__file__).resolve().parents[3]


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


@pytest.fixture
def hub(mosquitto: MosquittoBroker) -> Iterator[HubDouble]:
    double = HubDouble(mosquitto, SITE, {CTL: (KEY_ID, device_key(CTL)),
                                         KILLED: (KEY_ID, device_key(KILLED))})
    yield double
    double.close()


def test_birth_and_death_carry_a_growing_session(mosquitto: MosquittoBroker, hub: HubDouble,
                                                 tmp_path: Path) -> None:
    hub.publish_list(CTL, make_list(CTL, 3, [1, 2]))
    with make_edge(mosquitto, tmp_path, CTL) as edge:
        hub.wait_message(CTL, "list_applied")
        birth = hub.wait_message(CTL, "birth")
        first = edge.status().session
        assert birth["session"] == first and birth["ctl"] == CTL
        assert birth["readers"] == [{"id": READER, "kind": "sim", "ok": True}]
        mosquitto.restart()  # a new connection: a new session
        wait_until(lambda: edge.status().connections == 2, timeout=15, what="reconnect")
        second = edge.status().session
        assert isinstance(first, int) and isinstance(second, int) and second > first
        hub.wait_message(CTL, "birth", lambda f: f["session"] == second
                         and f["applied"] == 3, timeout=15)
        # A will of the first session may come late (the broker's restart); the birth of
        # the second outranks it, which is how the hub tells the edge is online.
        assert all(_int(f["session"]) < second for f in hub.messages(CTL, "death"))
    death = hub.wait_message(CTL, "death", lambda f: f["session"] == second)
    assert death["ctl"] == CTL  # the clean stop says so itself
    # sessions continue after a restart of the agent (persisted)
    with make_edge(mosquitto, tmp_path, CTL) as edge:
        wait_until(lambda: edge.status().online, what="online")
        assert edge.status().session == second + 1


def test_the_broker_publishes_the_will_when_the_edge_is_killed(
        mosquitto: MosquittoBroker, hub: HubDouble, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.edge.sync.edge_process",
                             mosquitto.url, str(tmp_path), KILLED], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        assert line[0] == "online"
        session = int(line[1])
        hub.wait_message(KILLED, "birth", lambda f: f["session"] == session)
        assert hub.messages(KILLED, "death") == []
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
        death = hub.wait_message(KILLED, "death")
        assert death["session"] == session
    finally:
        proc.kill()
        proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


def test_edge_on_a_tls_password_acl_broker(secured_mosquitto_factory: SecuredFactory,
                                           tmp_path: Path) -> None:
    a, b = ControllerAccount(SITE, "ctl-a"), ControllerAccount(SITE, "ctl-b")
    broker = secured_mosquitto_factory([a, b])
    hub = HubDouble(broker, SITE, {"ctl-a": (KEY_ID, device_key("ctl-a")),
                                   "ctl-b": (KEY_ID, device_key("ctl-b"))},
                    username=broker.hub_user, password=broker.hub_password)
    hub.publish_list("ctl-a", make_list("ctl-a", 1, [11]))
    hub.publish_list("ctl-b", make_list("ctl-b", 1, [22]))
    spy_events: list[mqtt.MQTTMessage] = []
    try:
        with make_edge(broker, tmp_path / "a", "ctl-a") as edge_a, \
                make_edge(broker, tmp_path / "b", "ctl-b") as edge_b:
            hub.wait_message("ctl-a", "list_applied")
            hub.wait_message("ctl-b", "list_applied")
            assert edge_a.decide_now(11, READER) == GRANTED
            assert edge_b.decide_now(22, READER) == GRANTED

            # Someone holding ctl-a's credentials tries to listen to and speak for ctl-b.
            spy = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="spy-a",
                              protocol=mqtt.MQTTv5)
            spy.tls_set(ca_certs=str(broker.ca_file))
            spy.username_pw_set(a.username, a.password)
            spy.on_message = lambda _c, _u, msg: spy_events.append(msg)
            acks: list[object] = []
            spy.on_publish = lambda _c, _u, _mid, rc, _p: acks.append(rc)
            spy.connect(broker.host, broker.port)
            spy.loop_start()
            b_cmd = topics.controller_topic(topics.DEFAULT_PREFIX, SITE, "ctl-b", "cmd")
            b_events = topics.controller_topic(topics.DEFAULT_PREFIX, SITE, "ctl-b", "events")
            a_cmd = topics.controller_topic(topics.DEFAULT_PREFIX, SITE, "ctl-a", "cmd")
            spy.subscribe([(b_cmd, 1), (f"vratnik/v1/{SITE}/ctl-b/#", 1), (a_cmd, 1)])
            forged = wire.pack(hub.sealers["ctl-b"], b_events, "event_batch", {"events": [{
                "seq": 999, "ts": 1, "reader": 1, "door": None, "card": 1, "kind": "access",
                "reason": 0, "granted": True, "faces": None, "photo": None,
                "historical": False}]})  # even correctly sealed: the broker refuses it
            info = spy.publish(b_events, forged, qos=1)
            info.wait_for_publish(5)
            wait_until(lambda: acks, what="the broker's answer")
            assert getattr(acks[0], "is_failure", False)  # MQTT 5: not authorised
            hub.send("ctl-b", "cmd", "command", {"req": "c1", "op": "pulse", "door": 1,
                                                 "expires": int(time.time()) + 30,
                                                 "duration_ms": 100})
            hub.wait_message("ctl-b", "command_result")  # ctl-b got it, the spy did not
            # positive control: the spy does receive what its credentials allow
            hub.send("ctl-a", "cmd", "command", {"req": "c2", "op": "lock", "door": 1,
                                                 "expires": int(time.time()) + 30,
                                                 "duration_ms": 0})
            wait_until(lambda: spy_events, what="the spy's own command")
            edge_b.record_event("exit_button", int(time.time()), door=1)
            hub.wait_for(lambda: hub.stored["ctl-b"], what="ctl-b's own event")
            spy.loop_stop()
            spy.disconnect()
            assert [m.topic for m in spy_events] == [a_cmd]
            assert 999 not in hub.stored["ctl-b"]
    finally:
        hub.close()


def test_wrong_credentials_never_connect(secured_mosquitto_factory: SecuredFactory,
                                         tmp_path: Path) -> None:
    a = ControllerAccount(SITE, "ctl-c")
    broker = secured_mosquitto_factory([a])
    edge = make_edge(broker, tmp_path, "ctl-c", password="wrong")
    with edge:
        error = wait_until(lambda: edge.status().link_error, what="refused by the broker")
        assert "Not authorized" in str(error)
        assert edge.status().connected is False and edge.status().online is False


def test_the_edge_announces_itself_again_when_the_hub_comes_back(
        mosquitto: MosquittoBroker, tmp_path: Path) -> None:
    site = "plant-hub-status"  # its own site: the retained hub_status stays on the broker
    hub = HubDouble(mosquitto, site, {CTL: (KEY_ID, device_key(CTL))})
    try:
        hub.hub_status(True)
        with make_edge(mosquitto, tmp_path, CTL, site=site) as edge:
            hub.wait_message(CTL, "birth")
            wait_until(lambda: edge.hub_online is True, what="hub seen online")
            hub.hub_status(False)  # the hub's will
            wait_until(lambda: edge.hub_online is False, what="hub seen offline")
            assert len(hub.messages(CTL, "birth")) == 1
            hub.hub_status(True, session=2)  # a restarted hub
            hub.wait_for(lambda: len(hub.messages(CTL, "birth")) == 2, what="second birth")
            hub.wait_for(lambda: len(hub.messages(CTL, "list_request")) == 2,
                         what="a second list request")
    finally:
        hub.hub_status(False)
        hub.close()
