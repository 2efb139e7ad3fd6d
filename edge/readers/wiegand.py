"""The Wiegand reader plugin: config, frame decoding (cards and keypads), reader thread.

Edges come from an :class:`EdgeSource` port: GPIO on a Raspberry Pi
(wiegand_gpio.py) or the replaying fake (wiegand_replay.py). Frames are assembled by
wiegand_frames.py and decoded with ``protocols.portable.wiegand``; 4- and 8-bit frames
are keypad keys, collected into a PIN that '#' submits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from edge.readers.base import Counters, EventKind, EventSink, ReaderEvent
from edge.readers.configload import check_reader_id, fail, in_range
from edge.readers.keypad import PinEntry
from edge.readers.loop import ReaderThread
from edge.readers.wiegand_frames import Edge, Frame, FrameAssembler, WiegandTiming
from protocols.portable import cardkey, wiegand
from protocols.portable.errors import WiegandError

log = logging.getLogger(__name__)

POLL_S = 0.05  # longest wait for edges: bounds stop() latency
KEY_CHARS = "0123456789*#"  # 4-bit keypad codes 0..11


class EdgeSource(Protocol):
    """The port a Wiegand reader reads: timestamped edges of its D0/D1 lines."""

    def open(self) -> None:
        """Claim the lines; edges are recorded from now on."""

    def read(self, timeout_s: float) -> list[Edge]:
        """The edges since the last call, waiting up to ``timeout_s`` for the first."""

    def now_us(self) -> int:
        """The current time on the clock of the edges' timestamps."""

    def close(self) -> None:
        """Release the lines."""


class FeedbackLines(Protocol):
    """The reader's LED and beeper inputs, driven by the controller (optional)."""

    def signal(self, granted: bool) -> None:
        """Show grant or deny; returns at once (the lines change in the background)."""

    def close(self) -> None:
        """Release the lines."""


def format_id(name: str) -> int | None:
    """The card format id of a config ``format`` value ("auto" gives None)."""
    if name == "auto":
        return None
    if name.startswith("RAW") and name[3:].isdigit() and 1 <= int(name[3:]) <= 56:
        return cardkey.raw_format(int(name[3:]))
    for fmt, known in cardkey.FORMAT_NAMES.items():
        if known == name and fmt != cardkey.KEYPAD:
            return fmt
    raise ValueError(name)


@dataclass(frozen=True)
class WiegandConfig:
    """``kind = "wiegand"``: one reader on two GPIO lines (or a replayed recording)."""

    kind: Literal["wiegand"]
    id: int
    source: Literal["gpio", "replay"] = "gpio"
    d0_pin: int | None = None  # BCM GPIO numbers
    d1_pin: int | None = None
    replay_file: str | None = None
    format: str = "auto"  # auto, H10301, H10306, CORP1000-35, H10304, CORP1000-48, RAW<n>
    unknown_lengths: Literal["raw", "error"] = "raw"
    min_card_bits: int = 26  # shorter frames that are not keypad keys are rejected
    keypad: bool = True  # 4- and 8-bit frames are keys
    max_pin_digits: int = 12
    keypad_timeout_s: float = 10.0
    min_pulse_us: int = 10
    max_pulse_us: int = 500
    min_bit_period_us: int = 150
    frame_timeout_ms: float = 25.0
    led_pin: int | None = None
    beeper_pin: int | None = None
    feedback_active_low: bool = True  # most readers: pull the LED/beeper line low
    feedback_s: float = 1.0

    def check(self, where: str) -> None:
        """Raise ReaderConfigError naming the first bad key."""
        check_reader_id(where, self.id)
        if self.source == "gpio":
            for key in ("d0_pin", "d1_pin"):
                if getattr(self, key) is None:
                    raise fail(f"{where}.{key}", "missing (required when source = 'gpio')")
            if self.d0_pin == self.d1_pin:
                raise fail(f"{where}.d1_pin", "must differ from d0_pin")
        elif self.replay_file is None:
            raise fail(f"{where}.replay_file", "missing (required when source = 'replay')")
        for key in ("d0_pin", "d1_pin", "led_pin", "beeper_pin"):
            pin = getattr(self, key)
            if pin is not None:
                in_range(where, key, pin, 0, 53)
        try:
            format_id(self.format)
        except ValueError:
            known = [n for f, n in cardkey.FORMAT_NAMES.items() if f != cardkey.KEYPAD]
            raise fail(f"{where}.format", f"unknown format {self.format!r} (known: auto, "
                       f"{', '.join(known)}, RAW1..RAW56)") from None
        in_range(where, "min_card_bits", self.min_card_bits, 1, wiegand.MAX_FRAME_BITS)
        in_range(where, "max_pin_digits", self.max_pin_digits, 1, 32)
        in_range(where, "keypad_timeout_s", self.keypad_timeout_s, 1, 600)
        in_range(where, "min_pulse_us", self.min_pulse_us, 0, 10_000)
        in_range(where, "max_pulse_us", self.max_pulse_us, self.min_pulse_us, 100_000)
        in_range(where, "min_bit_period_us", self.min_bit_period_us, 0, 20_000)
        in_range(where, "frame_timeout_ms", self.frame_timeout_ms, 1, 1000)
        in_range(where, "feedback_s", self.feedback_s, 0.05, 30)

    def timing(self) -> WiegandTiming:
        return WiegandTiming(
            min_pulse_us=self.min_pulse_us, max_pulse_us=self.max_pulse_us,
            min_bit_period_us=self.min_bit_period_us,
            frame_timeout_us=round(self.frame_timeout_ms * 1000),
        )


