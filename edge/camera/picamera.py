"""A Raspberry Pi camera module through ``picamera2`` (libcamera).

``picamera2`` comes from Raspberry Pi OS (``apt install python3-picamera2``) and is
imported when the camera opens. The camera runs a preview stream so a grab returns the
newest frame at once instead of waiting for a still-capture mode switch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from edge.camera.errors import CameraError, CameraUnavailableError
from edge.camera.port import Frame, rgb_frame

# picamera2 names formats after libcamera's (little-endian) DRM codes: "BGR888" arrays
# are ordered R, G, B per pixel, which is what we want ("RGB888" gives B, G, R).
PIXEL_FORMAT = "BGR888"


@dataclass(frozen=True)
class Picamera2Config:
    """Options of the ``picamera2`` camera."""

    width: int = 640
    height: int = 480
    camera_num: int = 0  # which camera, on boards with two connectors


class Picamera2Camera:
    """One ``Picamera2`` with a running preview configuration."""

    kind = "picamera2"

    def __init__(self, config: Picamera2Config, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self._camera: Any = None
        self._lock = threading.Lock()

    def open(self) -> None:
        try:
            from picamera2 import Picamera2  # noqa: PLC0415 - only on Raspberry Pi OS
        except ImportError as err:
            raise CameraUnavailableError(
                f"picamera2 camera: cannot import picamera2 ({err}); on Raspberry Pi OS "
                "install python3-picamera2") from err
        try:
            camera = Picamera2(self.config.camera_num)
            size = (self.config.width, self.config.height)
            camera.configure(camera.create_preview_configuration(
                main={"size": size, "format": PIXEL_FORMAT}))
            camera.start()
        except (RuntimeError, IndexError, OSError) as err:
            raise CameraUnavailableError(f"picamera2 camera {self.config.camera_num}: "
                                         f"{err}") from err
        with self._lock:
            self._camera = camera

    def grab(self) -> Frame:
        with self._lock:
            camera = self._camera
            if camera is None:
                raise CameraError("picamera2 camera: grab before open (or after close)")
            try:
                pixels = np.asarray(camera.capture_array("main"))
            except (RuntimeError, OSError) as err:
                raise CameraError(f"picamera2 camera: capture failed: {err}") from err
        return rgb_frame(pixels, self._clock(), f"picamera2:{self.config.camera_num}")

    def close(self) -> None:
        with self._lock:
            camera, self._camera = self._camera, None
        if camera is not None:
            camera.stop()
            camera.close()
