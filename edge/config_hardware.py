"""The hardware sections of ``edge.toml``: readers, doors, bindings, camera, faces, photos.

Each section is checked by the layer that owns it (the reader plugins' typed configs,
``DoorConfig``, ``GpioPins``, ``make_camera``, ``BlazeFaceConfig``, ``PhotoStoreConfig``);
this module only finds the tables, resolves relative paths against the configuration
file's folder, checks what spans sections (a binding names a configured door and
reader) and turns the owners' messages into ``path: expected ..., got ...``
(:func:`edge.config_table.normalize`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from edge.camera.config import KINDS as CAMERA_KINDS
from edge.camera.config import make_camera
from edge.camera.errors import CameraError
from edge.config_table import ConfigKeyError, Table, normalize, tables
from edge.door.config import DoorConfig, ReaderBinding
from edge.door.errors import DoorConfigError
from edge.door.gpio import GpioPins
from edge.faces.errors import FaceError
from edge.faces.plugins import PLUGINS as FACE_PLUGINS
from edge.photos.errors import PhotoError
from edge.photos.store import PhotoStoreConfig
from edge.readers import wiegand
from edge.readers.errors import ReaderConfigError
from edge.readers.osdp import OsdpConfig
from edge.readers.registry import ReaderConfig, parse_reader_configs

DOOR_IO_KINDS = ("gpio", "fake", "file")
DOOR_KEYS = (*(f.name for f in dataclasses.fields(DoorConfig)), "io")
GPIO_KEYS = tuple(f.name for f in dataclasses.fields(GpioPins))
BINDING_KEYS = tuple(f.name for f in dataclasses.fields(ReaderBinding))
MIB = 1024 * 1024


@dataclass(frozen=True)
class DoorIOSpec:
    """Which door port drives a door: ``gpio`` (pins), ``fake`` (in memory) or ``file``
    (in memory, every relay command also appended to ``path`` as a JSON line)."""

    kind: str
    pins: GpioPins | None = None
    path: Path | None = None
    door_open: bool = False  # fake/file: the contact's state at start


@dataclass(frozen=True)
class DoorSettings:
    config: DoorConfig
    io: DoorIOSpec


@dataclass(frozen=True)
class CameraSettings:
    """``[camera]``: the kind, its options table (``[camera.<kind>]``), the capture queue."""

    kind: str
    options: Mapping[str, object] = field(default_factory=dict)
    queue_size: int = 4


@dataclass(frozen=True)
class FacesSettings:
    """``[faces]``: the detector plugin and its options table (``[faces.<kind>]``)."""

    kind: str
    options: Mapping[str, object] = field(default_factory=dict)


def parse_readers(value: object, base: Path) -> tuple[ReaderConfig, ...]:
    """``[[readers]]``: each table checked by its plugin's typed config."""
    if value is None:
        return ()
    try:
        configs = parse_reader_configs(value, "readers")
    except ReaderConfigError as err:
        raise ConfigKeyError(normalize(str(err))) from None
    resolved: list[ReaderConfig] = []
    for config in configs:
        if isinstance(config, wiegand.WiegandConfig) and config.replay_file is not None:
            resolved.append(dataclasses.replace(config,
                                                replay_file=str(base / config.replay_file)))
        else:
            resolved.append(config)
    return tuple(resolved)


def reader_ids(config: ReaderConfig) -> tuple[int, ...]:
    """The reader ids (of the compiled list) one reader table serves."""
    if isinstance(config, OsdpConfig):
        return tuple(head.id for head in config.heads)
    return (config.id,)


def parse_door(where: str, data: object, base: Path) -> DoorSettings:
    """One ``[[doors]]`` table: ``DoorConfig``'s keys and the ``io`` table."""
    table = Table(data, where, DOOR_KEYS)
    table.raw("door")
    io = parse_door_io(f"{where}.io", table.table("io"), base)
    values = {k: v for k, v in table.data.items() if k != "io"}
    try:
        config = DoorConfig(**values)  # type: ignore[arg-type]  # its __post_init__ checks
    except DoorConfigError as err:
        raise ConfigKeyError(normalize(str(err), where, values)) from None
    return DoorSettings(config, io)


def parse_door_io(where: str, data: Mapping[str, object], base: Path) -> DoorIOSpec:
    kind = data.get("kind")
    if kind == "gpio":
        table = Table(data, where, ("kind", *GPIO_KEYS))
        pins = {k: v for k, v in data.items() if k != "kind"}
        table.raw("relay")
        try:
            return DoorIOSpec("gpio", pins=GpioPins(**pins))  # type: ignore[arg-type]
        except DoorConfigError as err:
            raise ConfigKeyError(normalize(str(err), where, pins)) from None
    if kind == "fake":
        table = Table(data, where, ("kind", "door_open"))
        return DoorIOSpec("fake", door_open=table.boolean("door_open", False))
    if kind == "file":
        table = Table(data, where, ("kind", "path", "door_open"))
        return DoorIOSpec("file", path=table.path_value("path", base),
                          door_open=table.boolean("door_open", False))
    Table(data, where, tuple(data)).choice("kind", DOOR_IO_KINDS)
    raise AssertionError("unreachable: choice() raised")  # pragma: no cover


def parse_doors(value: object, base: Path) -> tuple[DoorSettings, ...]:
    doors: list[DoorSettings] = []
    seen: dict[int, str] = {}
    for where, item in tables(value, "doors"):
        door = parse_door(where, item, base)
        number = door.config.door
        if number in seen:
            raise ConfigKeyError(f"{where}.door: door {number} is configured twice "
                                f"(also {seen[number]})")
        seen[number] = where
        doors.append(door)
    return tuple(doors)


