"""Reader configs from edge.toml: one typed config per kind, errors that name the key."""

from __future__ import annotations

import tomllib

import pytest

from edge.readers import registry
from edge.readers.errors import ReaderConfigError
from edge.readers.osdp import OsdpConfig, OsdpReader
from edge.readers.serial_ascii import SerialAsciiConfig, SerialAsciiReader
from edge.readers.usb_hid import UsbHidConfig, UsbHidReader
from edge.readers.wiegand import WiegandConfig
from tests.edge.readers.helpers import Events

KEY = "00112233445566778899aabbccddeeff"

EXAMPLE = f"""
[[readers]]
kind = "wiegand"
id = 1
d0_pin = 17
d1_pin = 27
frame_timeout_ms = 30
led_pin = 22

[[readers]]
kind = "osdp"
port = "/dev/ttyUSB0"
baud = 38400

  [[readers.heads]]
  id = 2
  address = 1
  scbk = "{KEY}"

  [[readers.heads]]
  id = 3
  address = 2
  secure = false

[[readers]]
kind = "serial"
id = 4
port = "/dev/ttyAMA0"
em_key = "h10301"

[[readers]]
kind = "usb"
id = 5
device = "/dev/input/by-id/usb-reader-event-kbd"
"""


def readers(text: str) -> list[object]:
    parsed: list[object] = tomllib.loads(text)["readers"]
    return parsed


def test_the_example_file_gives_one_typed_config_per_reader() -> None:
    wiegand, osdp, serial, usb = registry.parse_reader_configs(readers(EXAMPLE))
    assert isinstance(wiegand, WiegandConfig)
    assert (wiegand.d0_pin, wiegand.frame_timeout_ms, wiegand.led_pin) == (17, 30.0, 22)
    assert wiegand.timing().frame_timeout_us == 30_000
    assert isinstance(osdp, OsdpConfig) and osdp.baud == 38400
    assert [(h.id, h.address, h.key()) for h in osdp.heads] == [
        (2, 1, bytes.fromhex(KEY)), (3, 2, None)]
    assert isinstance(serial, SerialAsciiConfig) and serial.em_key == "h10301"
    assert isinstance(usb, UsbHidConfig) and usb.grab is True


def test_build_reader_picks_the_plugin_without_touching_hardware() -> None:
    _wiegand, osdp, serial, usb = registry.parse_reader_configs(readers(EXAMPLE))
    sink = Events()
    built = [registry.build_reader(c, sink) for c in (osdp, serial, usb)]
    assert [type(r) for r in built] == [OsdpReader, SerialAsciiReader, UsbHidReader]
    assert [r.reader_ids for r in built] == [(2, 3), (4,), (5,)]
    assert sink.items == []


def error(item: dict[str, object]) -> str:
    with pytest.raises(ReaderConfigError) as caught:
        registry.parse_reader_configs([item])
    return str(caught.value)


WIEGAND: dict[str, object] = {"kind": "wiegand", "id": 1, "d0_pin": 17, "d1_pin": 27}
OSDP: dict[str, object] = {"kind": "osdp", "port": "/dev/ttyUSB0",
                           "heads": [{"id": 2, "address": 1, "scbk": KEY}]}


