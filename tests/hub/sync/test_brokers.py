"""Broker security: the generated Mosquitto config (TLS, passwords, exact per-controller
ACLs) on a real Mosquitto with the hub syncing through it, and the embedded broker's
accounts plugin. One controller can neither read nor write another's topics."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.orm import Session, sessionmaker

from hub.broker.access import controller_rights, hub_rights
from hub.broker.embedded import EmbeddedBroker
from hub.broker.mosquitto import TlsOptions, write_broker_config
from protocols.portable import topics
from tests.hub.sync.conftest import HubFactory, Plant, build_plant, eventually
from tests.hub.sync.edge_peer import EdgePeer
from tests.mqtt import free_port, make_tls_files, mosquitto_binary


class Snoop:
    """A client that records what it receives and whether its connection was accepted."""

    def __init__(self, port: int, username: str, password: str, ca_file: str | None = None
                 ) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.refused = False
        self.connected = False
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"snoop-{username}-{time.monotonic_ns()}")
        self.client.username_pw_set(username, password)
        if ca_file:
            self.client.tls_set(ca_certs=ca_file)
        self.client.on_message = lambda _c, _u, m: self.received.append(
            (m.topic, bytes(m.payload)))
        self.client.on_connect = self._on_connect
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.refused = reason.is_failure
        self.connected = not reason.is_failure

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def generated_mosquitto(sessions: sessionmaker[Session], tmp_path: Path
                        ) -> Iterator[tuple[Path, int, Plant]]:
    """A real Mosquitto running the config `vratnik hub broker-config` writes (with TLS)."""
    plant = build_plant(sessions)
    tls = make_tls_files(tmp_path)
    port = free_port()
    extra = ["user root"] if os.geteuid() == 0 else []
    with sessions() as db:
        write_broker_config(db, tmp_path / "broker", port=port, bind="127.0.0.1",
                            tls=TlsOptions(str(tls.ca_file), str(tls.cert_file),
                                           str(tls.key_file)), extra=extra)
        db.commit()
    log = (tmp_path / "mosquitto.log").open("wb")
    process = subprocess.Popen([mosquitto_binary(), "-c", str(tmp_path / "broker" /
                                                               "mosquitto.conf")],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        eventually(lambda: _listening(port), timeout=10)
        yield tmp_path, port, plant
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        log.close()


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def test_generated_config_on_a_real_mosquitto(
    generated_mosquitto: tuple[Path, int, Plant], hub_factory: HubFactory,
) -> None:
    folder, port, plant = generated_mosquitto
    credentials = json.loads((folder / "broker" / "credentials.json").read_text())
    assert oct((folder / "broker" / "credentials.json").stat().st_mode & 0o777) == "0o600"
    ca = str(folder / "ca.crt")
    hub_user = credentials["hub"]
    hub_factory(f"mqtts://127.0.0.1:{port}", username=hub_user["username"],
                password=hub_user["password"], ca_file=ca)
    mine = credentials["controllers"][f"{plant.site}/door-1"]
    other = credentials["controllers"][f"{plant.site}/door-2"]
    # door-1's edge, with its broker account and device key, gets its manifest over TLS
    edge = EdgePeer("127.0.0.1", port, plant.site, "door-1", mine["kid"],
                    base64.b64decode(mine["key"]), username=mine["username"],
                    password=mine["password"], ca_file=ca).connect(1)
    try:
        assert edge.wait_for("manifest")["version"] >= 1
        # door-1's account cannot read door-2's topics, nor wildcards
        snoop = Snoop(port, mine["username"], mine["password"], ca)
        eventually(lambda: snoop.connected)
        for pattern in (topics.controller_topic("vratnik", plant.site, "door-2", "manifest"),
                        f"vratnik/v1/{plant.site}/+/manifest", "vratnik/#"):
            snoop.client.subscribe(pattern, 1)
        # nor write them: a message on door-2's events never reaches the hub's account
        hub_view = Snoop(port, hub_user["username"], hub_user["password"], ca)
        eventually(lambda: hub_view.connected)
        hub_view.client.subscribe(f"vratnik/v1/{plant.site}/+/events", 1)
        time.sleep(0.3)
        snoop.client.publish(topics.controller_topic("vratnik", plant.site, "door-2", "events"),
                             b"forged", qos=1)
        snoop.client.publish(topics.controller_topic("vratnik", plant.site, "door-1", "events"),
                             b"own", qos=1)
        eventually(lambda: hub_view.received)
        time.sleep(0.5)
        assert [p for _t, p in hub_view.received] == [b"own"]
        # Mosquitto accepts a wildcard subscription but delivers only what the account may
        # read (door-1's own manifest, its site's hub status), never door-2's manifest,
        # which is retained on the broker
        assert {t for t, _p in snoop.received} == {
            topics.controller_topic("vratnik", plant.site, "door-1", "manifest"),
            topics.hub_status_topic("vratnik", plant.site)}
        # a wrong password is refused
        intruder = Snoop(port, other["username"], "wrong", ca)
        eventually(lambda: intruder.refused)
        for client in (snoop, hub_view, intruder):
            client.close()
    finally:
        edge.close()


def test_embedded_broker_accounts_and_exact_rights() -> None:
    prefix = "vratnik"
    accounts = {"hub": "hub-pass", "s1.c1": "c1-pass", "s1.c2": "c2-pass"}
    rights = {"hub": hub_rights(prefix), "s1.c1": controller_rights(prefix, "s1", "c1"),
              "s1.c2": controller_rights(prefix, "s1", "c2")}
    with EmbeddedBroker(accounts=accounts, acl=rights) as broker:
        hub = Snoop(broker.port, "hub", "hub-pass")
        c1 = Snoop(broker.port, "s1.c1", "c1-pass")
        bad = Snoop(broker.port, "s1.c2", "nope")
        eventually(lambda: hub.connected and c1.connected and bad.refused)
        hub.client.subscribe("vratnik/v1/+/+/events", 1)
        for pattern in ("vratnik/v1/s1/c2/manifest", "vratnik/#",
                        "vratnik/v1/s1/c1/manifest"):
            c1.client.subscribe(pattern, 1)
        time.sleep(0.3)
        c1.client.publish("vratnik/v1/s1/c2/events", b"forged", qos=1)
        c1.client.publish("vratnik/v1/s1/c1/events", b"own", qos=1)
        hub.client.publish("vratnik/v1/s1/c2/manifest", b"m2", qos=1)
        hub.client.publish("vratnik/v1/s1/c1/manifest", b"m1", qos=1)
        eventually(lambda: hub.received and c1.received)
        time.sleep(0.3)
        assert hub.received == [("vratnik/v1/s1/c1/events", b"own")]
        assert c1.received == [("vratnik/v1/s1/c1/manifest", b"m1")]
        for client in (hub, c1, bad):
            client.close()
