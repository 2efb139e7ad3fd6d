"""The MQTT connection of one edge: paho-mqtt 2.x driven by a network thread of our own.

paho's callbacks run in that thread and only put events on the agent's queue (they
never block or touch state). The thread reconnects by itself with a capped exponential
backoff, and before *every* connection attempt asks the agent for a fresh last will
(``death`` with a new, already persisted session), which paho's own auto-reconnect
could not do. Client id stable, ``clean_session=False``, QoS 1 throughout: the broker
keeps the subscriptions and queues hub messages while the edge is away.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from edge.sync.config import SyncConfig
from edge.sync.errors import SyncError

log = logging.getLogger(__name__)

LOOP_TIMEOUT = 1.0  # seconds per paho loop() call; publishes wake it earlier


@dataclass(frozen=True)
class Connected:
    """The broker accepted the connection made with last will ``session``."""

    session: int
    session_present: bool


@dataclass(frozen=True)
class Disconnected:
    reason: str


@dataclass(frozen=True)
class Subscribed:
    mid: int
    granted: tuple[int, ...]  # the reason codes' values: 0..2 granted QoS, >= 0x80 refused


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes


LinkEvent = Connected | Disconnected | Subscribed | Received
WillMaker = Callable[[], tuple[int, str, bytes]]  # -> (session, topic, sealed death)


class MqttLink:
    """Connects, reconnects, publishes and subscribes; reports through ``post``."""

    def __init__(self, config: SyncConfig, post: Callable[[LinkEvent], None],
                 make_will: WillMaker) -> None:
        self._config = config
        self._broker = config.broker
        self._post = post
        self._make_will = make_will
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._attempt_session = 0
        self._delay = config.reconnect_min
        self.connected = False
        self.last_error: str | None = None  # why the last attempt failed, for status()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=config.client_id,
                             clean_session=False, protocol=mqtt.MQTTv311)
        if self._broker.tls:
            client.tls_set(ca_certs=str(config.ca_file) if config.ca_file else None,
                           cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if config.username is not None:
            client.username_pw_set(config.username, config.password)
        client.max_inflight_messages_set(64)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client

    # -- paho callbacks (network thread): hand over, never block ------------------------
    def _on_connect(self, _client: mqtt.Client, _userdata: object, flags: mqtt.ConnectFlags,
                    reason: object, _properties: object) -> None:
        if getattr(reason, "is_failure", False):
            self.last_error = f"refused by the broker: {reason}"
            log.warning("broker refused the connection: %s", reason)
            return
        self.connected = True
        self.last_error = None
        self._delay = self._config.reconnect_min
        self._post(Connected(self._attempt_session, bool(flags.session_present)))

    def _on_disconnect(self, _client: mqtt.Client, _userdata: object, _flags: object,
                       reason: object, _properties: object) -> None:
        was = self.connected
        self.connected = False
        if was:
            self._post(Disconnected(str(reason)))

    def _on_subscribe(self, _client: mqtt.Client, _userdata: object, mid: int,
                      codes: list[ReasonCode], _properties: Properties | None) -> None:
        self._post(Subscribed(mid, tuple(int(code.value) for code in codes)))

    def _on_message(self, _client: mqtt.Client, _userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        self._post(Received(message.topic, bytes(message.payload)))

    # -- the network thread --------------------------------------------------------------
    def start(self) -> None:
        """Start connecting (in the background)."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="edge-sync-net", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        socket_open = False
        while not self._stopping.is_set():
            if not socket_open:
                socket_open = self._connect()
                if not socket_open:
                    self._backoff()
                    continue
            rc = self._client.loop(timeout=LOOP_TIMEOUT)
            if rc != mqtt.MQTT_ERR_SUCCESS and not self._stopping.is_set():
                socket_open = False
                if self.connected:  # paho did not call on_disconnect
                    self._on_disconnect(self._client, None, None, rc, None)
                log.info("connection to the broker lost (%s)", mqtt.error_string(rc))
                self._backoff()

    def _connect(self) -> bool:
        try:
            session, topic, payload = self._make_will()
            self._attempt_session = session
            self._client.will_set(topic, payload, qos=1, retain=True)
            self._client.connect(self._broker.host, self._broker.port,
                                 keepalive=self._config.keepalive)
        except (OSError, SyncError, ValueError) as err:
            self.last_error = f"cannot connect: {err}"
            log.info("cannot connect to %s:%s: %s", self._broker.host, self._broker.port, err)
            return False
        return True

    def _backoff(self) -> None:
        self._stopping.wait(self._delay)
        self._delay = min(self._delay * 2, self._config.reconnect_max)

    # -- used by the agent's worker thread -------------------------------------------
    def publish(self, topic: str, payload: bytes, retain: bool) -> mqtt.MQTTMessageInfo:
        """QoS 1 publish (queued by paho while the link is down)."""
        return self._client.publish(topic, payload, qos=1, retain=retain)

    def subscribe(self, subscriptions: list[tuple[str, int]]) -> int:
        """Subscribe; the broker's answer comes back as :class:`Subscribed` with this mid."""
        _rc, mid = self._client.subscribe(subscriptions)
        return int(mid or 0)

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect cleanly (the broker then does not publish the will) and stop."""
        self._stopping.set()
        try:
            self._client.disconnect()
        except (OSError, ValueError) as err:
            log.debug("disconnect: %s", err)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.connected = False
