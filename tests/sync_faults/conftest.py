"""Fixtures shared with tests/hub/sync: the migrated database, a site, the hub service and
a real Mosquitto (tests.mqtt)."""

from __future__ import annotations

from tests.hub.sync.conftest import (
    hub,
    hub_factory,
    plant,
    service_sessions,
    sessions,
    sync_engine,
    sync_sqlite_url,
)
from tests.mqtt import mosquitto

__all__ = ["hub", "hub_factory", "mosquitto", "plant", "service_sessions", "sessions",
           "sync_engine", "sync_sqlite_url"]  # fixtures, used by name
