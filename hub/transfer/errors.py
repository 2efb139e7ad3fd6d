"""Errors of import and export: every problem names its place in the document."""

from __future__ import annotations

from collections.abc import Sequence

from hub.errors import HubError


class TransferError(HubError):
    """A document that cannot be imported; ``problems`` are ``"path: what is wrong"`` lines."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {line}" for line in self.problems)
        super().__init__(f"the site document has {len(self.problems)} problem(s):\n{shown}")
