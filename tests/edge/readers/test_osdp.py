"""The OSDP control panel against libosdp's real reader (PD) side, secure channel on.

Readers share one in-memory RS-485 bus (edge/readers/osdp_channel.py), and one test runs
the production SerialChannel over a real pty pair through pyserial.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import osdp
import pytest

from edge.readers.base import EventKind
from edge.readers.osdp import OsdpConfig, OsdpHeadConfig, OsdpReader
from edge.readers.osdp_channel import BusEndpoint, InProcessBus, SerialChannel
from edge.readers.osdp_virtual import VirtualOsdpReader
from protocols.portable import cardkey, wiegand
from tests.edge.readers.helpers import Events

KEY_A = bytes(range(16))
KEY_B = bytes(range(100, 116))


def bus_config(*heads: OsdpHeadConfig, **changes: object) -> OsdpConfig:
    settings: dict[str, object] = {"retry_s": 0.2, "startup_grace_s": 3.0} | changes
    return OsdpConfig("osdp", "in-memory", heads, **settings)  # type: ignore[arg-type]


@dataclass
class Bus:
    """A control panel and virtual readers on one in-memory bus."""

    bus: InProcessBus = field(default_factory=InProcessBus)
    events: Events = field(default_factory=Events)
    readers: list[VirtualOsdpReader] = field(default_factory=list)
    panels: list[OsdpReader] = field(default_factory=list)

    def panel(self, config: OsdpConfig) -> OsdpReader:
        reader = OsdpReader(config, self.events, self.bus.endpoint())
        self.panels.append(reader)
        reader.start()
        return reader

    def reader(self, address: int, key: bytes | None,
               endpoint: BusEndpoint | None = None) -> VirtualOsdpReader:
        pd = VirtualOsdpReader(address, endpoint or self.bus.endpoint(), key)
        self.readers.append(pd)
        pd.start()
        return pd


@pytest.fixture
def rig() -> Iterator[Bus]:
    made = Bus()
    yield made
    for panel in made.panels:
        panel.stop()
    for pd in made.readers:
        pd.stop()


def test_two_secure_readers_deliver_cards_pins_and_alarms(rig: Bus) -> None:
    pd_a, pd_b = rig.reader(101, KEY_A), rig.reader(102, KEY_B)
    panel = rig.panel(bus_config(OsdpHeadConfig(7, 101, KEY_A.hex()),
                                 OsdpHeadConfig(8, 102, KEY_B.hex())))
    for reader in (7, 8):
        online = rig.events.wait_kind(EventKind.ONLINE, reader)
        assert online.detail.endswith(", secure channel")
    assert pd_a.wait_secure(5) and pd_b.wait_secure(5)

    pd_a.present_wiegand(cardkey.H10301_26, 12, 3456)
    card = rig.events.wait_kind(EventKind.CARD, 7)
    assert card.card_key == wiegand.card_key_for(cardkey.H10301_26, 12, 3456)

    pd_b.press("9*1234#")
    assert rig.events.wait_kind(EventKind.PIN, 8).pin == "1234"

    pd_b.local_status(tamper=True, power_fault=False)
    tamper = rig.events.wait_kind(EventKind.TAMPER, 8)
    assert tamper.alarm is True
    pd_b.local_status(tamper=False, power_fault=True)
    assert rig.events.wait_kind(EventKind.POWER, 8).alarm is True
    rig.events.wait_for(lambda e: e.kind == EventKind.TAMPER and e.alarm is False)
    assert rig.events.of(EventKind.CARD) == [card]  # nothing else became a card
    assert panel.reader_ids == (7, 8)
    assert panel.stats()["cards"] == 1 and panel.stats()["keys"] == 7


def test_feedback_reaches_the_reader_as_led_and_buzzer_commands(rig: Bus) -> None:
    pd_a, pd_b = rig.reader(101, KEY_A), rig.reader(102, KEY_B)
    panel = rig.panel(bus_config(OsdpHeadConfig(7, 101, KEY_A.hex()),
                                 OsdpHeadConfig(8, 102, KEY_B.hex()), feedback_s=1.5))
    rig.events.wait_kind(EventKind.ONLINE, 7)
    rig.events.wait_kind(EventKind.ONLINE, 8)

    panel.feedback(7, granted=True)
    panel.feedback(8, granted=False)
    led = pd_a.wait_command(osdp.Command.LED, 5)
    assert led is not None
    assert led["on_color"] == osdp.CommandLEDColor.Green and led["temporary"] is True
    assert led["timer_count"] == 15  # 1.5 s in 100 ms units
    beep = pd_a.wait_command(osdp.Command.Buzzer, 5)
    assert beep is not None and beep["rep_count"] == 1
    led = pd_b.wait_command(osdp.Command.LED, 5)
    assert led is not None and led["on_color"] == osdp.CommandLEDColor.Red
    beep = pd_b.wait_command(osdp.Command.Buzzer, 5)
    assert beep is not None and beep["rep_count"] == 3
    # Each reader got only its own feedback.
    assert [c["command"] for c in pd_a.commands].count(osdp.Command.LED) == 1
    panel.feedback(99, granted=True)
    assert panel.stats()["feedback_unknown_reader"] == 1


def test_a_silent_reader_goes_offline_and_comes_back(rig: Bus) -> None:
    end_b = rig.bus.endpoint()
    pd_a, pd_b = rig.reader(101, KEY_A), rig.reader(102, KEY_B, end_b)
    panel = rig.panel(bus_config(OsdpHeadConfig(7, 101, KEY_A.hex()),
                                 OsdpHeadConfig(8, 102, KEY_B.hex())))
    rig.events.wait_kind(EventKind.ONLINE, 7)
    rig.events.wait_kind(EventKind.ONLINE, 8)

    end_b.connected = False  # the cable is cut and the reader loses power
    pd_b.stop()
    offline = rig.events.wait_kind(EventKind.OFFLINE, 8, timeout=20)
    assert offline.detail == "osdp address 102"
    # The other reader on the bus keeps working meanwhile.
    pd_a.present_wiegand(cardkey.H10301_26, 1, 2)
    assert rig.events.wait_kind(EventKind.CARD, 7).card_key == wiegand.card_key_for(
        cardkey.H10301_26, 1, 2)

    end_b.connected = True  # the reader boots again: a fresh secure channel
    pd_b2 = rig.reader(102, KEY_B, end_b)
    back = rig.events.wait_for(lambda e: e.kind == EventKind.ONLINE and e.reader == 8
                               and e.at > offline.at, timeout=20)
    assert back.detail.endswith("secure channel")
    pd_b2.press("55#")
    assert rig.events.wait_kind(EventKind.PIN, 8).pin == "55"
    assert [e.kind for e in rig.events.items if e.reader == 7].count(EventKind.OFFLINE) == 0
    assert panel.stats()["probes"] >= 1


def test_a_reader_with_the_wrong_key_never_comes_online(rig: Bus) -> None:
    pd = rig.reader(101, KEY_B)  # its key is not the one the panel has for it
    panel = rig.panel(bus_config(OsdpHeadConfig(7, 101, KEY_A.hex()), startup_grace_s=1.0))
    offline = rig.events.wait_kind(EventKind.OFFLINE, 7)
    assert offline.detail == "osdp address 101"
    pd.present_wiegand(cardkey.H10301_26, 1, 2)
    assert not pd.wait_secure(1.0)
    assert rig.events.of(EventKind.ONLINE) == [] and rig.events.of(EventKind.CARD) == []
    assert "cards" not in panel.stats()


def test_raw_and_corrupt_card_data(rig: Bus) -> None:
    pd = rig.reader(101, KEY_A)
    panel = rig.panel(bus_config(OsdpHeadConfig(7, 101, KEY_A.hex())))
    rig.events.wait_kind(EventKind.ONLINE, 7)
    bits, value = wiegand.encode(cardkey.H10301_26, 3, 4)
    pd.present_card(bits, value ^ 1)  # parity broken on the way
    pd.present_raw(32, bytes.fromhex("deadbeef"))
    card = rig.events.wait_kind(EventKind.CARD, 7)
    assert card.card_key == cardkey.card_key(cardkey.raw_format(32), 0xDEADBEEF)
    assert panel.stats()["parity_errors"] == 1
    assert len(rig.events.of(EventKind.CARD)) == 1


class PtyMasterChannel:
    """The reader's end of a pty pair, as a libosdp channel (the panel opens the other)."""

    id = 0

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)

    def read(self, max_bytes: int) -> bytes:
        try:
            return os.read(self.fd, max_bytes)
        except BlockingIOError:
            return b""

    def write(self, buf: bytes) -> int:
        try:
            return os.write(self.fd, buf)
        except BlockingIOError:
            return 0

    def flush(self) -> None:
        """Nothing buffered on this side."""


def test_the_serial_channel_runs_the_bus_over_a_real_tty() -> None:
    master, slave = os.openpty()
    events = Events()
    pd = VirtualOsdpReader(101, PtyMasterChannel(master), KEY_A)
    config = OsdpConfig("osdp", os.ttyname(slave), (OsdpHeadConfig(7, 101, KEY_A.hex()),))
    channel = SerialChannel(config.port, config.baud)
    panel = OsdpReader(config, events, channel)
    pd.start()
    panel.start()
    try:
        online = events.wait_kind(EventKind.ONLINE, 7)
        assert online.detail.endswith(", secure channel")
        pd.press("4711#")
        assert events.wait_kind(EventKind.PIN, 7).pin == "4711"
    finally:
        panel.stop()
        pd.stop()
        os.close(master)
        os.close(slave)


def test_a_serial_channel_on_a_missing_port_counts_errors_and_sends_nothing() -> None:
    channel = SerialChannel("/dev/does-not-exist", 115200)
    assert channel.read(64) == b"" and channel.write(b"\xff") == 0
    assert channel.counters.get("port_errors") == 1  # retried only after reopen_s
