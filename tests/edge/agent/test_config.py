"""edge.toml checks: every kind of bad key, type, range and unknown key, with the exact message."""

from __future__ import annotations

import base64
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edge.cli import edge
from edge.config import AgentConfigError, load_config, parse_config
from edge.core.decide import HORIZON_DENY, HORIZON_IGNORE_SCHEDULE
from edge.readers.wiegand import WiegandConfig
from tests.edge.agent.helpers import KEY, minimal, to_toml

REPO = Path(__file__).resolve().parents[3]
Mutation = Callable[[dict[str, Any]], object]


def problems(tmp_path: Path, mutate: Mutation) -> list[str]:
    data = minimal(tmp_path)
    mutate(data)
    with pytest.raises(AgentConfigError) as caught:
        parse_config(data, tmp_path / "edge.toml")
    return caught.value.problems


def test_minimal_config_is_read_with_defaults_and_relative_paths(tmp_path: Path) -> None:
    config = parse_config(minimal(tmp_path), tmp_path / "edge.toml")
    assert config.site == "plant" and config.controller == "door-1"
    assert config.data_dir == tmp_path / "data"
    assert config.after_horizon == HORIZON_DENY
    assert config.broker.device_key == KEY and config.broker.key_id == "k1"
    assert [d.config.door for d in config.doors] == [1, 2]
    assert config.doors[0].config.unlock_ms == 5000  # DoorConfig's default
    assert config.doors[1].io.kind == "file" and config.doors[1].io.path == tmp_path / "relay.log"
    reader = config.readers[0]
    assert isinstance(reader, WiegandConfig) and reader.replay_file == str(tmp_path / "reader1.txt")
    assert [(b.reader, b.door, b.direction) for b in config.bindings] == [(1, 1, "entry")]
    assert config.camera is None and config.faces is None
    assert config.photos.root == tmp_path / "data" / "photos"
    assert config.logging.format == "json" and config.outbox.max_bytes == 64 << 20
    sync = config.sync_config().check()  # the sync client accepts what the file gave
    assert sync.readers == ((1, "wiegand"),) and sync.data_dir == tmp_path / "data"
    assert "kkkk" not in repr(config) and repr(KEY) not in repr(config)  # secrets never shown


def test_the_example_config_validates(tmp_path: Path) -> None:
    """deploy/edge.example.toml as shipped; only its secret files are made up here."""
    example = REPO / "deploy" / "edge.example.toml"
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "key").write_text(base64.b64encode(KEY).decode())
    (tmp_path / "password").write_text("secret\n")
    broker = data["broker"]
    assert broker["ca_file"].startswith("/etc/vratnik-edge/")
    broker.update(ca_file=str(tmp_path / "ca.pem"), device_key_file=str(tmp_path / "key"),
                  password_file=str(tmp_path / "password"))
    config = parse_config(data, example)
    assert config.broker.password == "secret" and config.broker.username == "plant.door-1"
    assert [r.kind for r in config.readers] == ["wiegand", "osdp"]
    assert config.doors[0].io.kind == "gpio" and config.doors[0].io.pins is not None
    assert [(b.reader, b.direction) for b in config.bindings] == [(1, "entry"), (2, "exit")]
    assert config.camera is not None and config.camera.kind == "picamera2"
    assert config.faces is not None and config.faces.kind == "blazeface"
    assert config.sync_config().readers == ((1, "wiegand"), (2, "osdp"))


