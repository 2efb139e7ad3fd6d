"""The thread every reader runs in: start/stop with a join, and a sink that cannot kill it."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

from edge.readers.base import Counters, EventSink, ReaderEvent
from edge.readers.errors import ReaderError

log = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 5.0


class ReaderThread(ABC):
    """Base of the reader plugins: owns one thread, the stop flag and the counters.

    Subclasses implement :meth:`_run`, which loops until ``self._stopping`` is set and
    blocks only on its own hardware with short timeouts (so stop() is prompt), and may
    override :meth:`_wake` to interrupt a blocking read at once.
    """

    def __init__(self, name: str, sink: EventSink) -> None:
        self._name = name
        self._sink = sink
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.counters = Counters()

    def start(self) -> None:
        """Start the reader thread (once)."""
        if self._thread is not None:
            raise ReaderError(f"reader {self._name} is already started")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._main, name=f"reader-{self._name}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end, wake it, and join it; safe to call twice."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._wake()
        thread.join(JOIN_TIMEOUT_S)
        if thread.is_alive():
            raise ReaderError(f"reader {self._name} did not stop within {JOIN_TIMEOUT_S} s")
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stats(self) -> dict[str, int]:
        """A copy of the counters."""
        return self.counters.snapshot()

    def _wake(self) -> None:  # noqa: B027 - optional hook; most loops poll with a timeout
        """Interrupt a blocking read so the thread sees the stop flag (default: none)."""

    def _emit(self, event: ReaderEvent) -> None:
        """Hand an event to the sink; a failing sink is logged and counted, never fatal."""
        self.counters.add("events")
        try:
            self._sink(event)
        except Exception:
            self.counters.add("sink_errors")
            log.exception("reader %s: the event sink failed on %r", self._name, event)

    def _main(self) -> None:
        try:
            self._run()
        except Exception:
            # A reader must not take the agent down; the counter shows it in stats and the
            # log says why. The agent's supervisor sees running == False.
            self.counters.add("crashes")
            log.exception("reader %s stopped on an unexpected error", self._name)

    @abstractmethod
    def _run(self) -> None:
        """The reader's loop; returns when ``self._stopping`` is set."""
