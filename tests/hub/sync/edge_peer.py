"""A real MQTT peer speaking the real protocol as an edge would: a plain paho client plus
``protocols.portable.wire`` (sealing, verification, message schemas). The hub cannot
tell it from an edge; the tests use it to send exactly the messages a case needs
(duplicates, gaps, forgeries) and to watch what the hub sends back."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from protocols.portable import topics, wire
from protocols.portable.accesslist import (
    AccessList,
    apply_delta,
    decode_delta,
    decode_snapshot,
    encode_snapshot,
)
from protocols.portable.auth import Sealer, Verifier
from protocols.portable.errors import AccessListError, ProtocolError

Received = tuple[str, str, dict[str, Any], bool]  # channel, type, fields, retained


class EdgePeer:
    """One controller's side of the link, driven by the test."""

    def __init__(self, host: str, port: int, site: str, controller: str, kid: str, key: bytes,
                 *, username: str | None = None, password: str | None = None,
                 ca_file: str | None = None, prefix: str = topics.DEFAULT_PREFIX) -> None:
        self.site, self.controller, self.prefix = site, controller, prefix
        self.sealer = Sealer(kid, key)
        self.verifier = Verifier({kid: key})
        self.received: list[Received] = []
        self.rejected: list[str] = []
        self._cond = threading.Condition()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"edge-{site}-{controller}-{time.monotonic_ns()}")
        if username:
            self.client.username_pw_set(username, password)
        if ca_file:
            self.client.tls_set(ca_certs=ca_file)
        self.client.on_message = self._on_message
        self._connected = threading.Event()
        self.client.on_connect = lambda *_a: self._connected.set()
        self.host, self.port = host, port
        # list following (follow_lists): what an edge's list sync does, in a few lines
        self.follow = False
        self.refuse: str | None = None  # answer every delta with this list_error code
        self.list: AccessList | None = None
        self.manifest: dict[str, Any] | None = None
        self._chunks: dict[int, bytes] = {}

    def topic(self, channel: str) -> str:
        return topics.controller_topic(self.prefix, self.site, self.controller, channel)

    def connect(self, session: int | None = None) -> EdgePeer:
        """Connect with a last will (death of ``session``), subscribe first."""
        if session is not None:
            self.client.will_set(self.topic("state"), self.pack("state", "death", {
                "ctl": self.controller, "session": session}), qos=1, retain=True)
        self.client.connect(self.host, self.port)
        self.client.loop_start()
        assert self._connected.wait(5), "the edge peer could not connect"
        result, _mid = self.client.subscribe(
            topics.edge_subscriptions(self.prefix, self.site, self.controller))
        assert result == mqtt.MQTT_ERR_SUCCESS
        time.sleep(0.1)  # let the SUBACK arrive before the test publishes
        return self

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def drop(self) -> None:
        """Lose the connection without DISCONNECT (the broker publishes the will)."""
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()

    def pack(self, channel: str, msg_type: str, fields: dict[str, Any]) -> bytes:
        return wire.pack(self.sealer, self.topic(channel), msg_type, fields, self.prefix)

    def send(self, channel: str, msg_type: str, fields: dict[str, Any],
             retain: bool = False) -> None:
        payload = self.pack(channel, msg_type, fields)
        self.publish_raw(channel, payload, retain)

    def publish_raw(self, channel: str, payload: bytes, retain: bool = False) -> None:
        info = self.client.publish(self.topic(channel), payload, qos=1, retain=retain)
        info.wait_for_publish(5)

    def birth(self, session: int, applied: int | None = None, pending: int = 0) -> None:
        self.send("birth", "birth", {
            "ctl": self.controller, "session": session, "ts": int(time.time()),
            "applied": applied, "horizon_left": 86400, "firmware": "test-peer 1",
            "pending": pending, "readers": [{"id": 1, "kind": "sim", "ok": True}],
        }, retain=True)

    def _on_message(self, _client: Any, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            _site, _ctl, channel = topics.parse(message.topic, self.prefix)
            verifier = None if channel == topics.HUB_STATUS else self.verifier
            msg_type, fields = wire.unpack(verifier, message.topic, bytes(message.payload),
                                           self.prefix)
        except ProtocolError as err:
            with self._cond:
                self.rejected.append(str(err))
                self._cond.notify_all()
            return
        if self.follow:
            self._follow(msg_type, fields)
        with self._cond:
            self.received.append((channel, msg_type, fields, bool(message.retain)))
            self._cond.notify_all()

    def follow_lists(self, refuse: str | None = None) -> None:
        """From now on install the manifest's list and apply deltas like an edge (in the
        network thread, so publishing there never waits)."""
        self.refuse = refuse
        self.follow = True

    def _reply(self, channel: str, msg_type: str, fields: dict[str, Any]) -> None:
        self.client.publish(self.topic(channel), self.pack(channel, msg_type, fields), qos=1)

    def _follow(self, msg_type: str, fields: dict[str, Any]) -> None:
        if msg_type == "manifest":
            self.manifest = fields
            have = None if self.list is None else self.list.version
            if have is None or have < fields["version"]:
                want = "snapshot" if have is None else "delta"
                self._reply("list/req", "list_request",
                            {"have": have, "want": want, "resume_from": 0})
        elif msg_type == "snapshot_chunk":
            self._chunks[fields["index"]] = fields["data"]
            if len(self._chunks) == fields["count"] and self.manifest is not None \
                    and self.manifest["version"] == fields["version"]:
                data = b"".join(self._chunks[i] for i in range(fields["count"]))
                self._chunks = {}
                if hashlib.sha256(data).digest() == self.manifest["hash"]:
                    self.list = decode_snapshot(data)
                    self._reply("list/applied", "list_applied",
                                {"version": self.list.version, "hash": self.manifest["hash"]})
        elif msg_type == "delta":
            self._apply(fields["data"])

    def _apply(self, data: bytes) -> None:
        delta = decode_delta(data)
        if self.refuse is not None:
            self._reply("list/applied", "list_error", {
                "version": delta.version, "code": self.refuse, "detail": "refused by the test"})
            return
        if self.list is None or delta.version <= self.list.version:
            return
        try:
            apply_delta(self.list, delta)
        except AccessListError as err:
            self._reply("list/applied", "list_error", {
                "version": delta.version, "code": "base_mismatch", "detail": str(err)[:256]})
            return
        snapshot = encode_snapshot(self.list)  # compacts; slots stay as the delta left them
        digest = hashlib.sha256(snapshot).digest()
        if digest != delta.hash:
            self._reply("list/applied", "list_error", {
                "version": delta.version, "code": "hash_mismatch", "detail": "hash"})
            return
        self._reply("list/applied", "list_applied", {"version": delta.version, "hash": digest})

    def wait_for(self, msg_type: str, match: Callable[[dict[str, Any]], bool] = lambda f: True,
                 timeout: float = 5.0) -> dict[str, Any]:
        """The first received message of ``msg_type`` matching ``match`` (waits for it)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for _channel, kind, fields, _retain in self.received:
                    if kind == msg_type and match(fields):
                        return fields
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [kind for _c, kind, _f, _r in self.received]
                    raise AssertionError(f"no {msg_type} within {timeout}s; got {seen}")
                self._cond.wait(left)

    def all_of(self, msg_type: str) -> list[dict[str, Any]]:
        with self._cond:
            return [f for _c, kind, f, _r in self.received if kind == msg_type]
