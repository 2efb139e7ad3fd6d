"""A message the sync logic wants sent; the agent seals and publishes it."""

from __future__ import annotations

from typing import NamedTuple


class Outgoing(NamedTuple):
    """``msg_type`` with ``fields`` on this controller's ``channel`` (topics.CHANNELS)."""

    channel: str
    msg_type: str
    fields: dict[str, object]
