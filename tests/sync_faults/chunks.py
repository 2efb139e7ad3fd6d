"""A plain MQTT subscriber that counts the messages on one topic (sealed or not)."""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from protocols.portable import topics


class TopicCounter:
    """Counts what the broker delivers on ``channel`` of one controller."""

    def __init__(self, host: str, port: int, site: str, controller: str, channel: str,
                 prefix: str = topics.DEFAULT_PREFIX) -> None:
        self.topic = topics.controller_topic(prefix, site, controller, channel)
        self.count = 0
        self._subscribed = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *_args: self._subscribed.set()
        self._client.on_message = self._on_message
        self._client.connect(host, port)
        self._client.loop_start()
        if not self._subscribed.wait(10):
            raise RuntimeError(f"could not subscribe to {self.topic}")

    def _on_connect(self, client: mqtt.Client, *_args: object) -> None:
        client.subscribe(self.topic, qos=1)

    def _on_message(self, _client: mqtt.Client, _userdata: object,
                    _message: mqtt.MQTTMessage) -> None:
        self.count += 1

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()