def parse_bindings(value: object, doors: tuple[DoorSettings, ...],
                   readers: tuple[ReaderConfig, ...]) -> tuple[ReaderBinding, ...]:
    """``[[bindings]]``: which reader opens which door; both must be configured."""
    door_ids = sorted(d.config.door for d in doors)
    served = sorted({rid for config in readers for rid in reader_ids(config)})
    out: list[ReaderBinding] = []
    seen: dict[int, str] = {}
    for where, item in tables(value, "bindings"):
        table = Table(item, where, BINDING_KEYS)
        table.raw("reader")
        table.raw("door")
        try:
            binding = ReaderBinding(**dict(table.data))  # type: ignore[arg-type]
        except DoorConfigError as err:
            raise ConfigKeyError(normalize(str(err), where, table.data)) from None
        if binding.door not in door_ids:
            raise ConfigKeyError(f"{where}.door: door {binding.door} is not configured "
                                f"(doors: {_listed(door_ids)})")
        if binding.reader not in served:
            raise ConfigKeyError(f"{where}.reader: no [[readers]] table serves reader "
                                f"{binding.reader} (readers: {_listed(served)})")
        if binding.reader in seen:
            raise ConfigKeyError(f"{where}.reader: reader {binding.reader} is already bound "
                                f"by {seen[binding.reader]}")
        seen[binding.reader] = where
        out.append(binding)
    return tuple(out)


def _listed(values: list[int]) -> str:
    return ", ".join(str(v) for v in values) or "none"


def parse_camera(value: object, base: Path) -> CameraSettings | None:
    """``[camera]`` with ``kind`` and its options in ``[camera.<kind>]``; None if absent."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigKeyError(f"camera: expected a table, got {value!r}")
    table = Table(value, "camera", ("kind", "queue_size", *CAMERA_KINDS))
    kind = table.choice("kind", CAMERA_KINDS)
    _only_own_options(table, kind, CAMERA_KINDS)
    options = dict(table.table(kind, {}))
    paths = options.get("paths")
    if kind == "files" and isinstance(paths, list | str):  # relative to the config file
        listed = [paths] if isinstance(paths, str) else paths
        options["paths"] = [str(base / p) if isinstance(p, str) and p else p for p in listed]
    queue_size = table.integer("queue_size", 1, 256, 4)
    try:
        make_camera(kind, options).close()  # checks every option; opens nothing
    except CameraError as err:
        raise ConfigKeyError(normalize(str(err), "camera")) from None
    return CameraSettings(kind, options, queue_size)


def _only_own_options(table: Table, kind: str, kinds: tuple[str, ...]) -> None:
    """Options of another kind than the chosen one are a mistake, not something to ignore."""
    for other in kinds:
        if other != kind and table.has(other):
            raise ConfigKeyError(f'{table.path(other)}: options for kind "{other}", but '
                                f'{table.path("kind")} is "{kind}"')


def parse_faces(value: object, camera: CameraSettings | None, base: Path
                ) -> FacesSettings | None:
    """``[faces]`` with ``kind`` and its options in ``[faces.<kind>]``; None if absent."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigKeyError(f"faces: expected a table, got {value!r}")
    kinds = tuple(sorted(FACE_PLUGINS))
    table = Table(value, "faces", ("kind", *kinds))
    kind = table.choice("kind", kinds)
    _only_own_options(table, kind, kinds)
    options = dict(table.table(kind, {}))
    if isinstance(options.get("model_path"), str) and options["model_path"]:
        options["model_path"] = str(base / str(options["model_path"]))
    if camera is None:
        raise ConfigKeyError("faces: a face detector needs a [camera] section")
    if kind == "blazeface":
        from edge.faces.blazeface import BlazeFaceConfig  # noqa: PLC0415 - numpy, no runtime

        try:
            config = BlazeFaceConfig.from_options(options)
        except FaceError as err:
            raise ConfigKeyError(normalize(str(err), "faces")) from None
        from edge.faces.runtime import locate_model  # noqa: PLC0415 - as above

        if config.model_path is not None and not Path(config.model_path).is_file():
            raise ConfigKeyError(f"faces.blazeface.model_path: no such file "
                                 f"{config.model_path}")
        if config.model_path is None:
            try:
                locate_model()
            except FaceError as err:
                raise ConfigKeyError(f"faces.blazeface.model_path: not given, and {err}") \
                    from None
    return FacesSettings(kind, options)


def parse_photos(value: object, data_dir: Path, base: Path) -> PhotoStoreConfig:
    """``[photos]``: where and how long photos are kept (defaults when absent)."""
    table = Table({} if value is None else value, "photos",
                  ("dir", "retention_days", "jpeg_quality", "max_mb", "keep_uploaded"))
    values: dict[str, object] = {
        "root": table.path_value("dir", base, str(data_dir / "photos")),
        "retention_days": table.integer("retention_days", 1, 3650, 60),
        "jpeg_quality": table.integer("jpeg_quality", 1, 95, 85),
        "max_bytes": table.integer("max_mb", 1, 1 << 20, 512) * MIB,
        "keep_uploaded": table.boolean("keep_uploaded", False),
    }
    try:
        return PhotoStoreConfig(**values)  # type: ignore[arg-type]  # typed above
    except PhotoError as err:
        raise ConfigKeyError(normalize(str(err))) from None
