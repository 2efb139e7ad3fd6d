"""The broker package's exceptions."""

from hub.errors import HubError


class BrokerError(HubError):
    """The embedded broker could not start, or a broker configuration cannot be written."""
