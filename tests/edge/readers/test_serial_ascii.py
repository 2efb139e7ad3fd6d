"""Serial ASCII readers through pyserial on real pty pairs; the parsers byte by byte."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.readers.base import Counters, EventKind
from edge.readers.serial_ascii import (
    LineParser,
    Rdm6300Parser,
    SerialAsciiConfig,
    SerialAsciiReader,
)
from edge.readers.textkeys import em4100_key
from protocols.portable import cardkey, wiegand
from tests.edge.readers.helpers import Events, wait_until

EM_ID = 0x0A00123456  # version byte 0x0A, number 0x00123456


def rdm_frame(value: int, *, checksum_fix: int = 0) -> bytes:
    raw = value.to_bytes(5, "big")
    check = 0
    for b in raw:
        check ^= b
    return b"\x02" + raw.hex().upper().encode() + b"%02X" % (check ^ checksum_fix) + b"\x03"


class Pty:
    """A pty pair: the test writes to the master, pyserial opens the slave's path."""

    def __init__(self, link: Path | None = None) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        if link is not None:
            link.unlink(missing_ok=True)
            link.symlink_to(self.path)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


class Rig:
    def __init__(self, tmp_path: Path, fake_now: list[float], **settings: object) -> None:
        self.link = tmp_path / "ttyREADER"
        self.pty = Pty(self.link)
        self.events = Events()
        config = SerialAsciiConfig(kind="serial", id=3, port=str(self.link),
                                   **settings)  # type: ignore[arg-type]
        self.reader = SerialAsciiReader(config, self.events, clock=lambda: fake_now[0])
        self.reader.start()
        self.events.wait_kind(EventKind.ONLINE, 3)  # bytes sent before open are lost

    def stop(self) -> None:
        self.reader.stop()
        self.pty.close()


@pytest.fixture
def now() -> list[float]:
    return [1000.0]


@pytest.fixture
def rdm(tmp_path: Path, now: list[float]) -> Iterator[Rig]:
    rig = Rig(tmp_path, now)
    yield rig
    rig.stop()


def test_an_rdm6300_frame_is_a_card(rdm: Rig) -> None:
    rdm.pty.send(rdm_frame(EM_ID))
    card = rdm.events.wait_kind(EventKind.CARD)
    assert card.card_key == cardkey.card_key(cardkey.raw_format(40), EM_ID)
    assert card.reader == 3


def test_a_tag_held_in_the_field_is_one_read_until_it_is_presented_again(
        rdm: Rig, now: list[float]) -> None:
    rdm.pty.send(rdm_frame(EM_ID) * 5)  # the module repeats while the tag stays
    rdm.events.wait_kind(EventKind.CARD)
    wait_until(lambda: rdm.reader.stats().get("repeats") == 4)
    now[0] += 2.0  # taken away and presented again later
    rdm.pty.send(rdm_frame(EM_ID))
    wait_until(lambda: len(rdm.events.of(EventKind.CARD)) == 2)
    assert rdm.reader.stats()["cards"] == 2


def test_checksum_errors_and_garbage_are_counted_and_resynchronised(rdm: Rig) -> None:
    rdm.pty.send(b"noise" + rdm_frame(EM_ID, checksum_fix=1))  # garbage, then a bad checksum
    rdm.pty.send(rdm_frame(EM_ID)[:7] + rdm_frame(EM_ID + 1))  # a frame cut short by STX
    rdm.pty.send(b"\x02" + b"0A00ZZ3456" + b"00\x03")  # a non-hex digit
    rdm.pty.send(rdm_frame(EM_ID + 2))
    rdm.events.wait_for(lambda e: e.kind == EventKind.CARD and e.card_key == cardkey.card_key(
        cardkey.raw_format(40), EM_ID + 2))
    keys = [e.card_key for e in rdm.events.of(EventKind.CARD)]
    assert keys == [cardkey.card_key(cardkey.raw_format(40), v) for v in (EM_ID + 1, EM_ID + 2)]
    stats = rdm.reader.stats()
    assert stats["checksum_errors"] == 1 and stats["framing_errors"] == 2
    # "noise", then what follows the bad digit up to the next STX: "Z3456", "00", ETX
    assert stats["garbage_bytes"] == len(b"noise") + len(b"Z3456") + len(b"00\x03")


