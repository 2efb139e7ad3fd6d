"""The OSDP reader plugin: one RS-485 bus, several reader heads, libosdp's control panel.

libosdp (IEC 60839-11-5) runs the control-panel side: polling, the secure channel with a
key per reader (SCBK), retries. This module turns its events into ReaderEvents (card
reads, keypad PINs, tamper and power), watches each head's online state, and queues LED
and buzzer feedback. Everything that touches libosdp runs on the reader's own thread;
:meth:`OsdpReader.feedback` only puts commands on a queue.

libosdp marks a reader that stops answering offline for 300 s before it probes again;
a door reader must come back sooner, so a head that is offline is disabled and
re-enabled (``retry_s`` after it went offline, then every ``probe_s``), which makes
libosdp probe it at once. See docs/readers.md.
"""

from __future__ import annotations

import logging
import queue
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import osdp
import osdp_sys

from edge.readers.base import EventKind, EventSink, ReaderEvent
from edge.readers.configload import check_reader_id, fail, in_range
from edge.readers.keypad import PinEntry
from edge.readers.loop import ReaderThread
from edge.readers.osdp_channel import SerialChannel
from protocols.portable import cardkey, wiegand
from protocols.portable.errors import WiegandError

log = logging.getLogger(__name__)

LOG_LEVELS = {"error": osdp.LogLevel.Error, "warning": osdp.LogLevel.Warning,
              "info": osdp.LogLevel.Info, "debug": osdp.LogLevel.Debug}
# OSDP keypad data: ASCII digits; '*' is 0x7F and '#' is 0x0D (some readers send ASCII).
KEYPAD_BYTES = {0x7F: "*", 0x2A: "*", 0x0D: "#", 0x23: "#"} | {0x30 + d: str(d) for d in range(10)}
TENTHS = 10  # OSDP LED and buzzer times count 100 ms units


@dataclass(frozen=True)
class OsdpHeadConfig:
    """One reader head on the bus: its reader id, OSDP address and secure-channel key."""

    id: int
    address: int
    scbk: str | None = None  # 32 hex digits; required unless secure = false
    secure: bool = True

    def check(self, where: str) -> None:
        check_reader_id(where, self.id)
        in_range(where, "address", self.address, 0, 126)
        if self.secure:
            if self.scbk is None:
                raise fail(f"{where}.scbk", "missing (32 hex digits; or set secure = false)")
            try:
                key = bytes.fromhex(self.scbk)
            except ValueError:
                key = b""
            if len(key) != 16:
                raise fail(f"{where}.scbk", "must be 32 hex digits (a 16-byte key)")
        elif self.scbk is not None:
            raise fail(f"{where}.scbk", "given, but secure = false; remove one of them")

    def key(self) -> bytes | None:
        return bytes.fromhex(self.scbk) if self.secure and self.scbk else None


@dataclass(frozen=True)
class OsdpConfig:
    """``kind = "osdp"``: one RS-485 bus with its reader heads."""

    kind: Literal["osdp"]
    port: str
    heads: tuple[OsdpHeadConfig, ...]
    baud: Literal[9600, 19200, 38400, 57600, 115200, 230400] = 115200
    unknown_lengths: Literal["raw", "error"] = "raw"
    max_pin_digits: int = 12
    keypad_timeout_s: float = 10.0
    feedback_s: float = 2.0  # how long the LED shows grant or deny
    retry_s: float = 1.0  # offline this long -> probe again
    probe_s: float = 10.0  # a probe not answered within this -> probe again
    startup_grace_s: float = 10.0  # a head silent this long after start is reported offline
    refresh_ms: int = 10  # libosdp wants a refresh at least every 50 ms
    log_level: Literal["error", "warning", "info", "debug"] = "error"

    def check(self, where: str) -> None:
        if not self.port:
            raise fail(f"{where}.port", "must name a serial device")
        if not self.heads:
            raise fail(f"{where}.heads", "needs at least one reader head")
        seen: dict[int, int] = {}
        for i, head in enumerate(self.heads):
            if head.address in seen:
                raise fail(f"{where}.heads[{i}].address",
                           f"address {head.address} is already used by heads[{seen[head.address]}]")
            seen[head.address] = i
        in_range(where, "max_pin_digits", self.max_pin_digits, 1, 32)
        in_range(where, "keypad_timeout_s", self.keypad_timeout_s, 1, 600)
        in_range(where, "feedback_s", self.feedback_s, 0.1, 25)
        in_range(where, "retry_s", self.retry_s, 0.1, 600)
        # libosdp probes an enabled reader for about 8 s before it gives up.
        in_range(where, "probe_s", self.probe_s, 9, 3600)
        in_range(where, "startup_grace_s", self.startup_grace_s, 1, 3600)
        in_range(where, "refresh_ms", self.refresh_ms, 1, 50)


