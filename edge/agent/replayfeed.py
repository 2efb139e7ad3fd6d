"""Recorded Wiegand swipes fed to a running agent through a named pipe (FIFO).

A Wiegand reader with ``source = "replay"`` replays its ``replay_file`` once at start
(``edge.readers.wiegand.create``). When ``replay_file`` is a FIFO instead, the agent
keeps the reader's :class:`ReplayEdgeSource` open and this feeder pushes every recording
written to the pipe, so tests, the simulator and a technician at a bench can swipe
recorded cards into a live agent::

    mkfifo /run/vratnik/reader1.fifo
    cat swipe-h10301.txt > /run/vratnik/reader1.fifo

Each writer's session (open, write, close) is read whole, in the format of
``edge.readers.wiegand_replay.load_recording`` (``t_us line level`` lines). A session
may hold several recordings: one starts again wherever the time goes back (each
recording's times start near 0), so writers racing each other cannot glue two frames.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import threading
from pathlib import Path

from edge.readers.errors import ReaderPortError
from edge.readers.wiegand_frames import Edge
from edge.readers.wiegand_replay import ReplayEdgeSource, load_recording

log = logging.getLogger(__name__)
WAKE_TRIES = 50


def is_fifo(path: Path) -> bool:
    try:
        return stat.S_ISFIFO(path.stat().st_mode)
    except OSError:
        return False


def split_recordings(edges: list[Edge]) -> list[list[Edge]]:
    """Edges of one session cut wherever the time goes back."""
    out: list[list[Edge]] = []
    for edge in edges:
        if not out or edge[2] < out[-1][-1][2]:
            out.append([])
        out[-1].append(edge)
    return out


class FifoFeed:
    """Reads recordings from the FIFO at ``path`` and pushes them to ``source``."""

    def __init__(self, path: Path, source: ReplayEdgeSource, reader: int) -> None:
        self.path = path
        self.source = source
        self.reader = reader
        self.recordings = 0
        self.rejected = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"replay-feed-{self.reader}",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                edges = load_recording(self.path)  # blocks until a writer has come and gone
            except ReaderPortError as err:
                if self._stopping.is_set():
                    return
                self.rejected += 1
                log.warning("reader %s: a recording from %s was refused: %s",
                            self.reader, self.path, err)
                continue
            if self._stopping.is_set():
                return
            for recording in split_recordings(edges):
                self.source.push(recording)
                self.recordings += 1

    def stop(self) -> None:
        """End the thread: it may sit in ``open()`` waiting for a writer, so be one."""
        self._stopping.set()
        thread = self._thread
        if thread is None:
            return
        for _ in range(WAKE_TRIES):
            if not thread.is_alive():
                break
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as err:
                if err.errno != errno.ENXIO:  # ENXIO: nobody reads right now; try again
                    log.warning("reader %s: cannot wake the replay feed: %s", self.reader, err)
            else:
                os.close(fd)
            thread.join(0.05)
        if thread.is_alive():
            log.error("reader %s: the replay feed did not stop", self.reader)
        self._thread = None
