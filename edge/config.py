"""The edge agent's configuration file (``edge.toml``), checked before anything starts.

:func:`load_config` reads the TOML file and returns an :class:`AgentConfig`, or raises
:class:`AgentConfigError` listing every problem found (one per section at most: a
section stops at its first bad key), each starting with the key's path::

    doors[1].unlock_ms: expected an integer 100..3600000, got "abc"
    broker.usrname: unknown key (did you mean "username"?)

Relative paths are relative to the configuration file's folder. Secrets (the device key,
the broker password) are best kept in files of their own (``device_key_file``,
``password_file``, mode 0600) and never appear in a repr or a log line.
deploy/edge.example.toml shows every section; docs/edge-agent.md describes each key.
"""

from __future__ import annotations

import base64
import binascii
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from edge.config_hardware import (
    CameraSettings,
    DoorSettings,
    FacesSettings,
    parse_bindings,
    parse_camera,
    parse_doors,
    parse_faces,
    parse_photos,
    parse_readers,
    reader_ids,
)
from edge.config_table import ConfigKeyError, Table, normalize, shown, unknown_key
from edge.core.decide import HORIZON_DENY, HORIZON_IGNORE_SCHEDULE
from edge.door.config import ReaderBinding
from edge.errors import EdgeError
from edge.photos.store import PhotoStoreConfig
from edge.readers.registry import ReaderConfig
from edge.store.errors import OutboxError
from edge.store.outbox_types import OutboxConfig
from edge.sync.config import SyncConfig, parse_broker_url
from edge.sync.errors import SyncConfigError
from protocols.portable import topics
from protocols.portable.auth import KEY_MIN
from protocols.portable.names import name_problem

SECTIONS = ("site", "controller", "data_dir", "after_horizon", "broker", "sync", "outbox",
            "logging", "readers", "doors", "bindings", "camera", "faces", "photos")
AFTER_HORIZON = {"deny": HORIZON_DENY, "ignore_schedule": HORIZON_IGNORE_SCHEDULE}
LOG_FORMATS = ("json", "kv")
LOG_LEVELS = ("debug", "info", "warning", "error")
MIB = 1024 * 1024
T = TypeVar("T")


