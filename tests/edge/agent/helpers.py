"""A minimal valid edge.toml as a dict, and a way to write one for the agent tests."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

KEY = b"k" * 32


def minimal(tmp: Path) -> dict[str, Any]:
    """A valid configuration (a key file in ``tmp``): one replay reader, two fake doors."""
    (tmp / "device-key").write_text(base64.b64encode(KEY).decode() + "\n")
    return copy.deepcopy({
        "site": "plant", "controller": "door-1", "data_dir": "data",
        "broker": {"url": "mqtt://127.0.0.1:1883", "key_id": "k1",
                   "device_key_file": "device-key"},
        "readers": [{"kind": "wiegand", "id": 1, "source": "replay",
                     "replay_file": "reader1.txt"}],
        "doors": [{"door": 1, "io": {"kind": "fake"}},
                  {"door": 2, "io": {"kind": "file", "path": "relay.log"}}],
        "bindings": [{"reader": 1, "door": 1}],
    })


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def to_toml(data: dict[str, Any]) -> str:
    """Enough TOML for these tests: scalars first, then tables and arrays of tables."""
    lines: list[str] = []
    later: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            later.append(f"\n[{key}]")
            later += [f"{k} = {toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                later.append(f"\n[[{key}]]")
                later += [f"{k} = {toml_value(v)}" for k, v in item.items()]
        else:
            lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines + later) + "\n"
