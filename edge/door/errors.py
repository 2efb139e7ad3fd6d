"""Errors of the door layer (edge/door/ and the card-to-relay path)."""

from edge.errors import EdgeError


class DoorError(EdgeError):
    """Base of every error raised on purpose by edge/door/."""


class DoorConfigError(DoorError):
    """A door, pin or reader-binding configuration that cannot work; the message names the key."""


class DoorCommandError(DoorError):
    """A door command that cannot be carried out (unknown door, bad op or duration)."""


class DoorHardwareError(DoorError):
    """The I/O port failed (a GPIO line that cannot be claimed or written)."""


class UnknownDoorError(DoorCommandError):
    """A command or binding names a door this controller does not have."""