CASES: list[tuple[str, Mutation, str]] = [
    # unknown keys: a did-you-mean when one is close, the known keys otherwise
    ("top-level typo", lambda d: d.update(controler="x"),
     'controler: unknown key (did you mean "controller"?)'),
    ("top-level unknown", lambda d: d.update(zzz=1),
     "zzz: unknown key (known: after_horizon, bindings, broker, camera, controller, data_dir, "
     "doors, faces, logging, outbox, photos, readers, site, sync)"),
    ("broker typo", lambda d: d["broker"].update(usrname="x"),
     'broker.usrname: unknown key (did you mean "username"?)'),
    ("door typo", lambda d: d["doors"][0].update(unlockms=3),
     'doors[0].unlockms: unknown key (did you mean "unlock_ms"?)'),
    ("gpio pin typo", lambda d: d["doors"][0].update(io={"kind": "gpio", "relay": 4,
                                                         "contakt": 5}),
     'doors[0].io.contakt: unknown key (did you mean "contact"?)'),
    ("binding typo", lambda d: d["bindings"][0].update(dor=3),
     'bindings[0].dor: unknown key (did you mean "door"?)'),
    ("reader typo (the readers' own check)", lambda d: d["readers"][0].update(d0pin=3),
     'readers[0].d0pin: unknown key (did you mean "d0_pin"?)'),
    ("camera option typo (the camera's own check)",
     lambda d: d.update(camera={"kind": "files", "files": {"paths": ["x"], "lop": True}}),
     'camera.files.lop: unknown key (did you mean "loop"?)'),
    ("detector option typo (the detector's own check)",
     lambda d: d.update(camera={"kind": "files", "files": {"paths": ["x"]}},
                        faces={"kind": "blazeface", "blazeface": {"minscore": 0.4}}),
     'faces.blazeface.minscore: unknown key (did you mean "min_score"?)'),
    # types and ranges
    ("door unlock_ms text", lambda d: d["doors"][1].update(unlock_ms="abc"),
     'doors[1].unlock_ms: expected an integer 100..3600000, got "abc"'),
    ("door unlock_ms too short", lambda d: d["doors"][0].update(unlock_ms=50),
     "doors[0].unlock_ms: expected an integer 100..3600000, got 50"),
    ("door number", lambda d: d["doors"][0].update(door=-1),
     "doors[0].door: expected an integer 0..65535, got -1"),
    ("lock type", lambda d: d["doors"][0].update(lock="magnetic"),
     'doors[0].lock: expected one of fail_safe, fail_secure, got "magnetic"'),
    ("bool as int", lambda d: d["doors"][0].update(relock_on_close=1),
     "doors[0].relock_on_close: expected true or false, got 1"),
    ("gpio pin range", lambda d: d["doors"][0].update(io={"kind": "gpio", "relay": 40}),
     "doors[0].io.relay: expected a BCM pin number 0..27, got 40"),
    ("door port kind", lambda d: d["doors"][0]["io"].update(kind="relay"),
     'doors[0].io.kind: expected one of "gpio", "fake", "file", got "relay"'),
    ("binding direction", lambda d: d["bindings"][0].update(direction="in"),
     'bindings[0].direction: expected entry or exit, got "in"'),
    ("reader id range", lambda d: d["readers"][0].update(id=70000),
     "readers[0].id: expected 0..65535, got 70000"),
    ("reader kind", lambda d: d["readers"][0].update(kind="nfc"),
     "readers[0].kind: unknown kind 'nfc' (expected one of: wiegand, osdp, serial, usb)"),
    ("site id", lambda d: d.update(site="Plant Site"),
     "site: site id 'Plant Site' contains ' '; allowed are A-Z a-z 0-9 _ -"),
    ("site type", lambda d: d.update(site=3),
     "site: expected a non-empty string of at most 64 characters, got 3"),
    ("after_horizon", lambda d: d.update(after_horizon="open"),
     'after_horizon: expected one of "deny", "ignore_schedule", got "open"'),
    ("batch size", lambda d: d.update(sync={"batch_events": 300}),
     "sync.batch_events: expected an integer 1..256, got 300"),
    ("in flight below batch", lambda d: d.update(sync={"batch_events": 100,
                                                       "max_in_flight": 50}),
     "sync.max_in_flight: expected an integer 100..1048576, got 50"),
    ("log format", lambda d: d.update(logging={"format": "xml"}),
     'logging.format: expected one of "json", "kv", got "xml"'),
    ("outbox size", lambda d: d.update(outbox={"max_mb": 2}),
     "outbox.max_mb: expected an integer 4..1048576, got 2"),
    ("photo retention", lambda d: d.update(photos={"retention_days": 0}),
     "photos.retention_days: expected an integer 1..3650, got 0"),
    ("camera kind", lambda d: d.update(camera={"kind": "webcam"}),
     'camera.kind: expected one of "files", "opencv", "picamera2", got "webcam"'),
    ("camera option value", lambda d: d.update(camera={"kind": "files",
                                                       "files": {"paths": []}}),
     "camera.files.paths: expected a non-empty list of file or folder paths, got list []"),
    ("options of another camera kind",
     lambda d: d.update(camera={"kind": "files", "files": {"paths": ["x"]}, "opencv": {}}),
     'camera.opencv: options for kind "opencv", but camera.kind is "files"'),
    ("detector option value",
     lambda d: d.update(camera={"kind": "files", "files": {"paths": ["x"]}},
                        faces={"kind": "blazeface", "blazeface": {"min_score": 2}}),
     "faces.blazeface.min_score: expected in (0, 1), got 2.0"),
    ("detector without camera", lambda d: d.update(faces={"kind": "blazeface"}),
     "faces: a face detector needs a [camera] section"),
    # shapes
    ("doors not an array", lambda d: d.update(doors=3),
     "doors: expected an array of tables ([[doors]]), got 3"),
    ("broker not a table", lambda d: d.update(broker=5), "broker: expected a table, got 5"),
    ("door without number", lambda d: d["doors"][0].pop("door"),
     "doors[0].door: missing (this key is required)"),
    ("door without port", lambda d: d["doors"][0].pop("io"),
     "doors[0].io: missing (this key is required)"),
    # across keys and sections
    ("door twice", lambda d: d["doors"][1].update(door=1),
     "doors[1].door: door 1 is configured twice (also doors[0])"),
    ("binding to a missing door", lambda d: d["bindings"].append({"reader": 1, "door": 3}),
     "bindings[1].door: door 3 is not configured (doors: 1, 2)"),
    ("binding of a reader nobody serves",
     lambda d: d["bindings"].append({"reader": 7, "door": 2}),
     "bindings[1].reader: no [[readers]] table serves reader 7 (readers: 1)"),
    ("reader bound twice", lambda d: d["bindings"].append({"reader": 1, "door": 2}),
     "bindings[1].reader: reader 1 is already bound by bindings[0]"),
    # the broker and its secrets
    ("broker scheme", lambda d: d["broker"].update(url="http://x"),
     'broker.url: expected mqtt://host[:port] or mqtts://host[:port], got "http://x" '
     "(the scheme must be mqtt:// or mqtts://)"),
    ("broker host", lambda d: d["broker"].update(url="mqtt://"),
     'broker.url: expected mqtt://host[:port] or mqtts://host[:port], got "mqtt://" '
     "(names no host)"),
    ("key id", lambda d: d["broker"].update(key_id="k 1"),
     "broker.key_id: contains ' '; allowed are A-Z a-z 0-9 _ -"),
    ("key both ways", lambda d: d["broker"].update(device_key="abc"),
     "broker.device_key: give device_key or device_key_file, not both"),
    ("no key", lambda d: d["broker"].pop("device_key_file"),
     "broker.device_key_file: missing (or give broker.device_key)"),
    ("key not base64", lambda d: (d["broker"].pop("device_key_file"),
                                  d["broker"].update(device_key="!!")),
     "broker.device_key: expected the key in base64 (as the hub shows it) or 'hex:' and "
     "hex digits"),
    ("key too short", lambda d: (d["broker"].pop("device_key_file"),
                                 d["broker"].update(device_key="hex:00ff")),
     "broker.device_key: the key is 2 bytes; at least 16 are needed"),
    ("password without user", lambda d: d["broker"].update(password="p"),
     "broker.username: missing (a password needs a username)"),
    ("CA without TLS", lambda d: d["broker"].update(ca_file="ca.pem"),
     "broker.ca_file: given, but broker.url is not mqtts://"),
]


