"""Fixtures for the edge sync tests: the real-broker ones (tests/mqtt.py) and, for the
end-to-end tests with the real hub, the hub sync tests' database (tests/hub/sync)."""

from tests.hub.sync.conftest import sessions, sync_engine, sync_sqlite_url
from tests.mqtt import mosquitto, secured_mosquitto_factory

__all__ = ["mosquitto", "secured_mosquitto_factory", "sessions", "sync_engine",
           "sync_sqlite_url"]  # fixtures, used by name
