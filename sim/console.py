"""The live console view: one progress line while the simulation runs.

On a terminal the line is rewritten in place twice a second; otherwise (a log file, a
test's pipe) a full line is printed every ``plain_every`` seconds, so output stays
readable. Notes (a fault injected, a controller back) are printed on their own lines.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO


class Console:
    """Prints ``status()`` periodically until stopped."""

    def __init__(self, status: Callable[[], str], stream: TextIO | None = None, *,
                 interval: float = 0.5, plain_every: float = 5.0, quiet: bool = False) -> None:
        self._status = status
        self._stream = stream or sys.stdout
        self._tty = self._stream.isatty()
        self._interval = interval if self._tty else plain_every
        self._quiet = quiet
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._width = 0

    def start(self) -> None:
        if self._quiet:
            return
        self._thread = threading.Thread(target=self._run, name="sim-console", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None
            self._show(final=True)

    def note(self, text: str) -> None:
        """A line of its own (the progress line is redrawn after it)."""
        with self._lock:
            self._clear()
            self._stream.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
            self._stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._show()

    def _show(self, final: bool = False) -> None:
        try:
            line = self._status()
        except Exception as err:  # the view must never stop the run
            line = f"(status unavailable: {err})"
        with self._lock:
            if self._tty:
                self._clear()
                self._stream.write(line[:200] + ("\n" if final else ""))
                self._width = 0 if final else min(len(line), 200)
            else:
                self._stream.write(line + "\n")
            self._stream.flush()

    def _clear(self) -> None:
        if self._tty and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._width = 0
