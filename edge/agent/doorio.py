"""The door ports the agent builds from ``[doors.io]``: GPIO, the shared fake, a logged fake.

``gpio`` is :class:`edge.door.gpio.GpioDoorIO` (a Raspberry Pi). ``fake`` is the tests'
and simulator's :class:`edge.door.io.FakeDoorIO` (nothing leaves the process). ``file``
is the same fake whose relay commands are also appended, one JSON line each, to a file
that another process can watch (``{"door": 1, "energised": true, "ts": 1767225600.123}``),
which is how an agent run as a subprocess shows its relay moving. The file is written
without fsync: it is a window for tests and technicians, not a record (the outbox is).

``vratnik sim`` passes a factory of its own to :class:`edge.agent.core.Agent` instead.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from edge.config_hardware import DoorSettings
from edge.door.errors import DoorHardwareError
from edge.door.io import DoorIO, FakeDoorIO, InputCallback

log = logging.getLogger(__name__)

DoorIOFactory = Callable[[DoorSettings], DoorIO]


class FileDoorIO:
    """A :class:`FakeDoorIO` that also appends every relay command to ``path``."""

    def __init__(self, door: int, path: Path, *, door_open: bool = False) -> None:
        self.door = door
        self.path = path
        self.fake = FakeDoorIO(door_open=door_open)
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] | None = path.open("a", encoding="utf-8")
        except OSError as err:
            raise DoorHardwareError(f"door {door}: cannot open relay log {path}: "
                                    f"{err.strerror or err}") from err

    def set_relay(self, energised: bool) -> None:
        self.fake.set_relay(energised)
        line = json.dumps({"door": self.door, "energised": energised,
                           "ts": round(time.time(), 6)}) + "\n"
        with self._lock:
            if self._file is None:
                return
            try:
                self._file.write(line)
                self._file.flush()  # one write(2); another process sees it at once
            except OSError as err:
                raise DoorHardwareError(f"door {self.door}: relay log: {err}") from err

    def read(self, line: str) -> bool:
        return self.fake.read(line)

    def watch(self, callback: InputCallback) -> None:
        self.fake.watch(callback)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def make_door_io(settings: DoorSettings) -> DoorIO:
    """The port a door's ``[doors.io]`` describes (the agent's default factory)."""
    spec, door = settings.io, settings.config.door
    if spec.kind == "gpio":
        from edge.door.gpio import GpioDoorIO  # noqa: PLC0415 - gpiozero only on a Pi

        assert spec.pins is not None  # the config parser guarantees it
        # claim the relay at the locked level: no unlocked moment before the door drives it
        return GpioDoorIO(spec.pins, settings.config.relay_level(locked=True))
    if spec.kind == "file":
        assert spec.path is not None  # the config parser guarantees it
        return FileDoorIO(door, spec.path, door_open=spec.door_open)
    if spec.kind == "fake":
        return FakeDoorIO(door_open=spec.door_open)
    raise DoorHardwareError(f"door {door}: unknown door port kind {spec.kind!r}")


def close_door_io(io: DoorIO) -> None:
    """Release a port that holds something (GPIO pins, a file); others need nothing."""
    close = getattr(io, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # shutting down: say what failed and go on releasing the rest
            log.exception("closing a door port failed")
