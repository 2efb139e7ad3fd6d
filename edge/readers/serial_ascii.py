"""Serial ASCII readers: RDM6300/EM4100 modules and generic "line of digits" readers.

RDM6300-style 125 kHz modules send, at 9600 baud, ``STX`` + 10 hex digits (the 40-bit
EM4100 id: version byte and 32-bit number) + 2 hex digits of checksum (XOR of the five
id bytes) + ``ETX``, and repeat it while the tag stays in the field. "Line" readers send
a card number as digits ended by CR and/or LF. Checksum errors and garbage are counted and
the parser resynchronises on the next STX or line end. The port is pyserial's; a port
that fails (a USB adapter pulled) is reported offline and reopened.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import serial

from edge.readers.base import Counters, EventKind, EventSink, ReaderEvent
from edge.readers.configload import check_reader_id, fail, in_range
from edge.readers.loop import ReaderThread
from edge.readers.textkeys import EmKey, em4100_key, key_from_text, text_problem

log = logging.getLogger(__name__)

STX = 0x02
ETX = 0x03
RDM_BODY = 12  # 10 id digits + 2 checksum digits
HEX = frozenset(b"0123456789ABCDEFabcdef")
READ_TIMEOUT_S = 0.05  # bounds stop() latency when cancel_read is unavailable


class SerialPort(Protocol):
    """What the reader needs of a pyserial port."""

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SerialAsciiConfig:
    """``kind = "serial"``: one reader on a serial port."""

    kind: Literal["serial"]
    id: int
    port: str
    protocol: Literal["rdm6300", "line"] = "rdm6300"
    baud: int = 9600
    em_key: EmKey = "raw40"  # rdm6300: which bits of the EM4100 id make the card key
    radix: Literal[10, 16] = 10  # line: how the number is written
    key_bits: int = 32  # line: card keys are raw numbers of this many bits
    max_line: int = 32  # line: longer lines are garbage
    repeat_ms: int = 1500  # the same card again within this time is the same read
    reopen_s: float = 2.0

    def check(self, where: str) -> None:
        check_reader_id(where, self.id)
        if not self.port:
            raise fail(f"{where}.port", "must name a serial device")
        in_range(where, "baud", self.baud, 300, 1_000_000)
        in_range(where, "key_bits", self.key_bits, 1, 56)
        in_range(where, "max_line", self.max_line, 1, 256)
        in_range(where, "repeat_ms", self.repeat_ms, 0, 60_000)
        in_range(where, "reopen_s", self.reopen_s, 0.1, 600)


class Rdm6300Parser:
    """Bytes -> 40-bit EM4100 ids; bad frames counted, resynchronised on STX."""

    def __init__(self, counters: Counters) -> None:
        self._counters = counters
        self._body: bytearray | None = None  # None: waiting for STX

    def reset(self) -> None:
        """Drop a partial frame (the port was reopened)."""
        self._body = None

    def feed(self, data: bytes) -> list[int]:
        ids: list[int] = []
        for byte in data:
            if byte == STX:
                if self._body:
                    self._counters.add("framing_errors")  # a new frame cut this one short
                self._body = bytearray()
            elif self._body is None:
                self._counters.add("garbage_bytes")
            elif len(self._body) == RDM_BODY:
                if byte == ETX:
                    value = self._checked(bytes(self._body))
                    if value is not None:
                        ids.append(value)
                else:
                    self._counters.add("framing_errors")
                self._body = None
            elif byte in HEX:
                self._body.append(byte)
            else:
                self._counters.add("framing_errors")
                self._body = None
        return ids

    def _checked(self, body: bytes) -> int | None:
        raw = bytes.fromhex(body.decode("ascii"))
        check = 0
        for b in raw[:5]:
            check ^= b
        if check != raw[5]:
            self._counters.add("checksum_errors")
            return None
        return int.from_bytes(raw[:5], "big")


class LineParser:
    """Bytes -> lines of text ended by CR or LF; overlong lines dropped whole."""

    def __init__(self, counters: Counters, max_line: int) -> None:
        self._counters = counters
        self._max = max_line
        self._line = bytearray()
        self._overlong = False

    def reset(self) -> None:
        """Drop a partial line (the port was reopened)."""
        self._line.clear()
        self._overlong = False

    def feed(self, data: bytes) -> list[str]:
        lines: list[str] = []
        for byte in data:
            if byte in (0x0A, 0x0D):
                if self._overlong:
                    self._counters.add("overlong_lines")
                elif self._line:  # CRLF makes an empty line: not a read
                    lines.append(self._line.decode("latin-1").strip())
                self._line.clear()
                self._overlong = False
            elif len(self._line) >= self._max:
                self._overlong = True
            else:
                self._line.append(byte)
        return lines


def _open_serial(config: SerialAsciiConfig) -> SerialPort:
    return serial.Serial(config.port, config.baud, timeout=READ_TIMEOUT_S)


class SerialAsciiReader(ReaderThread):
    """One serial reader in its own thread."""

    def __init__(self, config: SerialAsciiConfig, sink: EventSink,
                 open_port: Callable[[SerialAsciiConfig], SerialPort] = _open_serial,
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(f"serial-{config.id}", sink)
        self.config = config
        self._open_port = open_port
        self._port: SerialPort | None = None
        self._rdm = Rdm6300Parser(self.counters)
        self._lines = LineParser(self.counters, config.max_line)
        self._last: tuple[int, float] | None = None  # (key, when) of the last card
        self._clock = clock or time.monotonic

    @property
    def reader_ids(self) -> tuple[int, ...]:
        return (self.config.id,)

    def feedback(self, reader: int, granted: bool) -> None:
        """Serial modules have no LED or buzzer input: counted, nothing else."""
        self.counters.add("feedback_unwired")

    def _wake(self) -> None:
        cancel = getattr(self._port, "cancel_read", None)
        if cancel is not None:
            try:
                cancel()
            except (serial.SerialException, OSError):
                pass  # the port is going away anyway

    def _run(self) -> None:
        online: bool | None = None
        while not self._stopping.is_set():
            try:
                self._port = self._open_port(self.config)
            except (serial.SerialException, OSError) as err:
                self.counters.add("port_errors")
                if online is not False:
                    log.warning("serial reader %s: cannot open %s: %s", self.config.id,
                                self.config.port, err)
                    self._emit(ReaderEvent(EventKind.OFFLINE, self.config.id, detail=str(err)))
                    online = False
                self._stopping.wait(self.config.reopen_s)
                continue
            # Also on the first open: bytes sent before the port was open are lost (pyserial
            # flushes on open), so ONLINE says from when reads count.
            self._emit(ReaderEvent(EventKind.ONLINE, self.config.id, detail=self.config.port))
            online = True
            self._rdm.reset()
            self._lines.reset()
            try:
                self._read_until_stopped(self._port)
            except (serial.SerialException, OSError) as err:
                self.counters.add("port_errors")
                log.warning("serial reader %s: %s failed: %s", self.config.id,
                            self.config.port, err)
                self._emit(ReaderEvent(EventKind.OFFLINE, self.config.id, detail=str(err)))
                online = False
                self._stopping.wait(self.config.reopen_s)
            finally:
                port, self._port = self._port, None
                try:
                    port.close()
                except (serial.SerialException, OSError):
                    pass  # closing a port that is already gone

    def _read_until_stopped(self, port: SerialPort) -> None:
        while not self._stopping.is_set():
            data = port.read(256)
            if not data:
                continue
            if self.config.protocol == "rdm6300":
                for value in self._rdm.feed(data):
                    self._card(em4100_key(value, self.config.em_key))
            else:
                for line in self._lines.feed(data):
                    problem = text_problem(line, self.config.radix, self.config.key_bits)
                    if problem is not None:
                        self.counters.add("garbage_lines")
                        continue
                    self._card(key_from_text(line, self.config.radix, self.config.key_bits))

    def _card(self, key: int) -> None:
        # Modules repeat a frame while the tag is in the field: one presentation, one read.
        now = self._clock()
        last = self._last
        self._last = (key, now)
        if last is not None and last[0] == key and now - last[1] < self.config.repeat_ms / 1000:
            self.counters.add("repeats")
            return
        self.counters.add("cards")
        self._emit(ReaderEvent(EventKind.CARD, self.config.id, card_key=key))


def create(config: SerialAsciiConfig, sink: EventSink) -> SerialAsciiReader:
    """The reader a config describes, on its pyserial port."""
    return SerialAsciiReader(config, sink)
