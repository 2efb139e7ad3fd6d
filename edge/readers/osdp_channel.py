"""OSDP channels: libosdp's three-method ``Channel`` (read, write, flush) for a bus.

:class:`SerialChannel` is the RS-485 line through pyserial (production).
:class:`InProcessBus` is a bus in memory for tests and the simulator: whatever one
endpoint writes, every other connected endpoint reads, as on a half-duplex RS-485 pair.
An endpoint can be disconnected to make a reader go silent (a cut cable, a dead reader).

libosdp calls these from the control panel's refresh, so none of them may block.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

import serial

from edge.readers.base import Counters

log = logging.getLogger(__name__)


class SerialChannel:
    """libosdp Channel on a serial port, non-blocking; reopens a port that went away."""

    def __init__(self, port: str, baud: int, counters: Counters | None = None, *,
                 reopen_s: float = 2.0) -> None:
        self.id = 0  # libosdp groups PDs that share a channel id onto one bus
        self._port_name = port
        self._baud = baud
        self.counters = counters or Counters()  # the reader hands over its own
        self._reopen_s = reopen_s
        self._serial: serial.Serial | None = None
        self._next_open = 0.0

    def _port(self) -> serial.Serial | None:
        if self._serial is None and time.monotonic() >= self._next_open:
            try:
                self._serial = serial.Serial(self._port_name, self._baud, timeout=0,
                                             write_timeout=0)
            except (serial.SerialException, OSError) as err:
                self._failed("open", err)
        return self._serial

    def _failed(self, what: str, err: Exception) -> None:
        # The readers go offline on their own (no replies); say once per attempt why.
        self.counters.add("port_errors")
        log.warning("OSDP port %s: %s failed: %s", self._port_name, what, err)
        self.close()
        self._next_open = time.monotonic() + self._reopen_s

    def read(self, max_bytes: int) -> bytes:
        port = self._port()
        if port is None:
            return b""
        try:
            return bytes(port.read(max_bytes))
        except (serial.SerialException, OSError) as err:
            self._failed("read", err)
            return b""

    def write(self, buf: bytes) -> int:
        port = self._port()
        if port is None:
            return 0
        try:
            return port.write(buf) or 0
        except serial.SerialTimeoutException:
            return 0  # the driver's buffer is full; libosdp sends the rest later
        except (serial.SerialException, OSError) as err:
            self._failed("write", err)
            return 0

    def flush(self) -> None:
        # libosdp flushes to drop stale received bytes after an error or timeout.
        port = self._serial
        if port is not None:
            try:
                port.reset_input_buffer()
            except (serial.SerialException, OSError) as err:
                self._failed("flush", err)

    def close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                pass  # closing a port that is already gone
            self._serial = None


class InProcessBus:
    """An RS-485 bus in memory; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.endpoints: list[BusEndpoint] = []

    def endpoint(self) -> BusEndpoint:
        """A new device on the bus (a control panel or a reader)."""
        end = BusEndpoint(self)
        with self.lock:
            self.endpoints.append(end)
        return end


class BusEndpoint:
    """One device's connection to an :class:`InProcessBus` (a libosdp Channel)."""

    def __init__(self, bus: InProcessBus) -> None:
        self.id = 0
        self._bus = bus
        # Bytes in the order written, kept in the chunks they were written in: a read never
        # joins two devices' transmissions (see read()).
        self._inbox: deque[bytes] = deque()
        self._connected = True

    @property
    def connected(self) -> bool:
        return self._connected

    @connected.setter
    def connected(self, value: bool) -> None:
        with self._bus.lock:
            self._connected = value
            self._inbox.clear()  # bytes in flight when the cable was cut are lost

    def read(self, max_bytes: int) -> bytes:
        """At most one transmission's bytes.

        On a real line transmissions are separated by turnaround gaps and a device reads
        faster than packets come, so it rarely sees two at once. Joining them made
        libosdp's reader side miss commands now and then (a read holding another reader's
        reply followed by a command went unanswered: "No response in 200ms; probing"),
        which a real bus does not cause.
        """
        with self._bus.lock:
            if not self._inbox:
                return b""
            chunk = self._inbox[0]
            if len(chunk) <= max_bytes:
                self._inbox.popleft()
                return chunk
            self._inbox[0] = chunk[max_bytes:]
            return chunk[:max_bytes]

    def write(self, buf: bytes) -> int:
        with self._bus.lock:
            if self._connected:
                for end in self._bus.endpoints:
                    if end is not self and end._connected:
                        end._inbox.append(bytes(buf))
        return len(buf)

    def flush(self) -> None:
        with self._bus.lock:
            self._inbox.clear()
