"""The door port on a Raspberry Pi's GPIO header, through gpiozero (lgpio on a Pi 5).

gpiozero is imported only when a :class:`GpioDoorIO` is made, so the agent, the tests and
the simulator run without it (``pip install gpiozero lgpio`` on the Pi). Wiring is
configuration (:class:`GpioPins`): BCM pin numbers, whether the relay board switches on
a high or a low level, and which level means "door open" / "button pressed" with the
internal pull-up on (a normally-closed contact to ground reads high when the door
opens; a normally-open button to ground reads low while pressed). gpiozero debounces
the inputs and calls back from its own thread; the door state machine is thread-safe.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from edge.door.errors import DoorConfigError, DoorHardwareError
from edge.door.io import CONTACT, EXIT, InputCallback

LEVELS = ("high", "low")


@dataclass(frozen=True)
class GpioPins:
    """BCM pins and levels of one door (``contact`` / ``exit`` None: not wired)."""

    relay: int
    contact: int | None = None
    exit: int | None = None
    relay_active_high: bool = True
    contact_open_level: str = "high"
    exit_pressed_level: str = "low"
    bounce_ms: int = 20

    def __post_init__(self) -> None:
        for key in ("relay", "contact", "exit"):
            value = getattr(self, key)
            if (value is not None or key == "relay") and (
                    type(value) is not int or not 0 <= value <= 27):
                raise DoorConfigError(f"{key} must be a BCM pin number 0..27, got {value!r}")
        for key in ("contact_open_level", "exit_pressed_level"):
            if getattr(self, key) not in LEVELS:
                raise DoorConfigError(f"{key} must be 'high' or 'low', got {getattr(self, key)!r}")
        if type(self.relay_active_high) is not bool:
            raise DoorConfigError(f"relay_active_high must be true or false, "
                                  f"got {self.relay_active_high!r}")
        if type(self.bounce_ms) is not int or not 0 <= self.bounce_ms <= 1000:
            raise DoorConfigError(f"bounce_ms must be an integer 0..1000, got {self.bounce_ms!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, object], where: str = "gpio") -> GpioPins:
        """Pins from a mapping; unknown or missing keys raise :class:`DoorConfigError`."""
        known = [f.name for f in fields(cls)]
        for key in data:
            if key not in known:
                raise DoorConfigError(f"{where}: unknown key {key!r}; known keys: "
                                      f"{', '.join(known)}")
        if "relay" not in data:
            raise DoorConfigError(f"{where}: missing key 'relay'")
        try:
            return cls(**data)  # type: ignore[arg-type]  # each field is checked above
        except DoorConfigError as err:
            raise DoorConfigError(f"{where}: {err}") from None


class GpioDoorIO:
    """:class:`edge.door.io.DoorIO` on GPIO pins; needs gpiozero (a Raspberry Pi)."""

    def __init__(self, pins: GpioPins, initial_energised: bool = False, *,
                 pin_factory: Any = None) -> None:
        """Claim the pins; ``pin_factory`` None is gpiozero's default (lgpio on a Pi)."""
        try:
            gpiozero: Any = importlib.import_module("gpiozero")
            self._relay = gpiozero.DigitalOutputDevice(
                pins.relay, active_high=pins.relay_active_high, initial_value=initial_energised,
                pin_factory=pin_factory)
            self._inputs: dict[str, tuple[Any, str]] = {}
            bounce = pins.bounce_ms / 1000 or None
            for line, pin, level in ((CONTACT, pins.contact, pins.contact_open_level),
                                     (EXIT, pins.exit, pins.exit_pressed_level)):
                if pin is not None:
                    device = gpiozero.DigitalInputDevice(pin, pull_up=True, bounce_time=bounce,
                                                         pin_factory=pin_factory)
                    self._inputs[line] = (device, level)
        except ImportError as err:
            raise DoorHardwareError("GPIO doors need gpiozero (pip install gpiozero lgpio) "
                                    "on a Raspberry Pi") from err
        except Exception as err:  # gpiozero's errors (pin in use, no pin factory)
            raise DoorHardwareError(f"cannot claim GPIO pins {pins}: {err}") from err

    def set_relay(self, energised: bool) -> None:
        try:
            self._relay.value = 1 if energised else 0
        except Exception as err:
            raise DoorHardwareError(f"relay write failed: {err}") from err

    def read(self, line: str) -> bool:
        entry = self._inputs.get(line)
        if entry is None:
            return False  # not wired: a door without a contact is never seen open
        device, level = entry
        # with the pull-up on, gpiozero's is_active means "pin low"
        return bool(device.is_active) == (level == "low")

    def watch(self, callback: InputCallback) -> None:
        for line, (device, level) in self._inputs.items():
            # gpiozero's "activated" means "pin low" (pull-up on). Report the state the edge
            # went to, not a fresh read: by the time the callback runs the pin may have
            # moved on, and the state machine must see every edge in order.
            device.when_activated = self._notifier(callback, line, level == "low")
            device.when_deactivated = self._notifier(callback, line, level == "high")

    @staticmethod
    def _notifier(callback: InputCallback, line: str, active: bool) -> Callable[[], None]:
        # gpiozero calls a callback without arguments when it takes none
        def changed() -> None:
            callback(line, active)

        return changed

    def close(self) -> None:
        """Release the pins."""
        self._relay.close()
        for device, _level in self._inputs.values():
            device.close()