class FrameDecoder:
    """Clean frames -> card and PIN events; rejects counted in ``counters``."""

    def __init__(self, config: WiegandConfig, counters: Counters) -> None:
        self._config = config
        self._counters = counters
        self._format = format_id(config.format)
        self._pins = PinEntry(counters, max_digits=config.max_pin_digits,
                              timeout_us=round(config.keypad_timeout_s * 1_000_000))

    def decode(self, frame: Frame) -> ReaderEvent | None:
        """The event of one frame, or None (a key that does not end a PIN, a reject)."""
        n = len(frame.bits)
        if self._config.keypad and n in (4, 8):
            return self._key(frame)
        if n < self._config.min_card_bits:
            self._counters.add("short_frames")
            return None
        if self._format is not None and n != wiegand.frame_bits(self._format):
            self._counters.add("wrong_lengths")  # not the one format this reader sends
            return None
        bits, value = wiegand.frame_from_bits(list(frame.bits))
        try:
            key = wiegand.card_key_of(bits, value, self._format, self._config.unknown_lengths)
        except WiegandError as err:
            parity_checked = n in wiegand.KNOWN_LENGTHS or self._format is not None
            self._counters.add("parity_errors" if parity_checked else "unknown_lengths")
            log.info("wiegand reader %s: rejected a %s-bit frame: %s", self._config.id, n, err)
            return None
        self._counters.add("cards")
        name = cardkey.format_name(cardkey.split_key(key)[0])
        return ReaderEvent(EventKind.CARD, self._config.id, card_key=key, detail=name)

    def _key(self, frame: Frame) -> ReaderEvent | None:
        _bits, value = wiegand.frame_from_bits(list(frame.bits))
        if len(frame.bits) == 8:
            if value >> 4 != (~value & 0xF):
                self._counters.add("keypad_errors")  # 8-bit keys carry their complement
                return None
            value &= 0xF
        if value >= len(KEY_CHARS):
            self._counters.add("keypad_errors")
            return None
        self._counters.add("keys")
        pin = self._pins.key(KEY_CHARS[value], frame.end_us)
        if pin is None:
            return None
        return ReaderEvent(EventKind.PIN, self._config.id, pin=pin)


class WiegandReader(ReaderThread):
    """One Wiegand reader: assembles and decodes frames from an edge source in a thread."""

    def __init__(self, config: WiegandConfig, sink: EventSink, source: EdgeSource,
                 feedback: FeedbackLines | None = None) -> None:
        super().__init__(f"wiegand-{config.id}", sink)
        self.config = config
        self._source = source
        self._feedback = feedback
        self._assembler = FrameAssembler(config.timing(), self.counters)
        self._decoder = FrameDecoder(config, self.counters)

    @property
    def reader_ids(self) -> tuple[int, ...]:
        return (self.config.id,)

    def feedback(self, reader: int, granted: bool) -> None:
        """Drive the reader's LED/beeper lines, if wired; never blocks on them."""
        if self._feedback is None:
            self.counters.add("feedback_unwired")
            return
        try:
            self._feedback.signal(granted)
        except Exception:
            self.counters.add("feedback_errors")
            log.exception("wiegand reader %s: feedback lines failed", self.config.id)

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if self._feedback is not None:
                self._feedback.close()

    def _run(self) -> None:
        try:
            self._source.open()
        except Exception as err:
            self.counters.add("port_errors")
            log.error("wiegand reader %s: cannot open its lines: %s", self.config.id, err)
            self._emit(ReaderEvent(EventKind.OFFLINE, self.config.id, detail=str(err)))
            return
        try:
            while not self._stopping.is_set():
                edges = self._source.read(self._wait_s())
                for line, level, t_us in edges:
                    self._deliver(self._assembler.feed(line, level, t_us))
                self._deliver(self._assembler.poll(self._source.now_us()))
        finally:
            self._source.close()

    def _wait_s(self) -> float:
        # Wake up when the frame in progress must end, so a card is decoded one quiet time
        # after its last bit and not a poll interval later.
        deadline = self._assembler.deadline_us()
        if deadline is None:
            return POLL_S
        return min(POLL_S, max(0.0, (deadline - self._source.now_us()) / 1_000_000))

    def _deliver(self, frames: list[Frame]) -> None:
        for frame in frames:
            event = self._decoder.decode(frame)
            if event is not None:
                self._emit(event)


def create(config: WiegandConfig, sink: EventSink) -> WiegandReader:
    """The reader a config describes, with its production port (GPIO or a replay file)."""
    if config.source == "replay":
        from edge.readers.wiegand_replay import (  # noqa: PLC0415 - only for replays
            ReplayEdgeSource,
            load_recording,
        )

        assert config.replay_file is not None  # check() guarantees it
        source: EdgeSource = ReplayEdgeSource(load_recording(Path(config.replay_file)))
        return WiegandReader(config, sink, source)
    from edge.readers.wiegand_gpio import (  # noqa: PLC0415 - gpiozero only on a Pi
        GpioEdgeSource,
        GpioFeedback,
    )

    assert config.d0_pin is not None and config.d1_pin is not None  # check() guarantees it
    feedback = None
    if config.led_pin is not None or config.beeper_pin is not None:
        feedback = GpioFeedback(config.led_pin, config.beeper_pin,
                                active_low=config.feedback_active_low, hold_s=config.feedback_s)
    return WiegandReader(config, sink, GpioEdgeSource(config.d0_pin, config.d1_pin), feedback)