@dataclass
class _Head:
    """What the control loop knows about one head."""

    config: OsdpHeadConfig
    pins: PinEntry
    online: bool | None = None  # None: not heard from since start
    offline_at: float = 0.0
    enabled_at: float = 0.0
    disabling: bool = False
    local: dict[str, bool] = field(default_factory=lambda: {"tamper": False, "power": False})


class OsdpReader(ReaderThread):
    """The control panel of one OSDP bus, in its own thread."""

    def __init__(self, config: OsdpConfig, sink: EventSink, channel: Any) -> None:
        super().__init__(f"osdp-{config.port}", sink)
        self.config = config
        self._channel = channel  # anything with libosdp's read/write/flush
        self._heads = [
            _Head(h, PinEntry(self.counters, max_digits=config.max_pin_digits,
                              timeout_us=round(config.keypad_timeout_s * 1_000_000)))
            for h in config.heads
        ]
        self._index = {h.id: i for i, h in enumerate(config.heads)}
        self._commands: queue.SimpleQueue[tuple[int, dict[str, Any]]] = queue.SimpleQueue()

    @property
    def reader_ids(self) -> tuple[int, ...]:
        return tuple(h.id for h in self.config.heads)

    def feedback(self, reader: int, granted: bool) -> None:
        """Queue green LED + one beep (granted) or flashing red + three beeps (denied)."""
        index = self._index.get(reader)
        if index is None:
            self.counters.add("feedback_unknown_reader")
            log.warning("OSDP bus %s has no reader %s for feedback", self.config.port, reader)
            return
        tenths = round(self.config.feedback_s * TENTHS)
        color = osdp.CommandLEDColor.Green if granted else osdp.CommandLEDColor.Red
        self._commands.put((index, {
            "command": osdp.Command.LED, "reader": 0, "led_number": 0, "temporary": True,
            "control_code": 2,  # set the temporary state and start its timer
            "on_count": tenths if granted else 2, "off_count": 0 if granted else 2,
            "on_color": color,
            "off_color": color if granted else osdp.CommandLEDColor.Black,
            "timer_count": tenths,
        }))
        self._commands.put((index, {
            "command": osdp.Command.Buzzer, "reader": 0, "control_code": 2,  # default tone
            "on_count": 1, "off_count": 1, "rep_count": 1 if granted else 3,
        }))

    # -- the control loop (reader thread) -------------------------------------------------

    def _run(self) -> None:
        osdp_sys.set_loglevel(LOG_LEVELS[self.config.log_level])
        infos = []
        for head_config in self.config.heads:
            key = head_config.key()
            flags = [osdp.LibFlag.EnforceSecure] if key else []
            infos.append(osdp.PDInfo(head_config.address, self._channel, scbk=key, flags=flags,
                                     name=f"reader-{head_config.id}").get())
        try:
            cp = osdp_sys.ControlPanel(infos)
        except Exception as err:  # libosdp raises plain exceptions on bad setup
            self.counters.add("port_errors")
            log.error("OSDP bus %s: libosdp setup failed: %s", self.config.port, err)
            for head_config in self.config.heads:
                self._emit(ReaderEvent(EventKind.OFFLINE, head_config.id, detail=str(err)))
            return
        cp.set_event_callback(self._on_event)
        started = time.monotonic()
        for head in self._heads:
            head.enabled_at = started
        period = self.config.refresh_ms / 1000
        try:
            while not self._stopping.is_set():
                self._submit_queued(cp)
                cp.refresh()
                self._supervise(cp, started)
                self._stopping.wait(period)
        finally:
            close = getattr(self._channel, "close", None)
            if close is not None:
                close()

    def _submit_queued(self, cp: Any) -> None:
        while True:
            try:
                index, command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                accepted = cp.submit_command(index, command)
            except Exception as err:
                accepted = False
                log.warning("OSDP reader %s: command refused: %s", self._heads[index].config.id,
                            err)
            if not accepted:
                self.counters.add("commands_dropped")  # e.g. the head is offline
            else:
                self.counters.add("commands_sent")

    def _supervise(self, cp: Any, started: float) -> None:
        now = time.monotonic()
        status = cp.status()
        for i, head in enumerate(self._heads):
            if head.disabling:
                if cp.is_pd_enabled(i):
                    continue  # libosdp disables between commands
                cp.enable_pd(i)
                head.disabling = False
                head.enabled_at = now
                self.counters.add("probes")
                continue
            online = bool(status >> i & 1)
            if online and head.online is not True:
                head.online = True
                secure = bool(cp.sc_status() >> i & 1)
                detail = f"osdp address {head.config.address}" + (
                    ", secure channel" if secure else ", no secure channel")
                self._emit(ReaderEvent(EventKind.ONLINE, head.config.id, detail=detail))
                # Learn tamper and power as they are now (they may have changed while away).
                self._commands.put((i, {"command": osdp.Command.Status,
                                        "type": osdp.StatusReportType.Local}))
            elif not online:
                silent = head.online is None and now - started >= self.config.startup_grace_s
                if head.online is True or silent:
                    head.online = False
                    head.offline_at = now
                    self._emit(ReaderEvent(EventKind.OFFLINE, head.config.id,
                                           detail=f"osdp address {head.config.address}"))
                if (head.online is False and now - head.offline_at >= self.config.retry_s
                        and now - head.enabled_at >= self.config.probe_s):
                    cp.disable_pd(i)  # re-enabled on a later pass: libosdp probes it at once
                    head.disabling = True
                elif head.online is None and now - head.enabled_at >= self.config.probe_s:
                    cp.disable_pd(i)
                    head.disabling = True

    def _on_event(self, index: int, event: dict[str, Any]) -> int:
        # Called by libosdp inside refresh(), on this thread. Never let an error escape
        # into C: count it and go on.
        try:
            self._event(self._heads[index], event)
        except Exception:
            self.counters.add("event_errors")
            log.exception("OSDP bus %s: could not handle an event", self.config.port)
        return 0

    def _event(self, head: _Head, event: dict[str, Any]) -> None:
        kind = event.get("event")
        reader = head.config.id
        if kind == osdp.Event.CardRead:
            key = self._card_key(event)
            if key is not None:
                self.counters.add("cards")
                self._emit(ReaderEvent(EventKind.CARD, reader, card_key=key,
                                       detail=cardkey.format_name(cardkey.split_key(key)[0])))
        elif kind == osdp.Event.KeyPress:
            t_us = time.monotonic_ns() // 1000
            for byte in bytes(event.get("data", b"")):
                char = KEYPAD_BYTES.get(byte)
                if char is None:
                    self.counters.add("keypad_errors")
                    continue
                self.counters.add("keys")
                pin = head.pins.key(char, t_us)
                if pin is not None:
                    self._emit(ReaderEvent(EventKind.PIN, reader, pin=pin))
        elif kind == osdp.Event.Status and event.get("type") == osdp.StatusReportType.Local:
            report = bytes(event.get("report", b""))
            for name, kind_of, position in (("tamper", EventKind.TAMPER, 0),
                                            ("power", EventKind.POWER, 1)):
                if len(report) > position:
                    alarm = report[position] != 0
                    if alarm != head.local[name]:
                        head.local[name] = alarm
                        self._emit(ReaderEvent(kind_of, reader, alarm=alarm))
        else:
            self.counters.add("events_ignored")

    def _card_key(self, event: dict[str, Any]) -> int | None:
        data = bytes(event.get("data", b""))
        bits = int(event.get("length", 0))
        fmt = event.get("format")
        if bits < 1 or bits > 8 * len(data) or fmt not in (osdp.CardFormat.Wiegand,
                                                            osdp.CardFormat.Unspecified):
            self.counters.add("unsupported_cards")
            return None
        value = int.from_bytes(data, "big") >> (8 * len(data) - bits)  # left-aligned bits
        if fmt == osdp.CardFormat.Unspecified:
            if bits > cardkey.VALUE_BITS:
                self.counters.add("unsupported_cards")
                return None
            return cardkey.card_key(cardkey.raw_format(bits), value)
        try:
            return wiegand.card_key_of(bits, value, None, self.config.unknown_lengths)
        except WiegandError as err:
            self.counters.add("parity_errors")
            log.info("OSDP bus %s: rejected a %s-bit card: %s", self.config.port, bits, err)
            return None


def create(config: OsdpConfig, sink: EventSink) -> OsdpReader:
    """The reader a config describes, on its RS-485 serial port."""
    channel = SerialChannel(config.port, config.baud)
    reader = OsdpReader(config, sink, channel)
    channel.counters = reader.counters  # port errors show in the reader's stats
    return reader
