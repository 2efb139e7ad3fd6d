"""PIN entry shared by Wiegand and OSDP keypads."""

from __future__ import annotations

from edge.readers.base import Counters
from edge.readers.keypad import PinEntry


def typed(keys: str, entry: PinEntry, start_us: int = 0, step_us: int = 1000) -> list[str]:
    pins = []
    for i, key in enumerate(keys):
        pin = entry.key(key, start_us + i * step_us)
        if pin is not None:
            pins.append(pin)
    return pins


def test_digits_then_hash_make_a_pin() -> None:
    counters = Counters()
    entry = PinEntry(counters)
    assert typed("1234#5678#", entry) == ["1234", "5678"]
    assert entry.pending == 0 and counters.snapshot() == {}


def test_star_clears_and_an_empty_hash_is_counted() -> None:
    counters = Counters()
    entry = PinEntry(counters)
    assert typed("12*#34#", entry) == ["34"]
    assert counters.snapshot() == {"pin_empty": 1}


def test_too_many_digits_drop_the_whole_entry() -> None:
    counters = Counters()
    entry = PinEntry(counters, max_digits=4)
    assert typed("12345#1234#", entry) == ["1234"]
    assert counters.snapshot() == {"pin_overflows": 1}


def test_a_pause_longer_than_the_timeout_starts_over() -> None:
    counters = Counters()
    entry = PinEntry(counters, timeout_us=5_000_000)
    assert entry.key("1", 0) is None
    assert entry.key("2", 4_000_000) is None  # within the timeout of the previous key
    assert entry.key("3", 9_500_000) is None  # 5.5 s later: "12" is dropped
    assert entry.key("#", 10_000_000) == "3"
    assert counters.snapshot() == {"pin_timeouts": 1}


def test_unknown_keys_are_counted() -> None:
    counters = Counters()
    entry = PinEntry(counters)
    assert typed("1x2#", entry) == ["12"]
    assert counters.snapshot() == {"keypad_errors": 1}
