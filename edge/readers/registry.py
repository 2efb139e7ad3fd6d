"""Reader plugins by ``kind``, and reader configs from the agent's configuration file.

``[[readers]]`` tables in edge.toml each name a ``kind``; the kind picks the plugin and
its typed config (one dataclass per plugin, checked by configload.py). Across the list,
reader ids, serial ports and GPIO pins must not be used twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edge.readers import osdp, serial_ascii, usb_hid, wiegand
from edge.readers.base import EventSink, Reader
from edge.readers.configload import fail, load

ReaderConfig = (wiegand.WiegandConfig | osdp.OsdpConfig | serial_ascii.SerialAsciiConfig
                | usb_hid.UsbHidConfig)


@dataclass(frozen=True)
class Plugin:
    """A reader plugin: its config type and how to build it with production ports."""

    config: type[Any]
    create: Callable[[Any, EventSink], Reader]


PLUGINS: dict[str, Plugin] = {
    "wiegand": Plugin(wiegand.WiegandConfig, wiegand.create),
    "osdp": Plugin(osdp.OsdpConfig, osdp.create),
    "serial": Plugin(serial_ascii.SerialAsciiConfig, serial_ascii.create),
    "usb": Plugin(usb_hid.UsbHidConfig, usb_hid.create),
}


def parse_reader_config(data: object, where: str = "readers[0]") -> ReaderConfig:
    """One reader's config from its table; ReaderConfigError names the bad key."""
    if not isinstance(data, Mapping):
        raise fail(where, f"expected a table of settings, got {type(data).__name__}")
    kind = data.get("kind")
    if kind not in PLUGINS:
        shown = "missing" if kind is None else f"unknown kind {kind!r}"
        raise fail(f"{where}.kind", f"{shown} (expected one of: {', '.join(PLUGINS)})")
    config: ReaderConfig = load(PLUGINS[str(kind)].config, data, where)
    return config


def parse_reader_configs(items: object, where: str = "readers") -> tuple[ReaderConfig, ...]:
    """Every reader's config; also rejects a reader id, port or pin used twice."""
    if not isinstance(items, list | tuple):
        raise fail(where, f"expected a list of reader tables, got {type(items).__name__}")
    configs = tuple(parse_reader_config(item, f"{where}[{i}]") for i, item in enumerate(items))
    owners: dict[tuple[str, object], str] = {}
    for i, config in enumerate(configs):
        for key_path, what, value in _claims(config):
            here = f"{where}[{i}]"
            owner = owners.get((what, value))
            if owner is not None:
                raise fail(f"{here}.{key_path}", f"{what} {value} is already used by {owner}")
            owners[(what, value)] = here
    return configs


def _claims(config: ReaderConfig) -> list[tuple[str, str, object]]:
    """(key path, resource kind, value) of everything the reader uses exclusively."""
    if isinstance(config, osdp.OsdpConfig):
        return [("port", "port", config.port)] + [
            (f"heads[{n}].id", "reader id", head.id) for n, head in enumerate(config.heads)]
    claims: list[tuple[str, str, object]] = [("id", "reader id", config.id)]
    if isinstance(config, serial_ascii.SerialAsciiConfig):
        claims.append(("port", "port", config.port))
    elif isinstance(config, usb_hid.UsbHidConfig):
        claims.append(("device", "device", config.device))
    elif config.source == "gpio":
        for key in ("d0_pin", "d1_pin", "led_pin", "beeper_pin"):
            pin = getattr(config, key)
            if pin is not None:
                claims.append((key, "GPIO", pin))
    return claims


def build_reader(config: ReaderConfig, sink: EventSink) -> Reader:
    """The reader for a parsed config, on its production port (not started)."""
    return PLUGINS[config.kind].create(config, sink)
