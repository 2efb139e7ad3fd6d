"""Errors of the edge store (the compiled list on disk and the event outbox)."""

from edge.errors import EdgeError


class StoreError(EdgeError):
    """Base of every error of edge/store/."""


class ListFileError(StoreError):
    """A compiled-list file that cannot be written or used (bad input, I/O failure)."""


class NoUsableListError(ListFileError):
    """Neither the current nor the previous compiled-list file is usable."""


class OutboxError(StoreError):
    """The event outbox cannot do what was asked (bad input, I/O failure, corruption)."""


class OutboxFullError(OutboxError):
    """The outbox has no room for an event and the capacity policy forbids evicting any.

    Raised only for events the policy may refuse: unacknowledged alarms (which are never
    evicted) fill the outbox and its alarm reserve. See docs/edge-store.md.
    """


class AckError(OutboxError):
    """An acknowledgement for a sequence number the outbox never made durable."""


class OutboxClosedError(OutboxError):
    """The outbox was closed, or disabled after an I/O failure it cannot recover from."""
