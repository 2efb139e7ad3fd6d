"""Errors of the photo store and upload (edge/photos/)."""

from edge.errors import EdgeError


class PhotoError(EdgeError):
    """Base of every error raised on purpose by edge/photos/."""


class PhotoStoreError(PhotoError):
    """The store cannot do what was asked (bad input, duplicate photo, I/O failure)."""


class PhotoNotFoundError(PhotoStoreError):
    """No photo with that id in the store."""


class PhotoCorruptError(PhotoStoreError):
    """A stored photo whose bytes no longer match its recorded size and SHA-256."""


class UploadError(PhotoError):
    """An upload message that does not fit the photo it names."""
