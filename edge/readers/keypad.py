"""PIN entry from single key presses: digits, '*' clears, '#' submits.

Shared by Wiegand keypads (4- and 8-bit bursts) and OSDP keypads. Times are in
microseconds on the caller's clock, so replayed input behaves exactly like live input.
"""

from __future__ import annotations

from edge.readers.base import Counters

CLEAR = "*"
ENTER = "#"
DIGITS = "0123456789"


class PinEntry:
    """Collects digits until '#'; a pause longer than ``timeout_us`` drops a partial PIN."""

    def __init__(self, counters: Counters, *, max_digits: int = 12,
                 timeout_us: int = 10_000_000) -> None:
        self._counters = counters
        self._max_digits = max_digits
        self._timeout_us = timeout_us
        self._digits: list[str] = []
        self._last_us = 0
        self._overflow = False

    @property
    def pending(self) -> int:
        """How many digits are typed but not yet submitted."""
        return len(self._digits)

    def key(self, char: str, t_us: int) -> str | None:
        """Feed one key; returns the PIN when '#' ends a non-empty entry, else None."""
        if (self._digits or self._overflow) and t_us - self._last_us > self._timeout_us:
            self._counters.add("pin_timeouts")  # the person walked away mid-entry
            self._reset()
        self._last_us = t_us
        if char in DIGITS:
            if len(self._digits) >= self._max_digits:
                self._overflow = True
            else:
                self._digits.append(char)
            return None
        if char == CLEAR:
            self._reset()
            return None
        if char == ENTER:
            if self._overflow:
                self._counters.add("pin_overflows")
                self._reset()
                return None
            if not self._digits:
                self._counters.add("pin_empty")
                return None
            pin = "".join(self._digits)
            self._reset()
            return pin
        self._counters.add("keypad_errors")
        return None

    def _reset(self) -> None:
        self._digits.clear()
        self._overflow = False
