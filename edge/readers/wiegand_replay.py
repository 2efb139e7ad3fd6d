"""The fake Wiegand edge source: replays recorded edge timings on a virtual clock.

Tests and the simulator share it. Recordings are lists of edges ``(line, level, t_us)``
(see wiegand_frames.py), made with :func:`card_edges` / :func:`keypad_edges` or loaded
from a text file (:func:`load_recording`: one ``t_us line level`` edge per line, line
``D0``/``D1`` or ``0``/``1``, ``#`` comments).

The clock is virtual, so a replay runs as fast as the reader consumes it and gives the
same result every time: each pushed recording is shifted to start where the previous
one's quiet time ended, and once the reader has taken every edge, the clock stands at
the end of the recording's quiet time (``quiet_after_us``, by default 1 s: long enough
to end a frame, shorter than a keypad's PIN timeout).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Sequence
from pathlib import Path

from edge.readers.errors import ReaderPortError
from edge.readers.wiegand_frames import D0, D1, HIGH, LOW, Edge
from protocols.portable import wiegand

DEFAULT_QUIET_US = 1_000_000
KEYPAD_CODES = {str(d): d for d in range(10)} | {"*": 10, "#": 11}


class ReplayEdgeSource:
    """An EdgeSource (see wiegand.py) fed by :meth:`push`; thread-safe."""

    def __init__(self, edges: Iterable[Edge] = (), *,
                 quiet_after_us: int = DEFAULT_QUIET_US) -> None:
        self._cond = threading.Condition()
        self._pending: deque[Edge] = deque()
        self._end_us = 0  # where the next recording starts: end of the last quiet time
        self._last_us = 0  # the last edge handed to the reader
        self._closed = False
        self._drained = threading.Event()
        self._drained.set()
        self.opened = 0
        edges = list(edges)
        if edges:
            self.push(edges, quiet_after_us=quiet_after_us)

    def push(self, edges: Sequence[Edge], *, quiet_after_us: int = DEFAULT_QUIET_US) -> None:
        """Queue a recording, shifted to start where the previous one's quiet time ended."""
        if not edges:
            return
        with self._cond:
            shift = self._end_us - edges[0][2]
            for line, level, t_us in edges:
                self._pending.append((line, level, t_us + shift))
            self._end_us = max(self._end_us, edges[-1][2] + shift) + quiet_after_us
            self._drained.clear()
            self._cond.notify_all()

    def wait_drained(self, timeout_s: float) -> bool:
        """True once the reader took every edge and came back for more (so it is done)."""
        return self._drained.wait(timeout_s)

    # -- the EdgeSource port --------------------------------------------------------------

    def open(self) -> None:
        with self._cond:
            self._closed = False
            self.opened += 1

    def read(self, timeout_s: float) -> list[Edge]:
        with self._cond:
            if not self._pending:
                self._drained.set()
                self._cond.wait_for(lambda: bool(self._pending) or self._closed, timeout_s)
            edges = list(self._pending)
            self._pending.clear()
            if edges:
                self._last_us = edges[-1][2]
            return edges

    def now_us(self) -> int:
        with self._cond:
            return self._last_us if self._pending else self._end_us

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def frame_edges(bits: Sequence[int], *, start_us: int = 0, pulse_us: int = 50,
                period_us: int = 2000) -> list[Edge]:
    """The edges a reader makes sending ``bits``: one low pulse per bit, on D0 or D1."""
    edges: list[Edge] = []
    for i, bit in enumerate(bits):
        line = D1 if bit else D0
        t = start_us + i * period_us
        edges += [(line, LOW, t), (line, HIGH, t + pulse_us)]
    return edges


def card_edges(bits: int, value: int, **timing: int) -> list[Edge]:
    """The edges of the Wiegand frame ``(bits, value)`` (timing as for frame_edges)."""
    return frame_edges(wiegand.bits_of_frame(bits, value), **timing)


def keypad_edges(keys: str, *, burst_bits: int = 4, key_gap_us: int = 200_000,
                 **timing: int) -> list[Edge]:
    """The edges of key presses ('0'-'9', '*', '#') as 4-bit or 8-bit keypad bursts."""
    edges: list[Edge] = []
    start = timing.pop("start_us", 0)
    for n, key in enumerate(keys):
        code = KEYPAD_CODES[key]
        if burst_bits == 8:
            code |= (~code & 0xF) << 4  # high nibble: the complement of the low one
        edges += card_edges(burst_bits, code, start_us=start + n * key_gap_us, **timing)
    return edges


def load_recording(path: Path) -> list[Edge]:
    """Edges from a recording file; ReaderPortError names the line that is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ReaderPortError(f"cannot read Wiegand recording {path}: {err}") from err
    edges: list[Edge] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        names = {"D0": D0, "D1": D1, "0": D0, "1": D1}
        if len(parts) != 3 or parts[1].upper() not in names or parts[2] not in ("0", "1") \
                or not parts[0].isdigit():
            raise ReaderPortError(
                f"{path}:{number}: expected 't_us line level' (e.g. '1500 D0 0'), got {raw!r}")
        edges.append((names[parts[1].upper()], int(parts[2]), int(parts[0])))
    return edges


def save_recording(path: Path, edges: Iterable[Edge]) -> None:
    """Write edges in the format load_recording() reads."""
    lines = ["# t_us line level (level 0 = falling edge, 1 = rising edge)"]
    lines += [f"{t} D{line} {level}" for line, level, t in edges]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
