"""Virtual Wiegand readers: recorded D0/D1 edge timings written into the agent's FIFOs.

A controller whose readers are Wiegand gets, per reader, a named pipe; its agent runs
the Wiegand reader plugin with ``source = "replay"`` on that pipe (edge/agent/readers.py
keeps it open and feeds every recording written to it). Showing a card writes the
frame's edges, as ``edge.readers.wiegand_replay.card_edges`` makes them, in one write
(under the pipe's atomic size), so the agent's frame assembler and decoder do the rest.

A Wiegand reader has no way to tell the simulator the decision (its LED is driven by
the controller's GPIO); the simulator watches the door's lock instead.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from edge.readers.wiegand_replay import card_edges
from protocols.portable import wiegand
from sim.errors import SimError

OPEN_RETRY_S = 2.0  # the agent reopens its pipe after each recording


class WiegandPipes:
    """One controller's Wiegand readers, each a FIFO in ``folder``."""

    def __init__(self, name: str, readers: tuple[int, ...], folder: Path) -> None:
        self.name = name
        folder.mkdir(parents=True, exist_ok=True)
        self.fifos: dict[int, Path] = {}
        for reader in readers:
            path = folder / f"reader-{reader}.fifo"
            path.unlink(missing_ok=True)
            os.mkfifo(path, 0o600)
            self.fifos[reader] = path

    def present(self, reader: int, card_key: int) -> bool:
        """Send the card's frame to the agent; False if no agent reads the pipe (no power)."""
        path = self.fifos.get(reader)
        if path is None:
            raise SimError(f"controller {self.name} has no reader {reader}")
        fmt, facility, card = wiegand.fields_of_key(card_key)
        bits, value = wiegand.encode(fmt, facility, card)
        text = "".join(f"{t} D{line} {level}\n" for line, level, t in card_edges(bits, value))
        deadline = time.monotonic() + OPEN_RETRY_S
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as err:
                if err.errno != errno.ENXIO or time.monotonic() > deadline:
                    return False  # nobody has the pipe open for reading
                time.sleep(0.02)
                continue
            try:
                os.write(fd, text.encode())  # below PIPE_BUF: one atomic write
            finally:
                os.close(fd)
            return True

    def close(self) -> None:
        for path in self.fifos.values():
            path.unlink(missing_ok=True)
