"""The Raspberry Pi door port on gpiozero's mock pins: levels, polarity and callbacks.

gpiozero's MockFactory simulates the pins in memory; everything above it (device
classes, pull-ups, active levels, callbacks) is gpiozero's real code, as on a Pi.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from edge.door.clock import FakeClock
from edge.door.config import DoorConfig
from edge.door.errors import DoorConfigError, DoorHardwareError
from edge.door.events import DoorEvent
from edge.door.gpio import GpioDoorIO, GpioPins
from edge.door.io import CONTACT, EXIT
from edge.door.machine import Door


@pytest.fixture
def mock_pins() -> Iterator[MockFactory]:
    factory = MockFactory()
    yield factory
    factory.reset()


def test_relay_levels_with_an_active_low_relay_board(mock_pins: MockFactory) -> None:
    io = GpioDoorIO(GpioPins(relay=17, relay_active_high=False), pin_factory=mock_pins)
    relay = mock_pins.pin(17)
    states = [relay.state]  # released coil on an active-low board: pin high
    io.set_relay(True)
    states.append(relay.state)
    io.set_relay(False)
    states.append(relay.state)
    assert states == [True, False, True]
    io.close()


def test_contact_and_button_levels_with_pull_ups(mock_pins: MockFactory) -> None:
    io = GpioDoorIO(GpioPins(relay=17, contact=27, exit=22, bounce_ms=0), pin_factory=mock_pins)
    contact, button = mock_pins.pin(27), mock_pins.pin(22)
    contact.drive_low()  # NC contact to ground: closed door pulls the pin low
    button.drive_high()  # NO button released: the pull-up wins
    assert io.read(CONTACT) is False and io.read(EXIT) is False
    contact.drive_high()
    button.drive_low()
    assert io.read(CONTACT) is True and io.read(EXIT) is True
    io.close()


def test_unwired_inputs_read_inactive(mock_pins: MockFactory) -> None:
    io = GpioDoorIO(GpioPins(relay=17), pin_factory=mock_pins)
    assert io.read(CONTACT) is False and io.read(EXIT) is False
    io.close()


def test_a_door_on_gpio_pins_hears_the_contact_and_the_button(mock_pins: MockFactory) -> None:
    events: list[DoorEvent] = []
    io = GpioDoorIO(GpioPins(relay=17, contact=27, exit=22, bounce_ms=0), pin_factory=mock_pins)
    mock_pins.pin(27).drive_low()  # door closed at boot
    mock_pins.pin(22).drive_high()
    door = Door(DoorConfig(door=1, lock="fail_safe"), io, events.append, FakeClock())
    assert door.state().locked
    assert mock_pins.pin(17).state is True  # maglock energised = locked
    mock_pins.pin(22).drive_low()  # exit button pressed
    assert mock_pins.pin(17).state is False  # released
    mock_pins.pin(22).drive_high()
    mock_pins.pin(27).drive_high()  # door opens
    mock_pins.pin(27).drive_low()  # and closes: relock on close
    assert [e.kind for e in events] == ["exit_button", "door_opened", "door_closed"]
    assert events[1].data == {"authorised": True}
    assert mock_pins.pin(17).state is True
    io.close()


def test_pins_in_use_and_missing_gpiozero_are_hardware_errors(
        mock_pins: MockFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    first = GpioDoorIO(GpioPins(relay=17), pin_factory=mock_pins)
    with pytest.raises(DoorHardwareError, match="cannot claim GPIO pins"):
        GpioDoorIO(GpioPins(relay=17), pin_factory=mock_pins)
    first.close()

    def no_gpiozero(name: str) -> object:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(importlib, "import_module", no_gpiozero)
    with pytest.raises(DoorHardwareError, match="need gpiozero"):
        GpioDoorIO(GpioPins(relay=17), pin_factory=mock_pins)


@pytest.mark.parametrize(("table", "message"), [
    ({"contact": 4}, "gpio: missing key 'relay'"),
    ({"relay": 40}, "relay must be a BCM pin number 0..27, got 40"),
    ({"relay": 4, "contact": "4"}, "contact must be a BCM pin number"),
    ({"relay": 4, "contact_open_level": "up"}, "contact_open_level must be 'high' or 'low'"),
    ({"relay": 4, "relay_active_high": 1}, "relay_active_high must be true or false"),
    ({"relay": 4, "bounce_ms": -1}, "bounce_ms must be an integer 0..1000"),
    ({"relay": 4, "pin": 5}, "unknown key 'pin'"),
])
def test_bad_pin_tables_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(DoorConfigError, match=message):
        GpioPins.from_dict(table)
