"""Typed plugin configs from TOML-like mappings, with errors that name the bad key.

Each reader plugin declares its config as a frozen dataclass; :func:`load` checks a
mapping against the field annotations (unknown keys, missing keys, wrong types, values
outside a ``Literal``) and then calls the dataclass's ``check(where)`` for range rules.
Every message starts with the key's path, e.g. ``readers[1].heads[0].scbk: ...``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from edge.readers.errors import ReaderConfigError

T = TypeVar("T")

_TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def fail(where: str, message: str) -> ReaderConfigError:
    """The error for the key at path ``where``."""
    return ReaderConfigError(f"{where}: {message}")


def load(cls: type[T], data: object, where: str) -> T:
    """An instance of dataclass ``cls`` from ``data`` (a mapping), fully checked."""
    if not isinstance(data, Mapping):
        raise fail(where, f"expected a table of settings, got {_shown(data)}")
    fields = {f.name: f for f in dataclasses.fields(cast(Any, cls))}
    unknown = sorted(str(k) for k in data if k not in fields)
    if unknown:
        raise fail(f"{where}.{unknown[0]}",
                   f"unknown setting (known: {', '.join(sorted(fields))})")
    hints = typing.get_type_hints(cls)
    values: dict[str, object] = {}
    for name, spec in fields.items():
        if name not in data:
            required = (spec.default is dataclasses.MISSING
                        and spec.default_factory is dataclasses.MISSING)
            if required:
                raise fail(f"{where}.{name}", "missing (this setting is required)")
            continue
        values[name] = _value(hints[name], data[name], f"{where}.{name}")
    instance = cls(**values)
    check = getattr(instance, "check", None)
    if check is not None:
        check(where)
    return instance


def _value(hint: object, value: object, where: str) -> object:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        allowed = typing.get_args(hint)
        # bool is an int in Python; a literal 1 must not accept true.
        if isinstance(value, bool) or value not in allowed:
            raise fail(where, f"expected one of {', '.join(repr(a) for a in allowed)}, "
                       f"got {_shown(value)}")
        return value
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _value(options[0], value, where)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, list | tuple):
            raise fail(where, f"expected a list, got {_shown(value)}")
        return tuple(_value(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return load(hint, value, where)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(where, f"expected {_TYPE_WORDS[float]}, got {_shown(value)}")
        return float(value)
    if hint in (int, str, bool):
        ok = isinstance(value, cast(type, hint)) and not (hint is int and isinstance(value, bool))
        if not ok:
            raise fail(where, f"expected {_TYPE_WORDS[cast(type, hint)]}, got {_shown(value)}")
        return value
    raise fail(where, f"unsupported setting type {hint!r}")  # a bug in a plugin's config


def _shown(value: object) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({type(value).__name__})"


def in_range(where: str, key: str, value: float, low: float, high: float) -> None:
    """Raise for ``key`` outside ``low..high`` (inclusive)."""
    if not low <= value <= high:
        raise fail(f"{where}.{key}", f"must be {low}..{high}, got {value}")


def check_reader_id(where: str, value: int) -> None:
    """Reader ids are the compiled list's 16-bit reader ids."""
    in_range(where, "id", value, 0, 65535)
