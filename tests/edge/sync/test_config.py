"""SyncConfig: broker URLs and the checks that run before anything connects."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.sync import SyncConfig
from edge.sync.config import BrokerAddress, parse_broker_url
from edge.sync.errors import SyncConfigError


def _config(tmp_path: Path, **overrides: object) -> SyncConfig:
    values: dict[str, object] = {"broker_url": "mqtt://127.0.0.1", "site": "plant",
                                 "controller": "door-1", "key_id": "k1",
                                 "device_key": b"k" * 32, "data_dir": tmp_path}
    values.update(overrides)
    return SyncConfig(**values)  # type: ignore[arg-type]


def test_broker_urls() -> None:
    assert parse_broker_url("mqtt://broker.local") == BrokerAddress("broker.local", 1883, False)
    assert parse_broker_url("mqtts://10.0.0.5") == BrokerAddress("10.0.0.5", 8883, True)
    assert parse_broker_url("mqtts://h:9000/") == BrokerAddress("h", 9000, True)
    for bad, says in [("http://h", "mqtt:// or mqtts://"), ("mqtt://", "names no host"),
                      ("mqtt://u:p@h", "credentials go in"),
                      ("mqtt://h:99999", "(?i)port out of range"),
                      ("mqtt://h/x", "only scheme, host and port")]:
        with pytest.raises(SyncConfigError, match=says):
            parse_broker_url(bad)


def test_checks_name_the_problem(tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("x")
    assert _config(tmp_path, broker_url="mqtts://h", ca_file=ca).check().broker.tls
    cases: list[tuple[dict[str, object], str]] = [
        ({"controller": "hub"}, "reserved"),
        ({"site": "a/b"}, "site id"),
        ({"device_key": b"short"}, "at least 16 bytes"),
        ({"key_id": "bad id"}, "key id"),
        ({"hub_keys": {"k2": b"x"}}, "key 'k2'"),
        ({"ca_file": ca}, "not mqtts"),
        ({"broker_url": "mqtts://h", "ca_file": tmp_path / "none"}, "does not exist"),
        ({"password": "p"}, "needs a username"),
        ({"batch_events": 300}, "1..256"),
        ({"max_in_flight": 10}, "at least batch_events"),
        ({"readers": ((1, ""),)}, "reader kind"),
    ]
    for overrides, says in cases:
        with pytest.raises(SyncConfigError, match=says):
            _config(tmp_path, **overrides).check()


def test_verify_keys_default_to_the_device_key(tmp_path: Path) -> None:
    assert _config(tmp_path).verify_keys() == {"k1": b"k" * 32}
    rotated = {"k1": b"k" * 32, "k2": b"n" * 32}
    assert _config(tmp_path, hub_keys=rotated).verify_keys() == rotated
    assert _config(tmp_path).client_id == "vratnik-edge-plant-door-1"