class AgentConfigError(EdgeError):
    """The configuration cannot be used; ``problems`` lists each bad key's message."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class BrokerSettings:
    """``[broker]``: where the hub's broker is and who this controller is to it."""

    url: str
    key_id: str
    device_key: bytes = field(repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    prefix: str = topics.DEFAULT_PREFIX
    keepalive_s: int = 30


@dataclass(frozen=True)
class SyncTuning:
    """``[sync]``: batching and timeouts of the sync client (defaults suit most sites)."""

    batch_events: int = 256
    max_in_flight: int = 1024
    ack_timeout_s: float = 10.0
    request_timeout_s: float = 10.0
    reconnect_min_s: float = 0.2
    reconnect_max_s: float = 10.0


@dataclass(frozen=True)
class LogSettings:
    """``[logging]``: one structured line per event, JSON or key=value."""

    format: str = "json"
    level: str = "info"
    status_interval_s: float = 60.0


@dataclass(frozen=True)
class AgentConfig:
    """Everything ``vratnik edge run`` needs, checked."""

    path: Path
    site: str
    controller: str
    data_dir: Path
    after_horizon: int
    broker: BrokerSettings
    sync: SyncTuning
    outbox: OutboxConfig
    logging: LogSettings
    readers: tuple[ReaderConfig, ...]
    doors: tuple[DoorSettings, ...]
    bindings: tuple[ReaderBinding, ...]
    camera: CameraSettings | None
    faces: FacesSettings | None
    photos: PhotoStoreConfig

    def sync_config(self, firmware: str = "vratnik-edge") -> SyncConfig:
        """The sync client's configuration (readers announced in birth)."""
        readers = tuple((rid, config.kind) for config in self.readers
                        for rid in reader_ids(config))
        b, s = self.broker, self.sync
        return SyncConfig(
            broker_url=b.url, site=self.site, controller=self.controller, key_id=b.key_id,
            device_key=b.device_key, data_dir=self.data_dir, username=b.username,
            password=b.password, ca_file=b.ca_file, prefix=b.prefix, firmware=firmware,
            readers=readers, keepalive=b.keepalive_s, batch_events=s.batch_events,
            max_in_flight=s.max_in_flight, ack_timeout=s.ack_timeout_s,
            request_timeout=s.request_timeout_s, reconnect_min=s.reconnect_min_s,
            reconnect_max=s.reconnect_max_s)


def load_config(path: Path) -> AgentConfig:
    """Read and check ``path``; :class:`AgentConfigError` lists every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise AgentConfigError([f"{path}: cannot read: {err.strerror or err}"]) from err
    except UnicodeDecodeError as err:
        raise AgentConfigError([f"{path}: not UTF-8 text ({err.reason})"]) from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise AgentConfigError([f"{path}: not valid TOML: {err}"]) from err
    return parse_config(data, path)


def parse_config(data: dict[str, object], path: Path) -> AgentConfig:
    """Check a parsed TOML document (``path`` names it and anchors relative paths)."""
    base = path.resolve().parent
    problems: list[str] = []

    def attempt(parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except ConfigKeyError as err:
            problems.append(str(err))
            return None

    for key in data:
        if key not in SECTIONS:
            problems.append(unknown_key("", str(key), SECTIONS))
    try:
        top = Table({k: v for k, v in data.items() if k in SECTIONS[:4]}, "", SECTIONS[:4])
        site = _identifier(top, "site")
        controller = _identifier(top, "controller")
        data_dir = top.path_value("data_dir", base)
        after = AFTER_HORIZON[top.choice("after_horizon", tuple(AFTER_HORIZON), "deny")]
    except ConfigKeyError as err:
        raise AgentConfigError([*problems, str(err)]) from None
    broker = attempt(lambda: parse_broker(data.get("broker"), base))
    tuning = attempt(lambda: parse_sync(data.get("sync")))
    outbox = attempt(lambda: parse_outbox(data.get("outbox")))
    log_settings = attempt(lambda: parse_logging(data.get("logging")))
    readers = attempt(lambda: parse_readers(data.get("readers"), base))
    doors = attempt(lambda: parse_doors(data.get("doors"), base))
    bindings: tuple[ReaderBinding, ...] | None = None
    if readers is not None and doors is not None:
        found_readers, found_doors = readers, doors
        bindings = attempt(lambda: parse_bindings(data.get("bindings"), found_doors,
                                                  found_readers))
    camera = attempt(lambda: parse_camera(data.get("camera"), base))
    faces = None
    if "camera" not in data or camera is not None:
        faces = attempt(lambda: parse_faces(data.get("faces"), camera, base))
    photos = attempt(lambda: parse_photos(data.get("photos"), data_dir, base))
    if (problems or broker is None or tuning is None or outbox is None or log_settings is None
            or readers is None or doors is None or bindings is None or photos is None):
        raise AgentConfigError(problems)
    return AgentConfig(path, site, controller, data_dir, after, broker, tuning, outbox,
                       log_settings, readers, doors, bindings, camera, faces, photos)


def _identifier(table: Table, key: str) -> str:
    value = table.text(key, max_len=64)
    try:
        topics.check_id(key, value)
    except ValueError as err:
        raise ConfigKeyError(f"{table.path(key)}: {err}") from None
    return value


def _secret(table: Table, key: str, base: Path) -> str | None:
    """``key`` given inline, or ``<key>_file`` naming a file that holds it (not both)."""
    file_key = f"{key}_file"
    if table.has(key) and table.has(file_key):
        raise ConfigKeyError(f"{table.path(key)}: give {key} or {file_key}, not both")
    if table.has(key):
        return table.text(key, max_len=1024)
    path = table.optional_path(file_key, base)
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or err
        raise ConfigKeyError(f"{table.path(file_key)}: cannot read {path}: {reason}") from None
    if not text:
        raise ConfigKeyError(f"{table.path(file_key)}: {path} is empty")
    return text


def device_key_bytes(text: str) -> bytes:
    """The device key as the hub shows it (base64), or ``hex:`` followed by hex digits."""
    try:
        if text.startswith("hex:"):
            return bytes.fromhex(text[4:])
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as err:
        raise ValueError("expected the key in base64 (as the hub shows it) or "
                         "'hex:' and hex digits") from err


def parse_broker(value: object, base: Path) -> BrokerSettings:
    table = Table(value, "broker", ("url", "key_id", "device_key", "device_key_file",
                                    "username", "password", "password_file", "ca_file",
                                    "prefix", "keepalive_s"))
    url = table.text("url", max_len=512)
    try:
        address = parse_broker_url(url)
    except SyncConfigError as err:
        reason = str(err).replace(f"broker URL {url!r}", "").lstrip(": ").strip()
        raise ConfigKeyError(f"broker.url: expected mqtt://host[:port] or mqtts://host[:port], "
                             f"got {shown(url)} ({reason})") from None
    key_id = table.text("key_id", max_len=64)
    problem = name_problem(key_id)
    if problem:
        raise ConfigKeyError(f"broker.key_id: {problem}")
    key_text = _secret(table, "device_key", base)
    if key_text is None:
        raise ConfigKeyError("broker.device_key_file: missing (or give broker.device_key)")
    where = "broker.device_key" if table.has("device_key") else "broker.device_key_file"
    try:
        key = device_key_bytes(key_text)
    except ValueError as err:
        raise ConfigKeyError(f"{where}: {err}") from None
    if len(key) < KEY_MIN:
        raise ConfigKeyError(f"{where}: the key is {len(key)} bytes; at least {KEY_MIN} "
                            "are needed")
    username = table.optional_text("username", max_len=128)
    password = _secret(table, "password", base)
    if password is not None and username is None:
        raise ConfigKeyError("broker.username: missing (a password needs a username)")
    ca_file = table.optional_path("ca_file", base)
    if ca_file is not None:
        if not address.tls:
            raise ConfigKeyError("broker.ca_file: given, but broker.url is not mqtts://")
        if not ca_file.is_file():
            raise ConfigKeyError(f"broker.ca_file: no such file {ca_file}")
    prefix = table.text("prefix", topics.DEFAULT_PREFIX, max_len=64)
    try:
        topics.check_prefix(prefix)
    except ValueError as err:
        raise ConfigKeyError(f"broker.prefix: {err}") from None
    return BrokerSettings(url, key_id, key, username, password, ca_file, prefix,
                          table.integer("keepalive_s", 5, 3600, 30))


def parse_sync(value: object) -> SyncTuning:
    d = SyncTuning()
    table = Table({} if value is None else value, "sync",
                  ("batch_events", "max_in_flight", "ack_timeout_s", "request_timeout_s",
                   "reconnect_min_s", "reconnect_max_s"))
    batch = table.integer("batch_events", 1, 256, d.batch_events)
    in_flight = table.integer("max_in_flight", batch, 1 << 20, max(batch, d.max_in_flight))
    low = table.number("reconnect_min_s", 0.01, 60, d.reconnect_min_s)
    return SyncTuning(batch, in_flight,
                      table.number("ack_timeout_s", 0.5, 3600, d.ack_timeout_s),
                      table.number("request_timeout_s", 0.5, 3600, d.request_timeout_s),
                      low, table.number("reconnect_max_s", low, 3600, max(low, d.reconnect_max_s)))


def parse_outbox(value: object) -> OutboxConfig:
    d = OutboxConfig()
    table = Table({} if value is None else value, "outbox", ("max_mb", "max_events"))
    config = OutboxConfig(max_bytes=table.integer("max_mb", 4, 1 << 20, d.max_bytes // MIB) * MIB,
                          max_events=table.integer("max_events", 1000, 1 << 30, d.max_events))
    try:
        config.check()
    except OutboxError as err:
        raise ConfigKeyError(normalize(str(err), "outbox")) from None
    return config


def parse_logging(value: object) -> LogSettings:
    d = LogSettings()
    table = Table({} if value is None else value, "logging",
                  ("format", "level", "status_interval_s"))
    return LogSettings(table.choice("format", LOG_FORMATS, d.format),
                       table.choice("level", LOG_LEVELS, d.level),
                       table.number("status_interval_s", 1, 86400, d.status_interval_s))