@pytest.mark.parametrize(("item", "message"), [
    ({"id": 1}, "readers[0].kind: missing (expected one of: wiegand, osdp, serial, usb)"),
    ({"kind": "rfid"}, "readers[0].kind: unknown kind 'rfid'"),
    (WIEGAND | {"d2_pin": 5}, "readers[0].d2_pin: unknown setting (known: "),
    ({"kind": "wiegand", "d0_pin": 1, "d1_pin": 2}, "readers[0].id: missing (this setting"),
    (WIEGAND | {"id": "one"}, "readers[0].id: expected an integer, got 'one' (str)"),
    (WIEGAND | {"id": True}, "readers[0].id: expected an integer, got True (bool)"),
    (WIEGAND | {"id": 70000}, "readers[0].id: must be 0..65535, got 70000"),
    (WIEGAND | {"keypad": "yes"}, "readers[0].keypad: expected true or false"),
    (WIEGAND | {"frame_timeout_ms": "25"}, "readers[0].frame_timeout_ms: expected a number"),
    (WIEGAND | {"frame_timeout_ms": 0}, "readers[0].frame_timeout_ms: must be 1..1000, got 0"),
    (WIEGAND | {"source": "usb"}, "readers[0].source: expected one of 'gpio', 'replay'"),
    (WIEGAND | {"format": "H10302"}, "readers[0].format: unknown format 'H10302' (known: auto"),
    (WIEGAND | {"d1_pin": 17}, "readers[0].d1_pin: must differ from d0_pin"),
    (WIEGAND | {"d0_pin": 99}, "readers[0].d0_pin: must be 0..53, got 99"),
    ({"kind": "wiegand", "id": 1}, "readers[0].d0_pin: missing (required when source = 'gpio')"),
    ({"kind": "wiegand", "id": 1, "source": "replay"},
     "readers[0].replay_file: missing (required when source = 'replay')"),
    (WIEGAND | {"max_pulse_us": 5}, "readers[0].max_pulse_us: must be 10..100000, got 5"),
    (OSDP | {"heads": []}, "readers[0].heads: needs at least one reader head"),
    (OSDP | {"heads": {"id": 2}}, "readers[0].heads: expected a list, got"),
    (OSDP | {"heads": [{"id": 2, "address": 1}]},
     "readers[0].heads[0].scbk: missing (32 hex digits; or set secure = false)"),
    (OSDP | {"heads": [{"id": 2, "address": 1, "scbk": "abc"}]},
     "readers[0].heads[0].scbk: must be 32 hex digits"),
    (OSDP | {"heads": [{"id": 2, "address": 1, "scbk": KEY, "secure": False}]},
     "readers[0].heads[0].scbk: given, but secure = false"),
    (OSDP | {"heads": [{"id": 2, "address": 127, "scbk": KEY}]},
     "readers[0].heads[0].address: must be 0..126, got 127"),
    (OSDP | {"heads": [{"id": 2, "address": 1, "scbk": KEY}, {"id": 3, "address": 1, "scbk": KEY}]},
     "readers[0].heads[1].address: address 1 is already used by heads[0]"),
    (OSDP | {"baud": 12345}, "readers[0].baud: expected one of 9600, 19200"),
    (OSDP | {"probe_s": 2}, "readers[0].probe_s: must be 9..3600, got 2.0"),
    ({"kind": "serial", "id": 4, "port": "/dev/ttyS0", "protocol": "wiegand"},
     "readers[0].protocol: expected one of 'rdm6300', 'line'"),
    ({"kind": "serial", "id": 4, "port": "/dev/ttyS0", "key_bits": 64},
     "readers[0].key_bits: must be 1..56, got 64"),
    ({"kind": "usb", "id": 5, "device": "event3"},
     "readers[0].device: must be an absolute path under /dev/input"),
    ({"kind": "usb", "id": 5, "device": "/dev/input/event3", "radix": 8},
     "readers[0].radix: expected one of 10, 16, got 8 (int)"),
])
def test_bad_settings_are_named(item: dict[str, object], message: str) -> None:
    assert error(item).startswith(message)


def test_things_used_twice_are_named() -> None:
    def clash(items: list[dict[str, object]]) -> str:
        with pytest.raises(ReaderConfigError) as caught:
            registry.parse_reader_configs(items)
        return str(caught.value)

    osdp_head_1 = OSDP | {"heads": [{"id": 1, "address": 1, "scbk": KEY}]}
    assert clash([WIEGAND, osdp_head_1]) == (
        "readers[1].heads[0].id: reader id 1 is already used by readers[0]")
    assert clash([WIEGAND, WIEGAND | {"id": 2, "d0_pin": 5, "d1_pin": 17}]) == (
        "readers[1].d1_pin: GPIO 17 is already used by readers[0]")
    serial = {"kind": "serial", "id": 9, "port": "/dev/ttyUSB0"}
    assert clash([OSDP, serial]) == (
        "readers[1].port: port /dev/ttyUSB0 is already used by readers[0]")
    assert clash([{"readers": 1}]).startswith("readers[0].kind: missing")
    with pytest.raises(ReaderConfigError, match="readers: expected a list of reader tables"):
        registry.parse_reader_configs({"kind": "usb"})
    with pytest.raises(ReaderConfigError, match=r"readers\[0\]: expected a table of settings"):
        registry.parse_reader_configs(["wiegand"])
