"""Errors of the camera port (edge/camera/)."""

from edge.errors import EdgeError


class CameraError(EdgeError):
    """Base of every error raised on purpose by edge/camera/: no frame could be had."""


class CameraConfigError(CameraError):
    """A camera configuration that cannot work (unknown kind, bad option value)."""


class CameraUnavailableError(CameraError):
    """The camera's library or device is missing or cannot be opened."""
