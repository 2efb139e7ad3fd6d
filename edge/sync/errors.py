"""Errors of the edge's sync client (edge/sync/)."""

from edge.errors import EdgeError


class SyncError(EdgeError):
    """Base of every error raised on purpose by edge/sync/."""


class SyncConfigError(SyncError):
    """A sync configuration that cannot work (bad broker URL, missing key, bad id)."""


class SyncStateError(SyncError):
    """The sync state file cannot be read or written durably."""


class DoorError(SyncError):
    """A door port could not carry out a command (unknown door, hardware fault)."""
