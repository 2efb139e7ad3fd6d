"""Reading a TOML table key by key, with errors that name the key's path.

:class:`Table` hands out typed values (``t.integer("port", 0, 65535, default=0)``) and
remembers every key it was asked for; :meth:`Table.done` then rejects any key nobody
asked for, listing the known ones. Every message starts with the path of the key, e.g.
``script[3].door: unknown door 'Frnt' (doors: Front, Back)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from sim.errors import ScenarioError

T = TypeVar("T")
_MISSING = object()


def fail(where: str, message: str) -> ScenarioError:
    """The error for the key at path ``where``."""
    return ScenarioError(f"{where}: {message}")


def shown(value: object) -> str:
    """A short, typed rendering of a bad value for a message."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({type(value).__name__})"


class Table:
    """One TOML table at path ``where``."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise fail(where, f"expected a table, got {shown(data)}")
        self.data: Mapping[str, object] = data
        self.where = where
        self.asked: list[str] = []

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def has(self, key: str) -> bool:
        self.asked.append(key)
        return key in self.data

    def _get(self, key: str, default: object) -> object:
        self.asked.append(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise fail(self.path(key), "missing (this key is required)")
        return default

    def text(self, key: str, default: object = _MISSING, *, choices: Sequence[str] = ()) -> str:
        value = self._get(key, default)
        if not isinstance(value, str) or not value:
            raise fail(self.path(key), f"expected a non-empty string, got {shown(value)}")
        if choices and value not in choices:
            raise fail(self.path(key), f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def opt_text(self, key: str) -> str | None:
        return None if self._get(key, None) is None else self.text(key)

    def integer(self, key: str, low: int, high: int, default: object = _MISSING) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise fail(self.path(key), f"expected an integer {low}..{high}, got {shown(value)}")
        return value

    def number(self, key: str, low: float, high: float, default: object = _MISSING) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not low <= value <= high:
            raise fail(self.path(key), f"expected a number {low:g}..{high:g}, got {shown(value)}")
        return float(value)

    def flag(self, key: str, default: object = _MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise fail(self.path(key), f"expected true or false, got {shown(value)}")
        return value

    def texts(self, key: str, default: object = _MISSING) -> tuple[str, ...]:
        value = self._get(key, default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(
                isinstance(v, str) and v for v in value):
            raise fail(self.path(key), f"expected a list of strings, got {shown(value)}")
        return tuple(value)

    def table(self, key: str) -> Table:
        """A sub-table (an empty one when the key is absent)."""
        return Table(self._get(key, {}), self.path(key))

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[key]]``), each with its index in the path."""
        value = self._get(key, [])
        if not isinstance(value, list):
            raise fail(self.path(key), f"expected an array of tables ([[{key}]]), "
                       f"got {shown(value)}")
        return [Table(item, f"{self.path(key)}[{i}]") for i, item in enumerate(value)]

    def done(self) -> None:
        """Reject keys nobody asked for (typos), naming the known keys."""
        unknown = sorted(k for k in self.data if k not in self.asked)
        if unknown:
            known = ", ".join(sorted(set(self.asked)))
            raise fail(self.path(unknown[0]), f"unknown key (known keys here: {known})")


def one_of(where: str, name: str, known: Mapping[str, T], what: str) -> T:
    """``known[name]``, or an error naming the known names."""
    if name in known:
        return known[name]
    listing = ", ".join(sorted(known)) or "none"
    raise fail(where, f"unknown {what} {name!r} ({what}s: {listing})")
