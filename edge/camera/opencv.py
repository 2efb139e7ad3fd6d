"""A camera through OpenCV's ``VideoCapture`` (USB webcams, V4L2 devices, RTSP streams).

``cv2`` is imported when the camera opens, so agents without this camera never need it
(on a Raspberry Pi: ``apt install python3-opencv``; elsewhere ``opencv-python-headless``).
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


@dataclass(frozen=True)
class OpenCvConfig:
    """Options of the ``opencv`` camera."""

    device: int | str = 0  # /dev/video<N> index, or a device path or stream URL
    width: int | None = None  # ask the device for this size (None: its default)
    height: int | None = None
    # V4L2 keeps a few frames queued; a picture taken on demand must not be seconds old,
    # so this many queued frames are dropped (cap.grab) before the one we read.
    flush_frames: int = 1


class OpenCvCamera:
    """One ``cv2.VideoCapture``; frames converted from OpenCV's BGR to RGB."""

    kind = "opencv"

    def __init__(self, config: OpenCvConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self._capture: Any = None
        self._lock = threading.Lock()

    def open(self) -> None:
        try:
            import cv2  # noqa: PLC0415 - optional, heavy
        except ImportError as err:
            raise CameraUnavailableError(
                f"opencv camera: cannot import cv2 ({err}); install python3-opencv or "
                "opencv-python-headless") from err
        capture = cv2.VideoCapture(self.config.device)
        if not capture.isOpened():
            capture.release()
            raise CameraUnavailableError(f"opencv camera: cannot open {self.config.device!r}")
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        if self.config.width and self.config.height:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.config.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.config.height)
        with self._lock:
            self._capture = capture

    def grab(self) -> Frame:
        with self._lock:
            capture = self._capture
            if capture is None:
                raise CameraError("opencv camera: grab before open (or after close)")
            for _ in range(self.config.flush_frames):
                capture.grab()
            ok, bgr = capture.read()
        if not ok or bgr is None:
            raise CameraError(f"opencv camera: {self.config.device!r} gave no frame")
        pixels = np.asarray(bgr)
        if pixels.ndim == 3 and pixels.shape[2] == 3:
            pixels = pixels[:, :, ::-1]  # BGR -> RGB
        return rgb_frame(pixels, self._clock(), f"opencv:{self.config.device}")

    def close(self) -> None:
        with self._lock:
            capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()
