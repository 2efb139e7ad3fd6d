"""Fixtures for the agent tests: a private real Mosquitto (tests/mqtt.py) and the hub sync
tests' migrated database (tests/hub/sync), for runs of the agent against the real hub."""

from tests.hub.sync.conftest import sessions, sync_engine, sync_sqlite_url
from tests.mqtt import mosquitto

__all__ = ["mosquitto", "sessions", "sync_engine", "sync_sqlite_url"]  # fixtures, by name
