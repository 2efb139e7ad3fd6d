"""The fanout consumer that makes events durable in the edge store's outbox.

A batch is one ``append_many`` (one ``fdatasync``, docs/edge-store.md). If the outbox
refuses the batch, the events are retried one by one, so an alarm can still use the
reserve that only alarms may fill, and one bad event spoils only itself.

``on_stored(event, seq)`` is called for each stored event with the seq the outbox gave
it: the hook for whatever needs the seq, such as the photo capture
(``edge.photos.capture.CaptureWorker.capture_async`` names a photo by its event's seq).
It runs on the writer's thread and must not block.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from edge.door.events import DoorEvent
from edge.store.errors import OutboxError
from edge.store.outbox import Outbox
from protocols.portable import cbor

log = logging.getLogger(__name__)


class OutboxWriter:
    """``handler(batch)`` for :meth:`edge.door.fanout.EventFanout.subscribe`."""

    def __init__(self, outbox: Outbox,
                 on_stored: Callable[[DoorEvent, int], None] | None = None) -> None:
        self.outbox = outbox
        self.on_stored = on_stored
        self.stored = 0
        self.refused = 0

    def __call__(self, batch: list[DoorEvent]) -> None:
        items = [(event.kind, cbor.encode(event.record())) for event in batch]
        try:
            seqs = self.outbox.append_many(items)
        except OutboxError as err:
            log.warning("outbox refused a batch of %d events (%s); storing one by one",
                        len(items), err)
        else:
            self.stored += len(items)
            self._notify(zip(batch, seqs, strict=True))
            return
        for event, (kind, payload) in zip(batch, items, strict=True):
            try:
                seq = self.outbox.append(kind, payload)
            except OutboxError as err:
                self.refused += 1  # the outbox records refusals in a marker where it can
                log.error("event %s not stored: %s", kind, err)
            else:
                self.stored += 1
                self._notify([(event, seq)])

    def _notify(self, stored: Iterable[tuple[DoorEvent, int]]) -> None:
        if self.on_stored is None:
            return
        for event, seq in stored:
            try:
                self.on_stored(event, seq)
            except Exception:  # a follower's bug must not make a stored event look lost
                log.exception("on_stored failed for event %d (%s)", seq, event.kind)
