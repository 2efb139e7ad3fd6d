"""A camera that serves frames from image files: the tests' and the simulator's camera.

Frames come from a list of files (or every ``.jpg``/``.jpeg``/``.png`` of a folder, by
name), one per ``grab``, in order, starting over after the last when ``loop`` is set.
Each file is decoded at grab time, as a real camera delivers a new picture each time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from edge.camera.errors import CameraError, CameraUnavailableError
from edge.camera.port import Frame, rgb_frame

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class FileCameraConfig:
    """Options of the ``files`` camera: ``paths`` are image files or folders of them."""

    paths: tuple[str, ...]
    loop: bool = True


def _expand(paths: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir()
                                if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise CameraUnavailableError(f"files camera: {path} is neither an image file "
                                         "nor a folder")
    return found


class FileCamera:
    """Serves the configured image files in turn."""

    kind = "files"

    def __init__(self, config: FileCameraConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self._files: list[Path] = []
        self._next = 0
        self._lock = threading.Lock()
        self._open = False

    def open(self) -> None:
        files = _expand(self.config.paths)
        if not files:
            raise CameraUnavailableError(f"files camera: no {'/'.join(IMAGE_SUFFIXES)} images "
                                         f"in {list(self.config.paths)}")
        with self._lock:
            self._files, self._next, self._open = files, 0, True

    def grab(self) -> Frame:
        with self._lock:
            if not self._open:
                raise CameraError("files camera: grab before open (or after close)")
            if self._next >= len(self._files):
                if not self.config.loop:
                    raise CameraError(f"files camera: all {len(self._files)} images served")
                self._next = 0
            path = self._files[self._next]
            self._next += 1
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
        except (OSError, UnidentifiedImageError) as err:
            raise CameraError(f"files camera: cannot read {path}: {err}") from err
        return rgb_frame(pixels, self._clock(), str(path))

    def close(self) -> None:
        with self._lock:
            self._open = False
