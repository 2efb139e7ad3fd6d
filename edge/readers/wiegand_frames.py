"""Wiegand frames from D0/D1 edges, with the timing real readers keep.

A Wiegand reader holds both data lines high and sends each bit as one short low pulse:
on D0 for a 0, on D1 for a 1. Real readers pulse for 20-100 us, 0.2-20 ms apart, and a
frame ends when the lines stay quiet (25 ms here by default). The assembler sees *edges*
``(line, level, t_us)``: a falling edge (level 0) starts a pulse and a rising edge
(level 1) ends it, so pulse widths can be checked; ``t_us`` is the edge source's clock in
microseconds.

Anything that does not look like a reader is noise, and a frame with any noise in it is
rejected as a whole (counted, never decoded): pulses too short (spikes) or too long (a
line held low), pulses closer together than a reader sends them, both lines low at once
(crosstalk or a wiring fault), a falling edge without a rising one, time going backwards,
more than ``max_bits`` bits. Decoding a frame's bits is the decoder's job (wiegand.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.readers.base import Counters

D0 = 0  # the line that carries 0 bits
D1 = 1  # the line that carries 1 bits
LOW = 0  # falling edge: a pulse starts
HIGH = 1  # rising edge: the pulse ends

Edge = tuple[int, int, int]  # (line D0/D1, level LOW/HIGH, t_us)


@dataclass(frozen=True)
class WiegandTiming:
    """Accepted timing; the defaults bracket what real readers send, with some slack."""

    min_pulse_us: int = 10  # readers: 20-100 us; shorter is a spike
    max_pulse_us: int = 500  # longer is a line held low, not a bit
    min_bit_period_us: int = 150  # pulse start to pulse start; readers: >= 200 us
    frame_timeout_us: int = 25_000  # quiet time that ends a frame; > the 20 ms max gap
    max_bits: int = 128  # real readers send at most a few dozen bits


@dataclass(frozen=True)
class Frame:
    """The bits of one clean frame, in transmission order, and when it started and ended."""

    bits: tuple[int, ...]
    start_us: int
    end_us: int


class FrameAssembler:
    """Pure state machine: edges in, clean frames out; rejects counted in ``counters``.

    Call :meth:`feed` for every edge and :meth:`poll` with the current time whenever
    no edge came for a while, so the last frame ends after its quiet time.
    """

    def __init__(self, timing: WiegandTiming, counters: Counters) -> None:
        self.timing = timing
        self._counters = counters
        self._low_since: list[int | None] = [None, None]
        self._bits: list[int] = []
        self._active = False  # a frame (clean or noisy) is being assembled
        self._noisy = False
        self._overlong = False
        self._start_us = 0
        self._last_edge_us: int | None = None
        self._last_pulse_start_us = 0

    def deadline_us(self) -> int | None:
        """When the frame in progress ends if no edge comes first (None: nothing pending)."""
        if not self._active or self._last_edge_us is None:
            return None
        return self._last_edge_us + self.timing.frame_timeout_us

    def feed(self, line: int, level: int, t_us: int) -> list[Frame]:
        """Take one edge; returns the frame it proved finished (its quiet time passed)."""
        done = self.poll(t_us)
        if self._last_edge_us is not None and t_us < self._last_edge_us:
            self._noise("clock_errors")
        if not self._active:
            self._active = True
            self._start_us = t_us
        self._last_edge_us = t_us
        if line not in (D0, D1) or level not in (LOW, HIGH):
            self._noise("bad_edges")
        elif level == LOW:
            self._falling(line, t_us)
        else:
            self._rising(line, t_us)
        return done

    def poll(self, now_us: int) -> list[Frame]:
        """End the frame in progress if the lines have been quiet long enough."""
        deadline = self.deadline_us()
        if deadline is None or now_us < deadline:
            return []
        if self._low_since[D0] is not None or self._low_since[D1] is not None:
            self._noise("long_pulses")  # a line stuck low through the whole quiet time
        return self._finish()

    def _falling(self, line: int, t_us: int) -> None:
        if self._low_since[line] is not None:
            self._noise("missed_edges")  # low again without having gone high
        if self._low_since[1 - line] is not None:
            self._noise("both_low")
        self._low_since[line] = t_us

    def _rising(self, line: int, t_us: int) -> None:
        since = self._low_since[line]
        if since is None:
            self._noise("stray_edges")  # high without having gone low
            return
        self._low_since[line] = None
        width = t_us - since
        if width < self.timing.min_pulse_us:
            self._noise("short_pulses")
            return
        if width > self.timing.max_pulse_us:
            self._noise("long_pulses")
            return
        if self._bits and since - self._last_pulse_start_us < self.timing.min_bit_period_us:
            self._noise("bits_too_close")
        self._last_pulse_start_us = since
        if len(self._bits) < self.timing.max_bits:
            self._bits.append(line)
        elif not self._overlong:
            self._overlong = True
            self._noise("overlong_frames")

    def _noise(self, cause: str) -> None:
        self._counters.add(cause)
        self._noisy = True
        self._active = True

    def _finish(self) -> list[Frame]:
        frames = []
        if self._noisy:
            self._counters.add("noise_frames")
        elif self._bits:
            self._counters.add("frames")
            frames.append(Frame(tuple(self._bits), self._start_us, self._last_edge_us or 0))
        self._bits = []
        self._low_since = [None, None]
        self._active = False
        self._noisy = False
        self._overlong = False
        return frames
