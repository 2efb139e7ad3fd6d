"""USB keyboard-wedge readers: the card number typed as digits, then Enter.

The reader is a Linux input device (evdev); it is grabbed so its keystrokes do not reach
a console. :class:`WedgeParser` turns key events into lines and knows key codes by number
(linux/input-event-codes.h, a stable kernel ABI), so it needs no evdev and is tested on
recorded event sequences. The device itself sits behind the small :class:`InputSource`
port; :class:`EvdevSource` is the only part that needs /dev/input.
"""

from __future__ import annotations

import logging
import select
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from edge.readers.base import Counters, EventKind, EventSink, ReaderEvent
from edge.readers.configload import check_reader_id, fail, in_range
from edge.readers.errors import ReaderPortError
from edge.readers.loop import ReaderThread
from edge.readers.textkeys import key_from_text, text_problem

log = logging.getLogger(__name__)

EV_KEY = 1
KEY_DOWN = 1  # 0 is up, 2 is auto-repeat
KEY_CODES = {
    2: "1", 3: "2", 4: "3", 5: "4", 6: "5", 7: "6", 8: "7", 9: "8", 10: "9", 11: "0",
    79: "1", 80: "2", 81: "3", 75: "4", 76: "5", 77: "6", 71: "7", 72: "8", 73: "9", 82: "0",
    30: "A", 48: "B", 46: "C", 32: "D", 18: "E", 33: "F",
}
ENTER_CODES = frozenset({28, 96})  # KEY_ENTER, KEY_KPENTER
MODIFIER_CODES = frozenset({29, 42, 54, 56, 97, 100, 58, 69})  # ctrl, shift, alt, locks
POLL_S = 0.05

InputEvent = tuple[int, int, int]  # (type, code, value) as the kernel reports them


class InputSource(Protocol):
    """The port: key events of one input device."""

    def open(self) -> None:
        """Open (and grab) the device."""

    def read(self, timeout_s: float) -> list[InputEvent]:
        """Events since the last call, waiting up to ``timeout_s``; ReaderPortError if gone."""

    def close(self) -> None:
        """Release the device."""


@dataclass(frozen=True)
class UsbHidConfig:
    """``kind = "usb"``: a keyboard-wedge reader."""

    kind: Literal["usb"]
    id: int
    device: str  # e.g. /dev/input/by-id/usb-...-event-kbd (stable across replugging)
    grab: bool = True
    radix: Literal[10, 16] = 10
    key_bits: int = 32
    max_line: int = 32
    reopen_s: float = 2.0

    def check(self, where: str) -> None:
        check_reader_id(where, self.id)
        if not self.device.startswith("/"):
            raise fail(f"{where}.device", "must be an absolute path under /dev/input")
        in_range(where, "key_bits", self.key_bits, 1, 56)
        in_range(where, "max_line", self.max_line, 1, 256)
        in_range(where, "reopen_s", self.reopen_s, 0.1, 600)


class WedgeParser:
    """Key events -> typed lines; a line with any other key is garbage (counted)."""

    def __init__(self, counters: Counters, max_line: int) -> None:
        self._counters = counters
        self._max = max_line
        self._chars: list[str] = []
        self._bad = False

    def reset(self) -> None:
        """Forget a partly typed line (the device went away in the middle of it)."""
        self._chars, self._bad = [], False

    def feed(self, type_: int, code: int, value: int) -> str | None:
        """One event; returns the line when Enter ends a clean one."""
        if type_ != EV_KEY or value != KEY_DOWN or code in MODIFIER_CODES:
            return None  # sync, scan codes, key-ups, repeats and modifiers carry no digit
        if code in ENTER_CODES:
            line, bad = "".join(self._chars), self._bad
            self._chars, self._bad = [], False
            if bad:
                self._counters.add("garbage_lines")
                return None
            return line or None
        char = KEY_CODES.get(code)
        if char is None or len(self._chars) >= self._max:
            self._bad = True
        else:
            self._chars.append(char)
        return None


class EvdevSource:
    """InputSource on a Linux input device through python-evdev (imported when opened)."""

    def __init__(self, path: str, *, grab: bool = True) -> None:
        self._path = path
        self._grab = grab
        self._device: Any = None

    def open(self) -> None:
        try:
            import evdev  # noqa: PLC0415 - Linux only; only this port needs it

            self._device = evdev.InputDevice(self._path)
            if self._grab:
                self._device.grab()
        except (ImportError, OSError) as err:
            self.close()
            raise ReaderPortError(f"cannot open input device {self._path}: {err}") from err

    def read(self, timeout_s: float) -> list[InputEvent]:
        device = self._device
        try:
            ready, _, _ = select.select([device.fd], [], [], timeout_s)
            if not ready:
                return []
            return [(e.type, e.code, e.value) for e in device.read()]
        except BlockingIOError:
            return []
        except OSError as err:  # ENODEV when the reader is unplugged
            raise ReaderPortError(f"input device {self._path}: {err}") from err

    def close(self) -> None:
        if self._device is not None:
            try:
                self._device.close()
            except OSError:
                pass  # already gone
            self._device = None


def _evdev_source(config: UsbHidConfig) -> InputSource:
    return EvdevSource(config.device, grab=config.grab)


class UsbHidReader(ReaderThread):
    """One keyboard-wedge reader in its own thread."""

    def __init__(self, config: UsbHidConfig, sink: EventSink,
                 make_source: Callable[[UsbHidConfig], InputSource] | None = None) -> None:
        super().__init__(f"usb-{config.id}", sink)
        self.config = config
        self._make_source = make_source or _evdev_source
        self._parser = WedgeParser(self.counters, config.max_line)

    @property
    def reader_ids(self) -> tuple[int, ...]:
        return (self.config.id,)

    def feedback(self, reader: int, granted: bool) -> None:
        """Keyboard wedges have no LED or buzzer input: counted, nothing else."""
        self.counters.add("feedback_unwired")

    def _run(self) -> None:
        online: bool | None = None
        while not self._stopping.is_set():
            source = self._make_source(self.config)
            try:
                source.open()
                self._parser.reset()
                self._emit(ReaderEvent(EventKind.ONLINE, self.config.id, detail=self.config.device))
                online = True
                while not self._stopping.is_set():
                    for type_, code, value in source.read(POLL_S):
                        self._event(type_, code, value)
            except ReaderPortError as err:
                self.counters.add("port_errors")
                if online is not False:
                    log.warning("usb reader %s: %s", self.config.id, err)
                    self._emit(ReaderEvent(EventKind.OFFLINE, self.config.id, detail=str(err)))
                online = False
                self._stopping.wait(self.config.reopen_s)
            finally:
                source.close()

    def _event(self, type_: int, code: int, value: int) -> None:
        line = self._parser.feed(type_, code, value)
        if line is None:
            return
        if text_problem(line, self.config.radix, self.config.key_bits) is not None:
            self.counters.add("garbage_lines")
            return
        self.counters.add("cards")
        key = key_from_text(line, self.config.radix, self.config.key_bits)
        self._emit(ReaderEvent(EventKind.CARD, self.config.id, card_key=key))


def create(config: UsbHidConfig, sink: EventSink) -> UsbHidReader:
    """The reader a config describes, on its evdev device."""
    return UsbHidReader(config, sink)
