"""Raspberry Pi GPIO for Wiegand readers: the D0/D1 edge source and the LED/beeper lines.

Built on gpiozero's pin layer (lgpio underneath on a Pi; the ``pi`` extra installs
both), imported only when a GPIO reader is built. Each edge arrives in gpiozero's
callback with the kernel's timestamp; only the *differences* between timestamps are
used, because lgpio says not to assume the timestamp's origin. Tests drive the same code
through gpiozero's MockFactory.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from edge.readers.errors import ReaderPortError
from edge.readers.wiegand_frames import D0, D1, Edge

BEEP_S = 0.1
DENY_BEEPS = 3


class GpioEdgeSource:
    """EdgeSource on two GPIO inputs with pull-ups (Wiegand lines idle high)."""

    def __init__(self, d0_pin: int, d1_pin: int, *, pin_factory: Any = None) -> None:
        self._pins = (d0_pin, d1_pin)
        self._factory = pin_factory
        self._devices: list[Any] = []
        self._callbacks: list[Any] = []
        self._edges: queue.SimpleQueue[Edge] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._base: Any = None  # the first edge's ticks: timestamps count from it
        self._last_us = 0  # newest edge timestamp ...
        self._last_mono_ns = time.monotonic_ns()  # ... and when its callback ran

    def open(self) -> None:
        try:
            from gpiozero import InputDevice  # noqa: PLC0415 - the "pi" extra

            for line, pin in zip((D0, D1), self._pins, strict=True):
                device = InputDevice(pin, pull_up=True, pin_factory=self._factory)
                self._devices.append(device)
                device.pin.edges = "both"
                callback = self._callback(line, device.pin_factory)
                self._callbacks.append(callback)  # gpiozero keeps only a weak reference
                device.pin.when_changed = callback
        except Exception as err:  # gpiozero raises many kinds; translate them here, once
            self.close()
            raise ReaderPortError(f"cannot claim GPIO {self._pins}: {err}") from err
        self._last_mono_ns = time.monotonic_ns()

    def _callback(self, line: int, factory: Any) -> Any:
        def changed(ticks: Any, state: Any) -> None:
            with self._lock:
                if self._base is None:
                    self._base = ticks
                t_us = round(factory.ticks_diff(ticks, self._base) * 1_000_000)
                self._last_us = max(self._last_us, t_us)
                self._last_mono_ns = time.monotonic_ns()
            self._edges.put((line, 1 if state else 0, t_us))

        return changed

    def read(self, timeout_s: float) -> list[Edge]:
        try:
            edges = [self._edges.get(timeout=timeout_s)]
        except queue.Empty:
            return []
        while True:
            try:
                edges.append(self._edges.get_nowait())
            except queue.Empty:
                return edges

    def now_us(self) -> int:
        # The edge clock has no known origin: extend its newest reading by local elapsed
        # time. Callback latency only makes this late, which only delays a frame's end.
        with self._lock:
            return self._last_us + (time.monotonic_ns() - self._last_mono_ns) // 1000

    def close(self) -> None:
        for device in self._devices:
            device.pin.when_changed = None
            device.close()
        self._devices = []
        self._callbacks = []


class GpioFeedback:
    """FeedbackLines on GPIO outputs: LED on for ``hold_s`` on grant; beeps on deny."""

    def __init__(self, led_pin: int | None, beeper_pin: int | None, *, active_low: bool = True,
                 hold_s: float = 1.0, pin_factory: Any = None) -> None:
        self._hold_s = hold_s
        self._led: Any = None
        self._beeper: Any = None
        try:
            from gpiozero import DigitalOutputDevice  # noqa: PLC0415 - the "pi" extra

            if led_pin is not None:
                self._led = DigitalOutputDevice(led_pin, active_high=not active_low,
                                                pin_factory=pin_factory)
            if beeper_pin is not None:
                self._beeper = DigitalOutputDevice(beeper_pin, active_high=not active_low,
                                                   pin_factory=pin_factory)
        except Exception as err:
            self.close()
            raise ReaderPortError(f"cannot claim feedback GPIO: {err}") from err

    def signal(self, granted: bool) -> None:
        """Grant: LED on for hold_s and one beep; deny: three beeps. Runs in background."""
        if granted:
            if self._led is not None:
                self._led.blink(on_time=self._hold_s, off_time=0, n=1, background=True)
            if self._beeper is not None:
                self._beeper.blink(on_time=BEEP_S, off_time=BEEP_S, n=1, background=True)
        elif self._beeper is not None:
            self._beeper.blink(on_time=BEEP_S, off_time=BEEP_S, n=DENY_BEEPS, background=True)

    def close(self) -> None:
        for device in (self._led, self._beeper):
            if device is not None:
                device.close()
        self._led = self._beeper = None
