"""Hand events from the card-to-relay path to slower consumers without ever waiting.

:meth:`EventFanout.publish` only appends the event to one in-memory queue per
subscriber (``queue.SimpleQueue.put``: no size limit, so it never blocks). Each subscriber
has its own thread that takes what has accumulated, up to ``batch`` events, and passes
the list to its handler: the outbox writer (durable, one ``fdatasync`` per batch), the
camera, the sync client. A slow or stuck consumer delays only itself; the relay has
already moved by the time any of them sees the event.

The queues are unbounded on purpose: a bound would mean either blocking the door or
dropping an event. Memory is the limit, and the outbox writer keeps up with far more
than doors produce (docs/door.md, docs/edge-store.md).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Collection

from edge.door.errors import DoorError
from edge.door.events import DoorEvent

log = logging.getLogger(__name__)
BatchHandler = Callable[[list[DoorEvent]], None]
_STOP = object()


class Subscriber:
    """One consumer: its queue, its thread and its handler."""

    def __init__(self, name: str, handler: BatchHandler, batch: int,
                 kinds: Collection[str] | None) -> None:
        self.name = name
        self.kinds = frozenset(kinds) if kinds is not None else None
        self.handled = 0
        self.failures = 0
        self._handler = handler
        self._batch = batch
        self.inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name=f"events-{name}", daemon=True)

    def backlog(self) -> int:
        """Events queued and not yet taken by the handler (approximate)."""
        return self.inbox.qsize()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self.inbox.get()
            batch: list[DoorEvent] = []
            while True:
                if item is _STOP:
                    stopping = True  # finish this batch first: nothing queued is lost
                    break
                assert isinstance(item, DoorEvent)
                batch.append(item)
                if len(batch) >= self._batch:
                    break
                try:
                    item = self.inbox.get_nowait()
                except queue.Empty:
                    break
            if batch:
                try:
                    self._handler(batch)
                    self.handled += len(batch)
                except Exception:  # one consumer's bug must not stop it for good; logged
                    self.failures += len(batch)
                    log.exception("event consumer %s failed on %d event(s)", self.name,
                                  len(batch))


class EventFanout:
    """``publish(event)`` for the fast path; one queue and thread per subscriber."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._closed = False

    def subscribe(self, name: str, handler: BatchHandler, *, batch: int = 256,
                  kinds: Collection[str] | None = None) -> Subscriber:
        """Start a consumer; ``kinds`` limits it to those event kinds (None: all)."""
        if self._closed:
            raise DoorError("the event fanout is closed")
        if batch < 1:
            raise DoorError(f"batch must be at least 1, got {batch}")
        sub = Subscriber(name, handler, batch, kinds)
        self._subscribers = [*self._subscribers, sub]  # publish() reads without a lock
        sub.thread.start()
        return sub

    def publish(self, event: DoorEvent) -> None:
        """Queue ``event`` for every subscriber that wants it; never blocks."""
        for sub in self._subscribers:
            if sub.kinds is None or event.kind in sub.kinds:
                sub.inbox.put(event)

    def close(self, timeout: float | None = None) -> bool:
        """Let every consumer finish what is queued, then stop; False if one did not in time."""
        self._closed = True
        for sub in self._subscribers:
            sub.inbox.put(_STOP)
        done = True
        for sub in self._subscribers:
            sub.thread.join(timeout)
            done = done and not sub.thread.is_alive()
        return done
