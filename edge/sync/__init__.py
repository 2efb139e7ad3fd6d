"""The edge's sync client: lists, events and commands with the hub over MQTT.

``EdgeSync`` (agent.py) is the entry point; docs/sync.md describes the protocol flow.
"""

from edge.sync.agent import EdgeSync
from edge.sync.config import SyncConfig
from edge.sync.doors import DoorPort, MemoryDoors

__all__ = ["DoorPort", "EdgeSync", "MemoryDoors", "SyncConfig"]
