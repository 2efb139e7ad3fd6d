"""The fanout consumer that makes events durable in the edge store's outbox.

A batch is one ``append_many`` (one ``fdatasync``, docs/edge-store.md). If the outbox
refuses the batch, the events are retried one by one, so an alarm can still use the
reserve that only alarms may fill, and one bad event spoils only itself.
"""

from __future__ import annotations

import logging

from edge.door.events import DoorEvent
from edge.store.errors import OutboxError
from edge.store.outbox import Outbox
from protocols.portable import cbor

log = logging.getLogger(__name__)


class OutboxWriter:
    """``handler(batch)`` for :meth:`edge.door.fanout.EventFanout.subscribe`."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self.stored = 0
        self.refused = 0

    def __call__(self, batch: list[DoorEvent]) -> None:
        items = [(event.kind, cbor.encode(event.record())) for event in batch]
        try:
            self.outbox.append_many(items)
            self.stored += len(items)
            return
        except OutboxError as err:
            log.warning("outbox refused a batch of %d events (%s); storing one by one",
                        len(items), err)
        for kind, payload in items:
            try:
                self.outbox.append(kind, payload)
                self.stored += 1
            except OutboxError as err:
                self.refused += 1  # the outbox records refusals in a marker where it can
                log.error("event %s not stored: %s", kind, err)
