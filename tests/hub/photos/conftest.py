"""The sync tests' fixtures, registered here anew: this folder gets a migrated database
and a Mosquitto of its own, so the sites its tests make never become broker links of the
sync tests' hubs, and its broker restart disturbs nobody else."""

from __future__ import annotations

from tests.hub.sync.conftest import (
    hub,
    hub_factory,
    service_sessions,
    sessions,
    sync_engine,
    sync_sqlite_url,
)
from tests.mqtt import mosquitto

__all__ = ["hub", "hub_factory", "mosquitto", "service_sessions", "sessions", "sync_engine",
           "sync_sqlite_url"]  # fixtures, used by name
