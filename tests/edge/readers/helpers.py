"""Shared test helpers: an event sink that tests can wait on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from edge.readers.base import EventKind, ReaderEvent


class Events:
    """A thread-safe sink: readers call it, tests wait for what they expect."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.items: list[ReaderEvent] = []

    def __call__(self, event: ReaderEvent) -> None:
        with self._cond:
            self.items.append(event)
            self._cond.notify_all()

    def wait_for(self, match: Callable[[ReaderEvent], bool], timeout: float = 10.0) -> ReaderEvent:
        """The first event that matches, waiting up to ``timeout`` seconds for it."""
        def found() -> ReaderEvent | None:
            return next((e for e in self.items if match(e)), None)

        with self._cond:
            self._cond.wait_for(lambda: found() is not None, timeout)
            event = found()
        assert event is not None, f"no matching event within {timeout} s; got {self.items}"
        return event

    def wait_kind(self, kind: EventKind, reader: int | None = None,
                  timeout: float = 10.0) -> ReaderEvent:
        return self.wait_for(
            lambda e: e.kind == kind and (reader is None or e.reader == reader), timeout)

    def of(self, kind: EventKind) -> list[ReaderEvent]:
        with self._cond:
            return [e for e in self.items if e.kind == kind]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``condition`` (for state that has no event to wait on, like counters)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"condition not met within {timeout} s"
        time.sleep(0.01)
