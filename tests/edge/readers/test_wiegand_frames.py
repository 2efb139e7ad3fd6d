"""The Wiegand frame assembler: real reader timing accepted, noise rejected and counted."""

from __future__ import annotations

from edge.readers.base import Counters
from edge.readers.wiegand_frames import D0, D1, HIGH, LOW, Frame, FrameAssembler, WiegandTiming
from edge.readers.wiegand_replay import card_edges, frame_edges
from protocols.portable import cardkey, wiegand

H26 = wiegand.encode(cardkey.H10301_26, 123, 45678)


def run(edges: list[tuple[int, int, int]], timing: WiegandTiming | None = None,
        ) -> tuple[list[Frame], dict[str, int]]:
    counters = Counters()
    assembler = FrameAssembler(timing or WiegandTiming(), counters)
    frames: list[Frame] = []
    for line, level, t in edges:
        frames += assembler.feed(line, level, t)
    last = edges[-1][2] if edges else 0
    frames += assembler.poll(last + 10_000_000)
    return frames, counters.snapshot()


def test_a_frame_at_typical_timing_gives_its_bits() -> None:
    frames, stats = run(card_edges(*H26))
    assert [f.bits for f in frames] == [tuple(wiegand.bits_of_frame(*H26))]
    assert stats == {"frames": 1}
    assert frames[0].start_us == 0 and frames[0].end_us == 25 * 2000 + 50


def test_the_extremes_of_real_reader_timing_are_accepted() -> None:
    bits = wiegand.bits_of_frame(*H26)
    for pulse, period in ((20, 200), (100, 200), (20, 20_000), (100, 20_000)):
        frames, stats = run(frame_edges(bits, pulse_us=pulse, period_us=period))
        assert [f.bits for f in frames] == [tuple(bits)], (pulse, period)
        assert stats == {"frames": 1}


def test_a_frame_ends_only_after_its_quiet_time() -> None:
    counters = Counters()
    assembler = FrameAssembler(WiegandTiming(frame_timeout_us=25_000), counters)
    edges = card_edges(*H26)
    for edge in edges:
        assert assembler.feed(*edge) == []
    end = edges[-1][2]
    assert assembler.deadline_us() == end + 25_000
    assert assembler.poll(end + 24_999) == []
    assert len(assembler.poll(end + 25_000)) == 1
    assert assembler.deadline_us() is None
    assert assembler.poll(end + 99_000) == []


def test_the_next_frame_after_the_quiet_time_is_separate() -> None:
    first = card_edges(*H26)
    second = card_edges(*H26, start_us=first[-1][2] + 25_000)
    frames, stats = run(first + second)
    assert len(frames) == 2 and frames[0].bits == frames[1].bits
    assert stats == {"frames": 2}


def test_the_end_of_frame_silence_is_configurable() -> None:
    bits = wiegand.bits_of_frame(*H26)
    # A reader that pauses 30 ms mid-frame: split at 25 ms, one frame at 50 ms.
    edges = frame_edges(bits[:13]) + frame_edges(bits[13:], start_us=13 * 2000 + 30_000)
    split, _ = run(edges, WiegandTiming(frame_timeout_us=25_000))
    assert [len(f.bits) for f in split] == [13, 13]
    whole, _ = run(edges, WiegandTiming(frame_timeout_us=50_000))
    assert [f.bits for f in whole] == [tuple(bits)]


def with_extra(edges: list[tuple[int, int, int]], *extra: tuple[int, int, int],
               ) -> list[tuple[int, int, int]]:
    return sorted(edges + list(extra), key=lambda e: e[2])


def test_a_lone_spike_is_noise_not_a_frame() -> None:
    frames, stats = run([(D1, LOW, 1000), (D1, HIGH, 1005)])
    assert frames == []
    assert stats == {"short_pulses": 1, "noise_frames": 1}


def test_a_spike_inside_a_frame_rejects_the_frame() -> None:
    # A 3 us spike on D0 between two bits: the frame is not trusted.
    edges = with_extra(card_edges(*H26), (D0, LOW, 4500), (D0, HIGH, 4503))
    frames, stats = run(edges)
    assert frames == []
    assert stats == {"short_pulses": 1, "noise_frames": 1}


def test_bits_too_close_together_reject_the_frame() -> None:
    frames, stats = run(card_edges(*H26, period_us=100))
    assert frames == []
    assert stats["bits_too_close"] == 25 and stats["noise_frames"] == 1
    assert "frames" not in stats


def test_both_lines_low_at_once_rejects_the_frame() -> None:
    edges = card_edges(*H26)
    # Crosstalk: D1 goes low while D0's pulse of bit 2 (a 0) is still low.
    t = 2000 + 10
    assert edges[2][:2] == (D0, LOW)
    frames, stats = run(with_extra(edges, (D1, LOW, t), (D1, HIGH, t + 30)))
    assert frames == []
    assert stats["both_low"] == 1 and stats["noise_frames"] == 1


def test_a_pulse_too_long_rejects_the_frame() -> None:
    frames, stats = run(card_edges(*H26, pulse_us=800))
    assert frames == []
    assert stats == {"long_pulses": 26, "noise_frames": 1}


def test_a_line_stuck_low_is_rejected_when_the_quiet_time_ends() -> None:
    frames, stats = run([(D0, LOW, 0)])
    assert frames == []
    assert stats == {"long_pulses": 1, "noise_frames": 1}


def test_missing_and_stray_edges_and_time_going_back_are_noise() -> None:
    assert run([(D0, LOW, 0), (D0, LOW, 500), (D0, HIGH, 550)])[1] == {
        "missed_edges": 1, "noise_frames": 1}
    assert run([(D1, HIGH, 0)])[1] == {"stray_edges": 1, "noise_frames": 1}
    assert run([(D0, LOW, 1000), (D0, HIGH, 900)])[1] == {
        "clock_errors": 1, "short_pulses": 1, "noise_frames": 1}
    assert run([(2, LOW, 0)])[1] == {"bad_edges": 1, "noise_frames": 1}


def test_an_endless_frame_is_cut_and_counted_once() -> None:
    frames, stats = run(frame_edges([1, 0] * 100), WiegandTiming(max_bits=128))
    assert frames == []
    assert stats == {"overlong_frames": 1, "noise_frames": 1}


def test_a_clean_frame_after_noise_decodes() -> None:
    noise = [(D1, LOW, 0), (D1, HIGH, 3)]
    frames, stats = run(noise + card_edges(*H26, start_us=40_000))
    assert [f.bits for f in frames] == [tuple(wiegand.bits_of_frame(*H26))]
    assert stats == {"short_pulses": 1, "noise_frames": 1, "frames": 1}
