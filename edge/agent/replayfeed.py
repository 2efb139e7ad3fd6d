"""Recorded Wiegand swipes fed to a running agent through a named pipe (FIFO).

A Wiegand reader with ``source = "replay"`` replays its ``replay_file`` once at start
(``edge.readers.wiegand.create``). When ``replay_file`` is a FIFO instead, the agent
keeps the reader's :class:`ReplayEdgeSource` open and this feeder pushes every recording
written to the pipe, so tests, the simulator and a technician at a bench can swipe
recorded cards into a live agent::

    mkfifo /run/vratnik/reader1.fifo
    cat swipe-h10301.txt > /run/vratnik/reader1.fifo

Lines are those of ``edge.readers.wiegand_replay.load_recording`` (``t_us line level``,
``#`` comments). A recording ends where the time goes back (each recording's times start
near 0), at a blank line, or when everything written so far has been read and ends with
a whole line; so write each recording with one ``write`` (a few hundred bytes, below the
pipe's atomic size), and writers racing each other cannot glue or tear frames.

The feeder keeps the pipe open for reading (and holds a write end itself, so it never
sees end-of-file) for as long as the agent runs: a reader that closed and reopened the
pipe between writers would lose a write that came in between.
"""

from __future__ import annotations

import logging
import os
import select
import stat
import threading
from pathlib import Path

from edge.readers.errors import ReaderPortError
from edge.readers.wiegand_frames import D0, D1, Edge
from edge.readers.wiegand_replay import ReplayEdgeSource

log = logging.getLogger(__name__)
POLL_S = 0.1  # stop() latency
LINES = {"D0": D0, "D1": D1, "0": D0, "1": D1}


def is_fifo(path: Path) -> bool:
    try:
        return stat.S_ISFIFO(path.stat().st_mode)
    except OSError:
        return False


def parse_edge(line: str) -> Edge | None:
    """One ``t_us line level`` line as an edge; None for a blank or comment line."""
    text = line.split("#", 1)[0].strip()
    if not text:
        return None
    parts = text.split()
    if len(parts) != 3 or not parts[0].isdigit() or parts[1].upper() not in LINES \
            or parts[2] not in ("0", "1"):
        raise ValueError(f"expected 't_us line level' (e.g. '1500 D0 0'), got {line!r}")
    return (LINES[parts[1].upper()], int(parts[2]), int(parts[0]))


def split_recordings(edges: list[Edge]) -> list[list[Edge]]:
    """Edges cut into recordings wherever the time goes back."""
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
        self.rejected_lines = 0
        self._pending: list[Edge] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._fds: tuple[int, int] | None = None

    def start(self) -> None:
        """Open the pipe (here, so a missing pipe fails the start) and start reading."""
        try:
            read_fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as err:
            raise ReaderPortError(f"reader {self.reader}: cannot open {self.path}: "
                                  f"{err.strerror or err}") from err
        keep_fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)  # a reader exists: ok
        self._fds = (read_fd, keep_fd)
        self._thread = threading.Thread(target=self._run, name=f"replay-feed-{self.reader}",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self._fds is not None
        read_fd = self._fds[0]
        partial = b""
        while not self._stopping.is_set():
            ready, _w, _x = select.select([read_fd], [], [], POLL_S)
            if not ready:
                continue
            try:
                chunk = os.read(read_fd, 65536)
            except BlockingIOError:
                continue
            lines = (partial + chunk).split(b"\n")
            partial = lines.pop()
            for raw in lines:
                self._line(raw.decode("utf-8", "replace"))
            if not partial:
                self._flush()  # all that was written so far is read: the recording is whole

    def _line(self, text: str) -> None:
        try:
            edge = parse_edge(text)
        except ValueError as err:
            self.rejected_lines += 1
            log.warning("reader %s: %s: %s", self.reader, self.path, err)
            return
        if edge is None:
            if not text.strip():
                self._flush()
            return
        if self._pending and edge[2] < self._pending[-1][2]:
            self._flush()
        self._pending.append(edge)

    def _flush(self) -> None:
        if self._pending:
            self.source.push(self._pending)
            self.recordings += 1
            self._pending = []

    def stop(self) -> None:
        """Stop reading and close the pipe (writers then get ENXIO or EPIPE)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(POLL_S * 20)
            if self._thread.is_alive():
                log.error("reader %s: the replay feed did not stop", self.reader)
            self._thread = None
        if self._fds is not None:
            for fd in self._fds:
                os.close(fd)
            self._fds = None
