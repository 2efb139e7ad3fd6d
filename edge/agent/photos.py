"""Photos of access attempts, taken after the event is stored and reported in a follow-up.

The ``access`` event is made durable first (the outbox gives it its seq, which names the
photo), so it cannot carry the photo id or the face count (docs/door.md, known limits).
:class:`PhotoFollower` is the outbox writer's ``on_stored`` hook: for each stored access
attempt it asks the capture worker for a photo (never blocking), and when the worker has
stored the photo it publishes a ``photo`` event: same door and reader, ``faces`` and
``photo`` set, ``event`` = the access event's seq. That event goes through the same
fanout and outbox as every other, so it reaches the hub exactly once too.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future

from edge.core.reasons import PIN_REQUIRED
from edge.door.clock import Clock
from edge.door.events import ACCESS, DoorEvent, EventSink
from edge.photos.capture import CaptureResult, CaptureWorker

log = logging.getLogger(__name__)
PHOTO = "photo"  # the follow-up event's kind


class PhotoFollower:
    """``on_stored(event, seq)``: a photo for every stored access attempt."""

    def __init__(self, capture: CaptureWorker, publish: EventSink, clock: Clock) -> None:
        self.capture = capture
        self._publish = publish
        self._clock = clock
        self._lock = threading.Lock()
        self.requested = 0
        self.photos = 0
        self.missed = 0  # no photo: camera, queue or store failed (each logged by capture)

    def on_stored(self, event: DoorEvent, seq: int) -> None:
        """The outbox writer's hook (its thread); returns at once."""
        if event.kind != ACCESS or event.reason == PIN_REQUIRED:
            return  # a PIN prompt is followed by the attempt with the PIN: one photo
        with self._lock:
            self.requested += 1
        future = self.capture.capture_async(seq)
        future.add_done_callback(lambda done: self._done(event, seq, done))

    def _done(self, event: DoorEvent, seq: int, future: Future[CaptureResult]) -> None:
        result = future.result()
        if result.photo is None:
            with self._lock:
                self.missed += 1
            return
        with self._lock:
            self.photos += 1
        taken = result.taken_at if result.taken_at is not None else float(event.ts)
        data: dict[str, object] = {**result.event_fields(), "event": seq}
        self._publish(DoorEvent(PHOTO, int(taken), self._clock.monotonic(), door=event.door,
                                reader=event.reader, data=data))

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"requested": self.requested, "photos": self.photos, "missed": self.missed}
