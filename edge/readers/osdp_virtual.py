"""A virtual OSDP reader: libosdp's real peripheral-device side, for tests and the simulator.

It answers the control panel over any libosdp Channel (an :class:`InProcessBus`
endpoint, or a serial port), with the secure channel when given a key, and lets a
test or the simulator present cards, press keys, raise tamper and power alarms, and see
the LED and buzzer commands the control panel sent.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import osdp

from edge.readers.errors import ReaderPortError
from protocols.portable import wiegand

CAPABILITIES = [
    (osdp.Capability.CommunicationSecurity, 1, 1),
    (osdp.Capability.LEDControl, 1, 1),
    (osdp.Capability.AudibleControl, 1, 1),
    (osdp.Capability.CardDataFormat, 1, 1),
    (osdp.Capability.Readers, 1, 1),
]


class VirtualOsdpReader:
    """One OSDP reader head with a keypad, LED and buzzer."""

    def __init__(self, address: int, channel: Any, scbk: bytes | None = None) -> None:
        flags = [osdp.LibFlag.EnforceSecure] if scbk else []
        info = osdp.PDInfo(address, channel, scbk=scbk, flags=flags, name=f"virtual-{address}")
        self.address = address
        self._cond = threading.Condition()
        self.commands: list[dict[str, Any]] = []
        self._pd = osdp.PeripheralDevice(info, osdp.PDCapabilities(CAPABILITIES),
                                         log_level=osdp.LogLevel.Error,
                                         command_handler=self._on_command)

    def _on_command(self, command: dict[str, Any]) -> tuple[int, None]:
        with self._cond:
            self.commands.append(dict(command))
            self._cond.notify_all()
        return 0, None

    def start(self) -> None:
        self._pd.start()

    def stop(self) -> None:
        """Stop answering (a reader that lost power); safe to call twice."""
        if self._pd.thread is not None:
            self._pd.stop()

    def wait_secure(self, timeout_s: float) -> bool:
        """True once the control panel set up the secure channel with this reader."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._pd.is_sc_active():
                return True
            time.sleep(0.01)
        return False

    def wait_command(self, kind: int, timeout_s: float) -> dict[str, Any] | None:
        """The first received command of ``kind`` (osdp.Command.LED, ...), waiting for it."""
        def found() -> dict[str, Any] | None:
            return next((c for c in self.commands if c.get("command") == kind), None)

        with self._cond:
            self._cond.wait_for(lambda: found() is not None, timeout_s)
            return found()

    def present_card(self, bits: int, value: int) -> None:
        """A card read as raw Wiegand bits (what most OSDP readers report)."""
        data = (value << (-bits % 8)).to_bytes((bits + 7) // 8, "big")  # left-aligned
        self._submit({"event": osdp.Event.CardRead, "reader_no": 0, "direction": 0,
                      "format": osdp.CardFormat.Wiegand, "length": bits, "data": data})

    def present_raw(self, bits: int, data: bytes) -> None:
        """A card read in OSDP's "raw, unspecified" format (a UID, say), bits left-aligned."""
        self._submit({"event": osdp.Event.CardRead, "reader_no": 0, "direction": 0,
                      "format": osdp.CardFormat.Unspecified, "length": bits, "data": data})

    def present_wiegand(self, format_id: int, facility: int | None, card: int) -> None:
        """A card of a known format, given by its fields."""
        self.present_card(*wiegand.encode(format_id, facility, card))

    def press(self, keys: str) -> None:
        """Key presses as OSDP sends them: digits, '*' as 0x7F, '#' as 0x0D."""
        data = bytes(0x7F if k == "*" else 0x0D if k == "#" else ord(k) for k in keys)
        self._submit({"event": osdp.Event.KeyPress, "reader_no": 0, "data": data})

    def local_status(self, *, tamper: bool, power_fault: bool) -> None:
        """Report the reader's tamper switch and power state."""
        self._submit({"event": osdp.Event.Status, "type": osdp.StatusReportType.Local,
                      "report": bytes([int(tamper), int(power_fault)])})

    def _submit(self, event: dict[str, Any]) -> None:
        if not self._pd.submit_event(event):
            raise ReaderPortError(f"libosdp refused the event {event['event']}")
