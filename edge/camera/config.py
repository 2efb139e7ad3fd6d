"""Cameras chosen by configuration: ``make_camera("files", {"paths": [...]})``.

Each kind has a typed config class; the configuration table is checked key by key, and an
error names the bad key and what was expected, e.g. ``camera.opencv.width must be int
1..8192, got str``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from edge.camera.errors import CameraConfigError
from edge.camera.files import FileCamera, FileCameraConfig
from edge.camera.opencv import OpenCvCamera, OpenCvConfig
from edge.camera.picamera import Picamera2Camera, Picamera2Config
from edge.camera.port import Camera

KINDS = ("files", "opencv", "picamera2")
MAX_SIDE = 8192


class _Options:
    """Reads one kind's table; every read checks the type, every key must be read."""

    def __init__(self, kind: str, options: Mapping[str, object]) -> None:
        self.kind = kind
        self.options = dict(options)
        self.known: list[str] = []

    def _get(self, key: str) -> object:
        self.known.append(key)
        return self.options.get(key)

    def bad(self, key: str, expected: str, value: object) -> CameraConfigError:
        return CameraConfigError(f"camera.{self.kind}.{key} must be {expected}, "
                                 f"got {type(value).__name__} {value!r}")

    def int_or_none(self, key: str, low: int, high: int) -> int | None:
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.bad(key, f"int {low}..{high}", value)
        return value

    def bool_or_none(self, key: str) -> bool | None:
        value = self._get(key)
        if value is not None and not isinstance(value, bool):
            raise self.bad(key, "true or false", value)
        return value

    def raw(self, key: str) -> object:
        return self._get(key)

    def finish(self) -> None:
        unknown = sorted(set(self.options) - set(self.known))
        if unknown:
            raise CameraConfigError(f"camera.{self.kind}: unknown option {unknown[0]!r}; "
                                    f"known: {', '.join(sorted(self.known))}")


def _files(opts: _Options, clock: Callable[[], float]) -> Camera:
    paths = opts.raw("paths")
    if isinstance(paths, str):
        paths = [paths]
    if (not isinstance(paths, list | tuple) or not paths
            or not all(isinstance(p, str) and p for p in paths)):
        raise opts.bad("paths", "a non-empty list of file or folder paths", paths)
    loop = opts.bool_or_none("loop")
    opts.finish()
    config = FileCameraConfig(tuple(paths), True if loop is None else loop)
    return FileCamera(config, clock)


def _opencv(opts: _Options, clock: Callable[[], float]) -> Camera:
    device = opts.raw("device")
    if device is None:
        device = 0
    if isinstance(device, bool) or not isinstance(device, int | str) or device == "":
        raise opts.bad("device", "a device index (int) or a device path or URL", device)
    width = opts.int_or_none("width", 1, MAX_SIDE)
    height = opts.int_or_none("height", 1, MAX_SIDE)
    if (width is None) != (height is None):
        raise CameraConfigError(f"camera.{opts.kind}: give both width and height, or neither")
    flush = opts.int_or_none("flush_frames", 0, 30)
    opts.finish()
    return OpenCvCamera(OpenCvConfig(device, width, height, 1 if flush is None else flush),
                        clock)


def _picamera2(opts: _Options, clock: Callable[[], float]) -> Camera:
    defaults = Picamera2Config()
    width = opts.int_or_none("width", 1, MAX_SIDE)
    height = opts.int_or_none("height", 1, MAX_SIDE)
    number = opts.int_or_none("camera_num", 0, 7)
    opts.finish()
    return Picamera2Camera(Picamera2Config(width or defaults.width, height or defaults.height,
                                           number or 0), clock)


_BUILDERS: dict[str, Callable[[_Options, Callable[[], float]], Camera]] = {
    "files": _files, "opencv": _opencv, "picamera2": _picamera2,
}


def make_camera(kind: str, options: Mapping[str, Any] | None = None,
                clock: Callable[[], float] = time.time) -> Camera:
    """A camera of ``kind`` ("files", "opencv", "picamera2"), not yet opened."""
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise CameraConfigError(f"unknown camera kind {kind!r}; known: {', '.join(KINDS)}")
    return builder(_Options(kind, options or {}), clock)
