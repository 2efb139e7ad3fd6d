"""The Wiegand reader thread on the replaying fake and on gpiozero's mock pins."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from edge.readers import registry
from edge.readers.base import EventKind, ReaderEvent
from edge.readers.errors import ReaderPortError
from edge.readers.wiegand import WiegandConfig, WiegandReader
from edge.readers.wiegand_gpio import GpioEdgeSource, GpioFeedback
from edge.readers.wiegand_replay import (
    ReplayEdgeSource,
    card_edges,
    keypad_edges,
    load_recording,
    save_recording,
)
from protocols.portable import cardkey, wiegand
from tests.edge.readers.helpers import Events

CONFIG = WiegandConfig(kind="wiegand", id=5, d0_pin=17, d1_pin=27)

CARDS = [
    (cardkey.H10301_26, 123, 45678),
    (cardkey.H10306_34, 4000, 65000),
    (cardkey.CORP1000_35, 4000, 1_000_000),
    (cardkey.H10304_37, 65000, 500_000),
    (cardkey.CORP1000_48, 4_000_000, 8_000_000),
]


class Rig:
    """A reader on a replay source, started; stats and events to assert on."""

    def __init__(self, config: WiegandConfig = CONFIG) -> None:
        self.source = ReplayEdgeSource()
        self.events = Events()
        self.reader = WiegandReader(config, self.events, self.source)
        self.reader.start()

    def replay(self, edges: list[tuple[int, int, int]], quiet_after_us: int = 1_000_000,
               ) -> dict[str, int]:
        self.source.push(edges, quiet_after_us=quiet_after_us)
        assert self.source.wait_drained(10)
        return self.reader.stats()


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig()
    yield made
    made.reader.stop()


def config(**changes: object) -> WiegandConfig:
    return dataclasses.replace(CONFIG, **changes)  # type: ignore[arg-type]


def test_cards_of_every_format_arrive_as_card_keys(rig: Rig) -> None:
    for fmt, facility, card in CARDS:
        rig.replay(card_edges(*wiegand.encode(fmt, facility, card)))
    cards = rig.events.of(EventKind.CARD)
    assert [e.card_key for e in cards] == [wiegand.card_key_for(*c) for c in CARDS]
    assert [e.detail for e in cards] == [cardkey.format_name(c[0]) for c in CARDS]
    assert {e.reader for e in cards} == {5}
    assert rig.reader.stats()["cards"] == 5


def test_a_parity_error_is_counted_and_never_decoded(rig: Rig) -> None:
    bits, value = wiegand.encode(cardkey.H10301_26, 1, 2)
    stats = rig.replay(card_edges(bits, value ^ (1 << 5)))
    assert stats["parity_errors"] == 1 and "cards" not in stats
    rig.replay(card_edges(bits, value))
    assert rig.events.wait_kind(EventKind.CARD).card_key == wiegand.card_key_for(
        cardkey.H10301_26, 1, 2)


def test_short_and_unknown_frames_follow_the_config() -> None:
    for unknown, expected in (("raw", "cards"), ("error", "unknown_lengths")):
        rig = Rig(config(unknown_lengths=unknown))
        try:
            stats = rig.replay(card_edges(10, 0x2AA))  # shorter than min_card_bits
            assert stats["short_frames"] == 1
            stats = rig.replay(card_edges(30, 0x1234567))
            assert stats.get(expected) == 1
            if unknown == "raw":
                event = rig.events.wait_kind(EventKind.CARD)
                assert event.card_key == cardkey.card_key(cardkey.raw_format(30), 0x1234567)
        finally:
            rig.reader.stop()


def test_a_reader_with_one_format_rejects_other_lengths() -> None:
    rig = Rig(config(format="H10301"))
    try:
        stats = rig.replay(card_edges(*wiegand.encode(cardkey.H10306_34, 1, 2)))
        assert stats["wrong_lengths"] == 1 and rig.events.items == []
    finally:
        rig.reader.stop()


@pytest.mark.parametrize("burst", [4, 8])
def test_keypad_bursts_make_a_pin_ended_by_hash(rig: Rig, burst: int) -> None:
    rig.replay(keypad_edges("1234#", burst_bits=burst))
    event = rig.events.wait_kind(EventKind.PIN)
    assert event.pin == "1234" and event.reader == 5
    assert rig.reader.stats()["keys"] == 5
    assert "1234" not in repr(event)


def test_star_clears_and_a_long_pause_drops_a_partial_pin(rig: Rig) -> None:
    rig.replay(keypad_edges("99*12"), quiet_after_us=15_000_000)  # then 15 s nothing
    rig.replay(keypad_edges("34#"))
    assert [e.pin for e in rig.events.of(EventKind.PIN)] == ["34"]
    assert rig.reader.stats()["pin_timeouts"] == 1


def test_a_bad_8bit_key_is_counted(rig: Rig) -> None:
    stats = rig.replay(card_edges(8, 0x11))  # high nibble must be the complement
    assert stats["keypad_errors"] == 1 and rig.events.items == []


def test_without_a_keypad_key_bursts_are_short_frames() -> None:
    rig = Rig(config(keypad=False))
    try:
        stats = rig.replay(keypad_edges("12#"))
        assert stats["short_frames"] == 3 and rig.events.items == []
    finally:
        rig.reader.stop()


def test_noise_between_cards_is_counted_and_does_not_stop_the_reader(rig: Rig) -> None:
    frame = wiegand.encode(cardkey.H10301_26, 7, 7)
    spikes = [(1, 0, t) for t in range(0, 150_000, 30_000)]  # 30 ms apart: 5 frames
    spikes = sorted(spikes + [(1, 1, t + 4) for _, _, t in spikes], key=lambda e: e[2])
    stats = rig.replay(spikes + card_edges(*frame, start_us=200_000))
    assert stats["short_pulses"] == 5 and stats["noise_frames"] == 5
    assert rig.events.wait_kind(EventKind.CARD).card_key == wiegand.card_key_for(
        cardkey.H10301_26, 7, 7)


def test_a_failing_sink_is_counted_and_the_reader_goes_on() -> None:
    seen: list[ReaderEvent] = []

    def sink(event: ReaderEvent) -> None:
        seen.append(event)
        if len(seen) == 1:
            raise ValueError("consumer bug")

    source = ReplayEdgeSource()
    reader = WiegandReader(CONFIG, sink, source)
    reader.start()
    try:
        for card in (1, 2):
            source.push(card_edges(*wiegand.encode(cardkey.H10301_26, 1, card)))
            assert source.wait_drained(10)
        assert len(seen) == 2 and "crashes" not in reader.stats()
        assert reader.stats()["sink_errors"] == 1
    finally:
        reader.stop()
    assert not reader.running
    reader.stop()  # twice is fine


def test_recordings_round_trip_through_a_file_and_the_registry(tmp_path: Path) -> None:
    path = tmp_path / "swipe.txt"
    edges = card_edges(*wiegand.encode(cardkey.H10301_26, 200, 300), start_us=5000)
    save_recording(path, edges)
    assert load_recording(path) == edges
    built = registry.build_reader(
        registry.parse_reader_config({"kind": "wiegand", "id": 9, "source": "replay",
                                      "replay_file": str(path)}),
        events := Events())
    built.start()
    try:
        event = events.wait_kind(EventKind.CARD)
        assert event.card_key == wiegand.card_key_for(cardkey.H10301_26, 200, 300)
        assert event.reader == 9 and built.reader_ids == (9,)
    finally:
        built.stop()


def test_a_bad_recording_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("# comment\n100 D0 0\n150 D2 1\n", encoding="utf-8")
    with pytest.raises(ReaderPortError, match=r"bad.txt:3: expected 't_us line level'"):
        load_recording(path)


def test_gpio_source_reports_edges_with_their_timing() -> None:
    factory = MockFactory()
    source = GpioEdgeSource(17, 27, pin_factory=factory)
    source.open()
    try:
        d0, d1 = factory.pin(17), factory.pin(27)
        d0.drive_low()
        d0.drive_high()
        time.sleep(0.002)
        d1.drive_low()
        d1.drive_high()
        edges = source.read(1.0)
        edges += source.read(0.01)
        assert [(line, level) for line, level, _ in edges] == [(0, 0), (0, 1), (1, 0), (1, 1)]
        times = [t for _, _, t in edges]
        assert times == sorted(times) and times[0] == 0
        assert times[2] - times[1] >= 2000  # the 2 ms pause between the pulses
        assert source.now_us() >= times[-1]
    finally:
        source.close()
    # The pins are released: another user can claim them.
    again = GpioEdgeSource(17, 27, pin_factory=factory)
    again.open()
    again.close()


def test_gpio_pins_in_use_are_a_port_error() -> None:
    factory = MockFactory()
    first = GpioEdgeSource(17, 27, pin_factory=factory)
    first.open()
    try:
        with pytest.raises(ReaderPortError, match="cannot claim GPIO"):
            GpioEdgeSource(27, 22, pin_factory=factory).open()
    finally:
        first.close()


def test_a_card_on_mock_gpio_lines_reaches_the_sink() -> None:
    factory = MockFactory()
    # Python drives the mock pins far faster than a reader and with scheduler pauses, so
    # this run accepts any pulse width and a long quiet time; the timing rules themselves
    # are tested on exact replays above.
    relaxed = config(min_pulse_us=0, min_bit_period_us=0, frame_timeout_ms=500.0)
    events = Events()
    reader = WiegandReader(relaxed, events, GpioEdgeSource(17, 27, pin_factory=factory))
    reader.start()
    try:
        deadline = time.monotonic() + 5
        while not factory.pin(17).when_changed and time.monotonic() < deadline:
            time.sleep(0.005)  # the reader claims its lines in its own thread
        bits = wiegand.bits_of_frame(*wiegand.encode(cardkey.H10301_26, 42, 4242))
        for bit in bits:
            pin = factory.pin(27 if bit else 17)
            pin.drive_low()
            pin.drive_high()
        event = events.wait_kind(EventKind.CARD)
        assert event.card_key == wiegand.card_key_for(cardkey.H10301_26, 42, 4242)
    finally:
        reader.stop()


def test_feedback_lines_show_grant_and_deny() -> None:
    factory = MockFactory()
    feedback = GpioFeedback(22, 23, active_low=True, hold_s=0.05, pin_factory=factory)
    led, beeper = factory.pin(22), factory.pin(23)
    try:
        assert led.state is True  # off = high on an active-low input

        def lows(pin: object, count: int) -> bool:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                states = [s.state for s in pin.states]  # type: ignore[attr-defined]
                if states.count(False) >= count and states[-1] is True:
                    return True
                time.sleep(0.01)
            return False

        feedback.signal(True)
        assert lows(led, 1) and lows(beeper, 1)
        beeper.clear_states()
        feedback.signal(False)
        assert lows(beeper, 3)
    finally:
        feedback.close()


def test_feedback_without_lines_is_counted(rig: Rig) -> None:
    rig.reader.feedback(5, True)
    assert rig.reader.stats()["feedback_unwired"] == 1