def test_a_line_reader_reads_digit_lines(tmp_path: Path, now: list[float]) -> None:
    rig = Rig(tmp_path, now, protocol="line", key_bits=32)
    try:
        rig.pty.send(b"0012345678\r\n")
        rig.pty.send(b"12AB\r\n" + b"9" * 40 + b"\n" + b"99999999999\n")  # hex, long, too big
        rig.pty.send(b"4242\n")
        rig.events.wait_for(lambda e: e.card_key == cardkey.card_key(
            cardkey.raw_format(32), 4242))
        keys = [e.card_key for e in rig.events.of(EventKind.CARD)]
        assert keys == [cardkey.card_key(cardkey.raw_format(32), n) for n in (12345678, 4242)]
        stats = rig.reader.stats()
        assert stats["garbage_lines"] == 2 and stats["overlong_lines"] == 1
    finally:
        rig.stop()


def test_an_unplugged_port_goes_offline_and_comes_back(tmp_path: Path,
                                                       now: list[float]) -> None:
    rig = Rig(tmp_path, now, reopen_s=0.1)
    try:
        rig.pty.close()  # the USB adapter is pulled
        offline = rig.events.wait_kind(EventKind.OFFLINE, 3)
        rig.pty = Pty(rig.link)  # plugged in again; udev points the link at it
        rig.events.wait_for(lambda e: e.kind == EventKind.ONLINE and e.at > offline.at)
        rig.pty.send(rdm_frame(EM_ID))
        assert rig.events.wait_kind(EventKind.CARD).card_key == cardkey.card_key(
            cardkey.raw_format(40), EM_ID)
        assert rig.reader.stats()["port_errors"] >= 1
    finally:
        rig.stop()
    assert not rig.reader.running


def test_a_missing_port_is_reported_offline_once(tmp_path: Path) -> None:
    events = Events()
    config = SerialAsciiConfig(kind="serial", id=4, port=str(tmp_path / "none"), reopen_s=0.1)
    reader = SerialAsciiReader(config, events)
    reader.start()
    try:
        events.wait_kind(EventKind.OFFLINE, 4)
        wait_until(lambda: reader.stats().get("port_errors", 0) >= 3)
        assert len(events.of(EventKind.OFFLINE)) == 1
    finally:
        reader.stop()


def test_parsers_give_the_same_result_however_the_bytes_are_split() -> None:
    stream = b"x" + rdm_frame(EM_ID) + rdm_frame(EM_ID, checksum_fix=4) + rdm_frame(7)
    for size in (1, 2, 5, 13, len(stream)):
        counters = Counters()
        parser = Rdm6300Parser(counters)
        ids = []
        for i in range(0, len(stream), size):
            ids += parser.feed(stream[i:i + size])
        assert ids == [EM_ID, 7]
        assert counters.snapshot() == {"garbage_bytes": 1, "checksum_errors": 1}
    lines = b"12\r\n34\n\n56\r"
    for size in (1, 3, len(lines)):
        parser2 = LineParser(Counters(), max_line=8)
        out = []
        for i in range(0, len(lines), size):
            out += parser2.feed(lines[i:i + size])
        assert out == ["12", "34", "56"]


def test_em4100_key_choices() -> None:
    assert em4100_key(EM_ID, "raw40") == cardkey.card_key(cardkey.raw_format(40), EM_ID)
    assert em4100_key(EM_ID, "raw32") == cardkey.card_key(cardkey.raw_format(32), 0x00123456)
    # The low 24 bits as a Wiegand-26 reader of the same tag would send them.
    assert em4100_key(EM_ID, "h10301") == wiegand.card_key_for(cardkey.H10301_26, 0x12, 0x3456)
