"""A door's configuration and the reader -> door bindings of a concentrator.

Both are built from plain mappings (a table of ``edge.toml``) by ``from_dict``, which
names the offending key and what was expected, so ``vratnik edge run`` can report a bad
configuration before it touches a relay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from edge.door.errors import DoorConfigError

FAIL_SAFE = "fail_safe"  # unlocked without power (maglock): energised coil = locked
FAIL_SECURE = "fail_secure"  # locked without power (most strikes): energised coil = unlocked
LOCK_TYPES = (FAIL_SAFE, FAIL_SECURE)
ENTRY = "entry"
EXIT = "exit"
DIRECTIONS = (ENTRY, EXIT)
MAX_DURATION_MS = 3_600_000  # the wire's limit for a command's duration_ms


@dataclass(frozen=True)
class DoorConfig:
    """How one door behaves.

    ``unlock_ms``: how long a grant releases the lock. ``exit_ms``: the same for the exit
    button (None: ``unlock_ms``). ``held_open_ms``: how long the door may stay open after
    an authorised opening before a ``door_held`` alarm. ``relock_on_close``: relock as
    soon as the door closes after it was opened, instead of waiting for the unlock time
    (one grant, one passage). ``exit_unlocks``: the exit button releases the lock; when
    False it only authorises an opening (doors with a mechanical handle inside).
    """

    door: int
    lock: str = FAIL_SECURE
    unlock_ms: int = 5000
    exit_ms: int | None = None
    held_open_ms: int = 30_000
    relock_on_close: bool = True
    exit_unlocks: bool = True
    name: str = ""

    def __post_init__(self) -> None:
        where = f"door {self.door}"
        _int_in(self.door, 0, 65535, "door", "door")
        if self.lock not in LOCK_TYPES:
            raise DoorConfigError(f"{where}: lock must be one of {', '.join(LOCK_TYPES)}, "
                                  f"got {self.lock!r}")
        _int_in(self.unlock_ms, 100, MAX_DURATION_MS, "unlock_ms", where)
        if self.exit_ms is not None:
            _int_in(self.exit_ms, 100, MAX_DURATION_MS, "exit_ms", where)
        _int_in(self.held_open_ms, 1000, 86_400_000, "held_open_ms", where)
        for key in ("relock_on_close", "exit_unlocks"):
            if type(getattr(self, key)) is not bool:
                raise DoorConfigError(f"{where}: {key} must be true or false, "
                                      f"got {getattr(self, key)!r}")
        if not isinstance(self.name, str):
            raise DoorConfigError(f"{where}: name must be text, got {self.name!r}")

    @property
    def fail_safe(self) -> bool:
        return self.lock == FAIL_SAFE

    def relay_level(self, locked: bool) -> bool:
        """The coil state (True = energised) that makes the lock ``locked``."""
        return locked if self.fail_safe else not locked

    @classmethod
    def from_dict(cls, data: Mapping[str, object], where: str = "door") -> DoorConfig:
        """A config from a mapping; unknown or missing keys raise :class:`DoorConfigError`."""
        _check_keys(cls, data, where, required=("door",))
        try:
            return cls(**data)  # type: ignore[arg-type]  # each field is checked in __post_init__
        except DoorConfigError as err:
            raise DoorConfigError(f"{where}: {err}") from None


@dataclass(frozen=True)
class ReaderBinding:
    """Reader head ``reader`` opens door ``door``; ``direction`` is entry or exit."""

    reader: int
    door: int
    direction: str = ENTRY

    def __post_init__(self) -> None:
        where = f"reader {self.reader}"
        _int_in(self.reader, 0, 65535, "reader", "reader")
        _int_in(self.door, 0, 65535, "door", where)
        if self.direction not in DIRECTIONS:
            raise DoorConfigError(f"{where}: direction must be entry or exit, "
                                  f"got {self.direction!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, object], where: str = "reader") -> ReaderBinding:
        """A binding from a mapping; unknown or missing keys raise :class:`DoorConfigError`."""
        _check_keys(cls, data, where, required=("reader", "door"))
        try:
            return cls(**data)  # type: ignore[arg-type]  # each field is checked in __post_init__
        except DoorConfigError as err:
            raise DoorConfigError(f"{where}: {err}") from None


def _check_keys(cls: type, data: Mapping[str, object], where: str,
               required: tuple[str, ...]) -> None:
    if not isinstance(data, Mapping):
        raise DoorConfigError(f"{where}: expected a table, got {type(data).__name__}")
    known = [f.name for f in fields(cls)]
    for key in data:
        if key not in known:
            raise DoorConfigError(f"{where}: unknown key {key!r}; known keys: {', '.join(known)}")
    for key in required:
        if key not in data:
            raise DoorConfigError(f"{where}: missing key {key!r}")


def _int_in(value: object, low: int, high: int, key: str, where: str) -> None:
    if type(value) is not int or not low <= value <= high:
        raise DoorConfigError(f"{where}: {key} must be an integer {low}..{high}, got {value!r}")