@pytest.mark.parametrize(("what", "mutate", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_key_is_named_with_what_was_expected(tmp_path: Path, what: str, mutate: Mutation,
                                                 message: str) -> None:
    assert problems(tmp_path, mutate) == [message], what


def test_missing_files_are_named_with_their_resolved_path(tmp_path: Path) -> None:
    assert problems(tmp_path, lambda d: d["broker"].update(device_key_file="nokey")) == [
        f"broker.device_key_file: cannot read {tmp_path / 'nokey'}: No such file or directory"]
    assert problems(tmp_path, lambda d: d["broker"].update(url="mqtts://h", ca_file="ca.pem")) \
        == [f"broker.ca_file: no such file {tmp_path / 'ca.pem'}"]
    assert problems(tmp_path, lambda d: d.update(
        camera={"kind": "files", "files": {"paths": ["x"]}},
        faces={"kind": "blazeface", "blazeface": {"model_path": "m.tflite"}})) == [
        f"faces.blazeface.model_path: no such file {tmp_path / 'm.tflite'}"]


def test_every_section_reports_its_first_problem(tmp_path: Path) -> None:
    def many(d: dict[str, Any]) -> None:
        d["controler"] = 1
        d["broker"]["usrname"] = 1
        d["doors"][0]["unlock_ms"] = "x"
        d["logging"] = {"level": "trace"}

    assert problems(tmp_path, many) == [
        'controler: unknown key (did you mean "controller"?)',
        'broker.usrname: unknown key (did you mean "username"?)',
        'logging.level: expected one of "debug", "info", "warning", "error", got "trace"',
        'doors[0].unlock_ms: expected an integer 100..3600000, got "x"',
    ]


def test_a_file_that_is_not_toml_or_not_there(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    path.write_text('site = "plant\n')
    with pytest.raises(AgentConfigError) as caught:
        load_config(path)
    assert caught.value.problems[0].startswith(f"{path}: not valid TOML: ")
    with pytest.raises(AgentConfigError) as caught:
        load_config(tmp_path / "missing.toml")
    assert caught.value.problems == [f"{tmp_path / 'missing.toml'}: cannot read: "
                                     "No such file or directory"]


def test_written_file_round_trips_with_horizon_policy(tmp_path: Path) -> None:
    data = minimal(tmp_path)
    data["after_horizon"] = "ignore_schedule"
    data["logging"] = {"format": "kv", "status_interval_s": 5}
    path = tmp_path / "edge.toml"
    path.write_text(to_toml(data))
    config = load_config(path)
    assert config.after_horizon == HORIZON_IGNORE_SCHEDULE
    assert config.logging.format == "kv" and config.logging.status_interval_s == 5.0


def test_check_config_command(tmp_path: Path) -> None:
    good = minimal(tmp_path)
    (tmp_path / "good.toml").write_text(to_toml(good))
    bad: dict[str, Any] = minimal(tmp_path)
    bad["doors"][1]["unlock_ms"] = "abc"
    bad["broker"]["usrname"] = "x"
    (tmp_path / "bad.toml").write_text(to_toml(bad))
    runner = CliRunner()
    ok = runner.invoke(edge, ["check-config", str(tmp_path / "good.toml")])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith(f"{tmp_path / 'good.toml'}: ok: site plant, controller door-1")
    failed = runner.invoke(edge, ["check-config", str(tmp_path / "bad.toml")])
    assert failed.exit_code == 2
    assert failed.stderr.splitlines() == [
        'broker.usrname: unknown key (did you mean "username"?)',
        'doors[1].unlock_ms: expected an integer 100..3600000, got "abc"',
        f"{tmp_path / 'bad.toml'}: 2 problems; nothing was started",
    ]
    run = runner.invoke(edge, ["run", "--config", str(tmp_path / "bad.toml")])
    assert run.exit_code == 2 and "nothing was started" in run.stderr
