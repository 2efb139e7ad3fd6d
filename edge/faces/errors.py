"""Errors of face detection (edge/faces/)."""

from edge.errors import EdgeError


class FaceError(EdgeError):
    """Base of every error raised on purpose by edge/faces/."""


class FaceConfigError(FaceError):
    """A detector configuration that cannot work (unknown kind, bad option value)."""


class ModelNotFoundError(FaceError):
    """The model file is not where it should be (package missing or incomplete)."""


class RuntimeUnavailableError(FaceError):
    """Neither TFLite runtime (ai-edge-litert, tflite-runtime) can be imported or used."""


class BadImageError(FaceError):
    """An image the detector cannot use (wrong shape, dtype or size)."""
