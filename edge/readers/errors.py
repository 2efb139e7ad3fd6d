"""Errors of the edge's card readers (edge/readers/)."""

from edge.errors import EdgeError


class ReaderError(EdgeError):
    """Base of every error raised on purpose by edge/readers/."""


class ReaderConfigError(ReaderError):
    """A reader configuration that cannot work; the message names the bad key."""


class ReaderPortError(ReaderError):
    """A reader's hardware port (GPIO, serial line, input device, bus) failed."""
