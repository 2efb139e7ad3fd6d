"""Virtual OSDP reader buses: libosdp's real reader side on a pseudo-terminal.

A controller's agent opens its OSDP bus as a serial port (``/dev/pts/N``); the simulator
holds the other end of the pseudo-terminal and runs one :class:`VirtualOsdpReader`
(libosdp's peripheral-device side, secure channel included) per reader head on it. So
the agent process talks real OSDP over a real serial device, exactly as to an RS-485
adapter, and the simulator presents cards by submitting card-read events.

The bus is multi-drop: whatever the control panel sends reaches every reader (each
answers only its own address), and every reader's reply goes to the control panel.
The simulator keeps the terminal's other end open, so the bus survives the agent being
killed and restarted (a power cycle): the new process opens the same device.
"""

from __future__ import annotations

import logging
import os
import pty
import select
import threading
import tty
from collections import deque
from dataclasses import dataclass

from edge.readers.osdp_virtual import VirtualOsdpReader
from protocols.portable import wiegand
from sim.errors import SimError

log = logging.getLogger(__name__)

POLL_S = 0.2


class _HeadChannel:
    """One reader's libosdp Channel: reads its own copy of the bus, writes to the bus."""

    def __init__(self, bus: OsdpBus) -> None:
        self.id = 0
        self._bus = bus
        self._inbox: deque[bytes] = deque()
        self._lock = threading.Lock()

    def deliver(self, data: bytes) -> None:
        with self._lock:
            self._inbox.append(data)

    def read(self, max_bytes: int) -> bytes:
        with self._lock:
            if not self._inbox:
                return b""
            chunk = self._inbox[0]
            if len(chunk) <= max_bytes:
                self._inbox.popleft()
                return chunk
            self._inbox[0] = chunk[max_bytes:]
            return chunk[:max_bytes]

    def write(self, buf: bytes) -> int:
        return self._bus.send(bytes(buf))

    def flush(self) -> None:
        with self._lock:
            self._inbox.clear()


@dataclass(frozen=True)
class Head:
    """A reader head on the bus: its reader id on the controller, OSDP address and key."""

    reader: int
    address: int
    scbk: bytes


class OsdpBus:
    """One controller's OSDP bus on a pseudo-terminal, with a virtual reader per head."""

    def __init__(self, name: str, heads: list[Head]) -> None:
        self.name = name
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.port = os.ttyname(self._slave)
        self._write_lock = threading.Lock()
        self._channels: list[_HeadChannel] = []
        self.readers: dict[int, VirtualOsdpReader] = {}
        self.heads = {head.reader: head for head in heads}
        for head in heads:
            channel = _HeadChannel(self)
            self._channels.append(channel)
            self.readers[head.reader] = VirtualOsdpReader(head.address, channel, head.scbk)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name=f"osdp-bus-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()
        for reader in self.readers.values():
            reader.start()

    def stop(self) -> None:
        """Stop the readers and the pump, close the terminal; safe to call twice."""
        for reader in self.readers.values():
            reader.stop()
        if not self._stop.is_set():
            self._stop.set()
            if self._thread.is_alive():
                self._thread.join(2)
            for fd in (self._master, self._slave):
                try:
                    os.close(fd)
                except OSError:
                    pass

    def present(self, reader: int, card_key: int) -> None:
        """Present a card (by its key) at reader ``reader``, as raw Wiegand bits."""
        virtual = self.readers.get(reader)
        if virtual is None:
            raise SimError(f"controller {self.name} has no reader {reader} "
                           f"(readers: {', '.join(str(r) for r in sorted(self.readers))})")
        fmt, facility, card = wiegand.fields_of_key(card_key)
        virtual.present_card(*wiegand.encode(fmt, facility, card))

    def secure(self, reader: int) -> bool:
        """Whether the agent set up the secure channel with this reader (it is online)."""
        # wait_secure() checks at least once only with a deadline in the future
        return self.readers[reader].wait_secure(0.02)

    def send(self, data: bytes) -> int:
        """A reader's reply onto the line (to the control panel)."""
        with self._write_lock:
            try:
                return os.write(self._master, data)
            except BlockingIOError:
                return 0  # the terminal's buffer is full: libosdp sends it again
            except OSError:
                return len(data)  # nobody listens (the agent is down): lost on the wire

    def _pump(self) -> None:
        """Copy what the control panel sends to every reader's inbox."""
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master], [], [], POLL_S)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                self._stop.wait(POLL_S)  # no process has the device open right now
                continue
            for channel in self._channels:
                channel.deliver(data)
