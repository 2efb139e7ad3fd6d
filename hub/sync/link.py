"""The hub's MQTT connection for one site (paho-mqtt 2.x), and nothing else.

paho runs its network loop in its own thread and calls our callbacks there; they only
put what arrived on the service's inbox queue (never touch the database, never block).
One connection per site because a connection has one last will, and each site has its
own ``hub/status`` topic: the will says ``online: false`` with the session the
connection announced. Every (re)connection uses a new, higher session: the persisted
start counter in the high bits, the connection number in the low bits.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
from typing import Any, NamedTuple

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.sync.settings import BrokerAddress
from protocols.portable import messages, topics

log = logging.getLogger(__name__)

CONNECTIONS_PER_START = 1 << 20  # sessions: start counter << 20 | connection number


class Inbound(NamedTuple):
    """A message from the broker, as the callback received it."""

    site: str
    topic: str
    payload: bytes
    retain: bool


class Connected(NamedTuple):
    """The link of ``site`` is (re)connected and subscribed."""

    site: str
    session: int


class SiteLink:
    """One site's connection: subscriptions, hub status, will; publish from any thread."""

    def __init__(self, address: BrokerAddress, site: str, inbox: queue.Queue[Any], *,
                 start_counter: int, client_id: str, prefix: str = topics.DEFAULT_PREFIX,
                 ca_file: str | None = None, keepalive: int = 30) -> None:
        self.address = address
        self.site = site
        self.prefix = prefix
        self._inbox = inbox
        self._base = start_counter * CONNECTIONS_PER_START
        self._connection = 0
        self._keepalive = keepalive
        self.connected = threading.Event()
        self.status_topic = topics.hub_status_topic(prefix, site)
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"{client_id}-{site}"[:64],
            clean_session=False, protocol=mqtt.MQTTv311,
        )
        self._client.max_queued_messages_set(0)  # unlimited: the service bounds its own work
        self._client.reconnect_delay_set(min_delay=1, max_delay=10)
        if address.username:
            self._client.username_pw_set(address.username, address.password)
        if address.tls:
            self._client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED,
                                 tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._set_will()

    @property
    def session(self) -> int:
        """The session the current (or next) connection announces."""
        return self._base + self._connection

    def _status(self, online: bool) -> bytes:
        return messages.encode("hub_status", {"online": online, "session": self.session})

    def _set_will(self) -> None:
        self._client.will_set(self.status_topic, self._status(False), qos=1, retain=True)

    def start(self) -> None:
        """Connect in the background (paho retries until it succeeds) and run the loop."""
        self._client.connect_async(self.address.host, self.address.port, self._keepalive)
        self._client.loop_start()

    def stop(self) -> None:
        """Say ``online: false`` (a clean disconnect sends no will) and disconnect."""
        if self.connected.is_set():
            info = self._client.publish(self.status_topic, self._status(False), qos=1,
                                        retain=True)
            try:
                info.wait_for_publish(timeout=2.0)
            except (RuntimeError, ValueError):
                log.info("site %s: could not announce the hub going offline", self.site)
        self._client.disconnect()
        self._client.loop_stop()
        self.connected.clear()

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> bool:
        """Queue a message for the broker (paho sends it, also after a reconnect);
        False if paho refused it outright."""
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            log.warning("site %s: publish to %s refused (%s)", self.site, topic, info.rc)
            return False
        return True

    # -- paho callbacks: network thread, never block ---------------------------------------
    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any,
                    _properties: Any) -> None:
        if reason.is_failure:
            log.warning("site %s: broker refused the connection: %s", self.site, reason)
            return
        subscriptions = topics.hub_subscriptions(self.prefix, self.site)
        client.subscribe(subscriptions)
        client.publish(self.status_topic, self._status(True), qos=1, retain=True)
        self.connected.set()
        self._inbox.put(Connected(self.site, self.session))
        log.info("site %s: connected to %s:%s (session %s)", self.site, self.address.host,
                 self.address.port, self.session)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any,
                       _properties: Any) -> None:
        self.connected.clear()
        # The next connection is a new session: its will must say so before paho reconnects.
        self._connection = (self._connection + 1) % CONNECTIONS_PER_START
        self._set_will()
        log.info("site %s: disconnected (%s)", self.site, reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(Inbound(self.site, message.topic, bytes(message.payload),
                                bool(message.retain)))
