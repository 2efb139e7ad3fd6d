"""Reading one table of ``edge.toml`` key by key, with messages that name the key's path.

Every message starts with the full path of the key and says what was expected, e.g.
``doors[1].unlock_ms: expected an integer 100..3600000, got "abc"``. Unknown keys are
refused at once with a did-you-mean when one known key is close
(``broker.usrname: unknown key (did you mean "username"?)``).

Sections the agent delegates (readers, doors, camera, face detector) raise their own
layer's errors; :func:`normalize` rewrites those messages into the same shape so
``vratnik edge check-config`` prints one consistent list.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from edge.errors import EdgeError

T = TypeVar("T")
_MISSING: object = object()


class ConfigKeyError(EdgeError):
    """One problem with one key of the agent's configuration (the message names it)."""


def shown(value: object) -> str:
    """A bad value as TOML would spell it, shortened: ``"abc"``, ``true``, ``a table``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 42 else text[:38] + '..."'
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


def unknown_key(where: str, key: str, known: Iterable[str]) -> str:
    """The message for ``key`` of table ``where`` that no one reads."""
    known = sorted(known)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    path = f"{where}.{key}" if where else key
    if close:
        return f'{path}: unknown key (did you mean "{close[0]}"?)'
    return f"{path}: unknown key (known: {', '.join(known)})"


class Table:
    """One TOML table at path ``where`` (empty for the top level) with its known keys."""

    def __init__(self, data: object, where: str, known: Sequence[str]) -> None:
        if not isinstance(data, Mapping):
            raise ConfigKeyError(f"{where}: expected a table, got {shown(data)}")
        self.data: Mapping[str, object] = data
        self.where = where
        self.known = tuple(known)
        for key in data:
            if key not in self.known:
                raise ConfigKeyError(unknown_key(where, str(key), self.known))

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: object = _MISSING) -> object:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise ConfigKeyError(f"{self.path(key)}: missing (this key is required)")
        return default

    def bad(self, key: str, expected: str) -> ConfigKeyError:
        return ConfigKeyError(f"{self.path(key)}: expected {expected}, "
                             f"got {shown(self.data.get(key))}")

    def integer(self, key: str, low: int, high: int, default: object = _MISSING) -> int:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.bad(key, f"an integer {low}..{high}")
        return value

    def optional_integer(self, key: str, low: int, high: int) -> int | None:
        return None if key not in self.data else self.integer(key, low, high)

    def number(self, key: str, low: float, high: float, default: object = _MISSING) -> float:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not low <= value <= high:
            raise self.bad(key, f"a number {low:g}..{high:g}")
        return float(value)

    def boolean(self, key: str, default: object = _MISSING) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.bad(key, "true or false")
        return value

    def text(self, key: str, default: object = _MISSING, max_len: int = 256) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or not value or len(value) > max_len:
            raise self.bad(key, f"a non-empty string of at most {max_len} characters")
        return value

    def optional_text(self, key: str, max_len: int = 256) -> str | None:
        return None if key not in self.data else self.text(key, max_len=max_len)

    def choice(self, key: str, choices: Sequence[str], default: object = _MISSING) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or value not in choices:
            raise self.bad(key, "one of " + ", ".join(f'"{c}"' for c in choices))
        return value

    def table(self, key: str, default: object = _MISSING) -> Mapping[str, object]:
        value = self.raw(key, default)
        if not isinstance(value, Mapping):
            raise self.bad(key, "a table")
        return value

    def path_value(self, key: str, base: Path, default: object = _MISSING) -> Path:
        """A file or directory path; relative paths are relative to ``base``."""
        return base / self.text(key, default, max_len=4096)

    def optional_path(self, key: str, base: Path) -> Path | None:
        return None if key not in self.data else self.path_value(key, base)


def tables(value: object, where: str) -> list[tuple[str, object]]:
    """The items of an array of tables as (path, item); a missing array is empty."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ConfigKeyError(f"{where}: expected an array of tables ([[{where}]]), "
                            f"got {shown(value)}")
    return [(f"{where}[{n}]", item) for n, item in enumerate(value)]


# "door 3: unlock_ms must be an integer 100..3600000, got 'abc'" (edge.door.config),
# "camera.files.paths must be a non-empty list ..., got list []" (edge.camera.config)
_MUST = re.compile(r"^(?:[A-Za-z]+(?: \d+)?: )?(?P<key>[\w.\[\]]+) must be (?P<what>.+?), "
                   r"got (?P<got>.*)$", re.DOTALL)
# "readers[0].id: must be 0..65535, got 70000" (edge.readers.configload)
_PATH_MUST = re.compile(r"^(?P<path>[\w.\[\]]+): must be (?P<what>.+?), got (?P<got>.*)$",
                        re.DOTALL)
# "readers[0].pathz: unknown setting (known: a, b)" (edge.readers.configload)
_UNKNOWN_SETTING = re.compile(r"^(?P<path>\S+)\.(?P<key>\w+): unknown setting "
                              r"\(known: (?P<known>[^)]*)\)$")
# "camera.files: unknown option 'pathz'; known: loop, paths" (camera, faces)
_UNKNOWN_OPTION = re.compile(r"^(?P<path>[\w.\[\]]+): unknown option '(?P<key>\w+)'; "
                             r"known: (?P<known>.*)$")
# "door: unknown key 'x'; known keys: a, b" (edge.door.config, edge.door.gpio)
_UNKNOWN_KEY = re.compile(r"^(?:[\w\s\d]+: )?unknown key '(?P<key>\w+)'; "
                          r"known keys: (?P<known>.*)$")


def normalize(message: str, prefix: str = "", values: Mapping[str, object] | None = None
              ) -> str:
    """Another layer's config message in this module's shape, under path ``prefix``.

    ``prefix`` is prepended to a relative key path (a door's ``unlock_ms`` becomes
    ``doors[1].unlock_ms``); ``values`` (the table the key came from) lets the bad value
    be shown as TOML spells it.
    """
    def full(path: str) -> str:
        if not prefix or path.startswith(prefix):
            return path
        return f"{prefix}.{path}"

    match = _UNKNOWN_SETTING.match(message) or _UNKNOWN_OPTION.match(message)
    if match:
        known = [k.strip() for k in match["known"].split(",") if k.strip()]
        return unknown_key(full(match["path"]), match["key"], known)
    match = _UNKNOWN_KEY.match(message)
    if match:
        known = [k.strip() for k in match["known"].split(",") if k.strip()]
        return unknown_key(prefix, match["key"], known)
    match = _PATH_MUST.match(message)
    if match:
        return f"{full(match['path'])}: expected {match['what']}, got {match['got']}"
    match = _MUST.match(message)
    if match:
        key = match["key"]
        got = match["got"]
        if values is not None and key in values:
            got = shown(values[key])
        return f"{full(key)}: expected {match['what']}, got {got}"
    if prefix and not message.startswith(prefix):
        return f"{prefix}: {message}"
    return message
