"""A small stand-in for the hub's side of one site, for the edge sync tests.

It speaks the real wire (protocols.wire: sealed with the device key, verified, per-topic
counters) over a real broker, records every message the edges send, and can serve
lists the way the hub does: on ``list_request`` deltas from the edge's version when it
has them, else the snapshot from ``resume_from``; events are acknowledged (highest
contiguous seq) when ``auto_ack`` is on. Tests drive anything else by hand.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from protocols.portable import topics, wire
from protocols.portable.accesslist import AccessList, Delta, encode_delta, encode_snapshot
from protocols.portable.auth import ReplayError, Sealer, Verifier
from protocols.portable.errors import ProtocolError
from tests.mqtt import MosquittoBroker

T = TypeVar("T")
WAIT = 10.0


@dataclass
class Got:
    """One message received from an edge."""

    controller: str
    channel: str
    msg_type: str
    fields: dict[str, object]
    retained: bool
    at: float = field(default_factory=time.monotonic)


@dataclass
class ListSource:
    """What the double serves one controller: snapshots by version and deltas by base."""

    lists: dict[int, AccessList] = field(default_factory=dict)
    deltas: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # base -> (ver, delta)
    current: int | None = None
    chunk_size: int = 4096
    stop_after_chunks: int | None = None  # serve only this many chunks (torn snapshot)


class HubDouble:
    """The hub's side for the controllers in ``keys`` (controller -> (key id, key))."""

    def __init__(self, broker: MosquittoBroker, site: str, keys: dict[str, tuple[str, bytes]],
                 *, username: str | None = None, password: str | None = None,
                 auto_ack: bool = True, serve: bool = True) -> None:
        self.site = site
        self.keys = keys
        self.auto_ack = auto_ack
        self.serve = serve
        self.sealers = {ctl: Sealer(kid, key) for ctl, (kid, key) in keys.items()}
        self.verifiers = {ctl: Verifier({kid: key}) for ctl, (kid, key) in keys.items()}
        self.sources = {ctl: ListSource() for ctl in keys}
        self.received: list[Got] = []
        self.rejected: list[tuple[str, str]] = []
        self.stored: dict[str, dict[int, dict[str, object]]] = {ctl: {} for ctl in keys}
        self._cond = threading.Condition()
        self._connected = threading.Event()
        # A persistent session (unique per double) like the real hub's: the broker queues
        # what edges send while the double reconnects after a broker restart.
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"hub-double-{site}-{uuid.uuid4().hex[:8]}",
                                  clean_session=False, protocol=mqtt.MQTTv311)
        self.client.reconnect_delay_set(0, 1)
        if broker.secure:
            self.client.tls_set(ca_certs=str(broker.ca_file),
                                tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port, keepalive=10)
        self.client.loop_start()
        if not self._connected.wait(WAIT):
            raise RuntimeError("hub double could not connect")

    def _on_connect(self, client: mqtt.Client, _u: object, _f: object, rc: object,
                    _p: object) -> None:
        if getattr(rc, "is_failure", True):
            return
        client.subscribe(topics.hub_subscriptions(topics.DEFAULT_PREFIX, self.site))
        self._connected.set()

    def _on_message(self, _client: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        try:
            _site, controller, channel = topics.parse(message.topic)
        except ProtocolError:
            return
        if controller not in self.verifiers:
            return
        try:
            msg_type, fields = wire.unpack(self.verifiers[controller], message.topic,
                                           bytes(message.payload))
        except ReplayError:
            return
        except ProtocolError as err:
            with self._cond:
                self.rejected.append((message.topic, str(err)))
                self._cond.notify_all()
            return
        got = Got(controller, channel, msg_type, fields, bool(message.retain))
        with self._cond:
            self.received.append(got)
            if msg_type == "event_batch":
                events = fields["events"]
                assert isinstance(events, list)
                for event in events:
                    self.stored[controller].setdefault(event["seq"], event)
            self._cond.notify_all()
        if msg_type == "event_batch" and self.auto_ack:
            self.ack(controller, self.contiguous(controller))
        if msg_type == "list_request" and self.serve:
            self._serve(controller, fields)

    # -- sending -------------------------------------------------------------------------
    def send(self, controller: str, channel: str, msg_type: str,
             fields: dict[str, object]) -> bytes:
        """Seal and publish a message to ``controller``; returns the payload sent."""
        topic = topics.controller_topic(topics.DEFAULT_PREFIX, self.site, controller, channel)
        payload = wire.pack(self.sealers[controller], topic, msg_type, fields)
        self.client.publish(topic, payload, qos=1, retain=topics.retained(channel))
        return payload

    def publish_raw(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(WAIT)

    def hub_status(self, online: bool, session: int = 1) -> None:
        topic = topics.hub_status_topic(topics.DEFAULT_PREFIX, self.site)
        self.client.publish(topic, wire.pack(None, topic, "hub_status",
                                             {"online": online, "session": session}),
                            qos=1, retain=True)

    def ack(self, controller: str, upto: int) -> None:
        if upto > 0:
            self.send(controller, "events/ack", "event_ack", {"upto": upto})

    def contiguous(self, controller: str) -> int:
        """The highest seq with every seq up to it received."""
        with self._cond:
            seqs = self.stored[controller]
            upto = 0
            while upto + 1 in seqs:
                upto += 1
            return upto

    def publish_list(self, controller: str, lst: AccessList,
                     delta_from: AccessList | None = None, delta: Delta | None = None) -> bytes:
        """Make ``lst`` the desired list: keep it (and the delta to it), publish the manifest."""
        source = self.sources[controller]
        data = encode_snapshot(lst)
        source.lists[lst.version] = lst
        if delta is not None and delta_from is not None:
            delta.hash = hashlib.sha256(data).digest()
            source.deltas[delta_from.version] = (lst.version, encode_delta(delta))
        source.current = lst.version
        self.send(controller, "manifest", "manifest", {
            "version": lst.version, "hash": hashlib.sha256(data).digest(),
            "size": len(data), "chunk_size": source.chunk_size})
        return data

    def send_snapshot(self, controller: str, version: int, start: int = 0,
                      stop: int | None = None) -> int:
        """Publish chunks ``start..stop-1`` of ``version``; the chunk count."""
        source = self.sources[controller]
        data = encode_snapshot(source.lists[version])
        size = source.chunk_size
        count = max(1, -(-len(data) // size))
        for index in range(start, count if stop is None else min(stop, count)):
            self.send(controller, "list/snap", "snapshot_chunk", {
                "version": version, "index": index, "count": count,
                "data": data[index * size:(index + 1) * size]})
        return count

    def _serve(self, controller: str, request: dict[str, object]) -> None:
        source = self.sources[controller]
        if source.current is None:
            return
        have = request["have"]
        if request["want"] == "delta" and isinstance(have, int):
            chain = []
            while have != source.current and have in source.deltas:
                have, data = source.deltas[have]
                chain.append(data)
            if have == source.current:
                for data in chain:
                    self.send(controller, "list/delta", "delta", {"data": data})
                return
        start = request["resume_from"]
        assert isinstance(start, int)
        stop = None if source.stop_after_chunks is None else start + source.stop_after_chunks
        self.send_snapshot(controller, source.current, start, stop)

    # -- waiting -------------------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], T | None], timeout: float = WAIT,
                 what: str = "condition") -> T:
        """Block until ``predicate()`` returns something truthy (re-checked on each message)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; received: "
                                         f"{[(g.channel, g.msg_type) for g in self.received]}")
                self._cond.wait(min(left, 0.05))

    def messages(self, controller: str, msg_type: str) -> list[dict[str, object]]:
        with self._cond:
            return [g.fields for g in self.received
                    if g.controller == controller and g.msg_type == msg_type]

    def wait_message(self, controller: str, msg_type: str, match: Callable[[dict[str, object]],
                     bool] = lambda _f: True, timeout: float = WAIT) -> dict[str, object]:
        """The first (already received or coming) message of a type that ``match``es."""
        def found() -> dict[str, object] | None:
            return next((f for f in self.messages(controller, msg_type) if match(f)), None)
        return self.wait_for(found, timeout, f"{msg_type} from {controller}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
