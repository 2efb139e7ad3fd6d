"""Real-broker fixtures (tests/mqtt.py) for the edge sync tests."""

from tests.mqtt import mosquitto, secured_mosquitto_factory

__all__ = ["mosquitto", "secured_mosquitto_factory"]
