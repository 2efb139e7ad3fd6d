"""The hub's one exception family.

Services raise only these; the REST layer maps them to HTTP status codes once
(NotFound -> 404, Invalid -> 422 with the field named, Conflict -> 409). Every message says
what was wrong in words an administrator can act on.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub's services raise."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(HubError):  # noqa: N818 - short names read better at call sites
    """A referenced object does not exist (or belongs to another site)."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident!r} does not exist")
        self.kind = kind
        self.ident = ident


class Invalid(HubError):  # noqa: N818 - short names read better at call sites
    """A field has a value the model does not allow; ``field`` names it for the form or API."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


class Conflict(HubError):  # noqa: N818 - short names read better at call sites
    """The request clashes with existing data (a duplicate, or a rule that forbids the change)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
