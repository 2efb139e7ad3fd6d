"""USB keyboard-wedge readers: parsing recorded evdev sequences; the reader on a fake device."""

from __future__ import annotations

import threading
from collections import deque

import pytest
from evdev import ecodes

from edge.readers.base import Counters, EventKind
from edge.readers.errors import ReaderPortError
from edge.readers.usb_hid import (
    ENTER_CODES,
    EV_KEY,
    KEY_CODES,
    EvdevSource,
    InputEvent,
    UsbHidConfig,
    UsbHidReader,
    WedgeParser,
)
from protocols.portable import cardkey
from tests.edge.readers.helpers import Events, wait_until

EV_SYN, EV_MSC, MSC_SCAN = ecodes.EV_SYN, ecodes.EV_MSC, ecodes.MSC_SCAN
CHAR_KEYS = {c: getattr(ecodes, f"KEY_{c}") for c in "0123456789ABCDEF"}


def typed(text: str, *, enter: int = ecodes.KEY_ENTER) -> list[InputEvent]:
    """What a wedge reader's evdev device reports typing ``text`` then Enter: per key a
    scan code, key down, sync, scan code, key up, sync (as evtest shows them)."""
    events: list[InputEvent] = []
    codes = [CHAR_KEYS[c] if c in CHAR_KEYS else getattr(ecodes, f"KEY_{c}") for c in text]
    for code in [*codes, enter]:
        for value in (1, 0):
            events += [(EV_MSC, MSC_SCAN, 0x70000 + code), (EV_KEY, code, value),
                       (EV_SYN, 0, 0)]
    return events


def test_our_key_codes_are_the_kernels() -> None:
    for code, char in KEY_CODES.items():
        name = ecodes.KEY[code]
        assert char in str(name), (code, name)
    assert {ecodes.KEY_ENTER, ecodes.KEY_KPENTER} == ENTER_CODES
    assert EV_KEY == ecodes.EV_KEY


def parse(events: list[InputEvent], max_line: int = 32) -> tuple[list[str], dict[str, int]]:
    counters = Counters()
    parser = WedgeParser(counters, max_line)
    lines = [line for e in events if (line := parser.feed(*e)) is not None]
    return lines, counters.snapshot()


def test_a_recorded_swipe_is_one_line() -> None:
    assert parse(typed("0012345678")) == (["0012345678"], {})


def test_keypad_digits_shift_and_hex_letters() -> None:
    keypad = [(EV_KEY, getattr(ecodes, f"KEY_KP{d}"), 1) for d in "42"]
    shifted = [(EV_KEY, ecodes.KEY_LEFTSHIFT, 1), (EV_KEY, ecodes.KEY_A, 1),
               (EV_KEY, ecodes.KEY_LEFTSHIFT, 0)]
    events = [*keypad, (EV_KEY, ecodes.KEY_KPENTER, 1), *shifted, *typed("1F")]
    assert parse(events) == (["42", "A1F"], {})


def test_other_keys_and_overlong_lines_are_garbage() -> None:
    events = typed("12G4") + typed("9" * 40) + typed("77")
    assert parse(events) == (["77"], {"garbage_lines": 2})
    held = [(EV_KEY, ecodes.KEY_5, 1), (EV_KEY, ecodes.KEY_5, 2), (EV_KEY, ecodes.KEY_5, 2)]
    assert parse(held + typed(""))[0] == ["5"]  # auto-repeat is not typing


class FakeDevice:
    """InputSource that plays recorded events; can be unplugged."""

    def __init__(self) -> None:
        self.pending: deque[InputEvent] = deque()
        self.unplugged = threading.Event()
        self.opened = 0

    def open(self) -> None:
        if self.unplugged.is_set():
            raise ReaderPortError("no such device")
        self.opened += 1

    def read(self, timeout_s: float) -> list[InputEvent]:
        if self.unplugged.is_set():
            raise ReaderPortError("device gone")
        out = list(self.pending)
        self.pending.clear()
        if not out:
            self.unplugged.wait(timeout_s)
        return out

    def close(self) -> None:
        """Nothing to release."""


def test_the_reader_turns_lines_into_cards_and_survives_unplugging() -> None:
    device = FakeDevice()
    events = Events()
    config = UsbHidConfig(kind="usb", id=11, device="/dev/input/by-id/wedge", reopen_s=0.05)
    reader = UsbHidReader(config, events, lambda c: device)
    reader.start()
    try:
        events.wait_kind(EventKind.ONLINE, 11)
        partial = [(EV_KEY, ecodes.KEY_1, 1), (EV_KEY, ecodes.KEY_2, 1)]  # no Enter
        device.pending.extend(typed("0012345678") + partial)
        card = events.wait_kind(EventKind.CARD, 11)
        assert card.card_key == cardkey.card_key(cardkey.raw_format(32), 12345678)
        device.unplugged.set()
        offline = events.wait_kind(EventKind.OFFLINE, 11)
        wait_until(lambda: reader.stats().get("port_errors", 0) >= 2)
        assert len(events.of(EventKind.OFFLINE)) == 1  # said once while it stays away
        device.unplugged.clear()
        events.wait_for(lambda e: e.kind == EventKind.ONLINE and e.at > offline.at)
        device.pending.extend(typed("4242"))
        wait_until(lambda: len(events.of(EventKind.CARD)) == 2)
        # The half-typed "12" from before the unplug is not glued to the next card.
        assert events.of(EventKind.CARD)[1].card_key == cardkey.card_key(
            cardkey.raw_format(32), 4242)
    finally:
        reader.stop()


def test_hex_wedges_with_wider_keys() -> None:
    device = FakeDevice()
    events = Events()
    config = UsbHidConfig(kind="usb", id=12, device="/dev/input/x", radix=16, key_bits=56)
    reader = UsbHidReader(config, events, lambda c: device)
    reader.start()
    try:
        device.pending.extend(typed("04A1B2C3D4E5F6"))
        card = events.wait_kind(EventKind.CARD, 12)
        assert card.card_key == cardkey.card_key(cardkey.raw_format(56), 0x04A1B2C3D4E5F6)
    finally:
        reader.stop()


def test_opening_a_missing_device_is_a_port_error() -> None:
    with pytest.raises(ReaderPortError, match="/dev/input/by-id/none"):
        EvdevSource("/dev/input/by-id/none").open()
