"""The protocols layer's one exception family.

Every error says what was wrong in words a technician can act on. All derive from
ValueError, so callers that treat any bad input alike can catch that.
"""


class ProtocolError(ValueError):
    """Base of every error raised by protocols/."""


class CborError(ProtocolError):
    """Bytes that are not valid CBOR of our tag-free subset (or exceed its limits)."""


class MessageError(ProtocolError):
    """A well-formed CBOR value that is not a valid message (wrong type, field, version)."""


class AuthError(ProtocolError):
    """A message whose authentication code, key id or counter is wrong (forged or replayed)."""


class AccessListError(ProtocolError):
    """A compiled access list or delta that is malformed or inconsistent."""


class DeltaBaseError(AccessListError):
    """A delta whose base version is not the version it is applied to."""

    def __init__(self, have: int, base: int) -> None:
        # super(): MicroPython has no AccessListError.__init__ attribute to call directly
        super().__init__(
            "delta applies to version " + str(base) + " but the list is at version "
            + str(have) + "; a full snapshot is needed"
        )
        self.have = have
        self.base = base


class WiegandError(ProtocolError):
    """A Wiegand frame of the wrong length or parity, or a value out of a format's range."""
