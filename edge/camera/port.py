"""The camera port: three methods, as libosdp's ``Channel`` is for a bus.

A camera is opened once, asked for a frame per access attempt, and closed at shutdown.
``grab`` returns the newest frame the device can give, never one buffered long ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from edge.camera.errors import CameraError

Pixels = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Frame:
    """One picture: ``pixels`` is (height, width, 3) uint8 RGB; ``taken_at`` unix seconds."""

    pixels: Pixels
    taken_at: float
    source: str  # which camera or file it came from, for logs

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


class Camera(Protocol):
    """What the agent needs of a camera."""

    kind: str

    def open(self) -> None:
        """Acquire the device; raises :class:`CameraError` when it cannot."""
        ...

    def grab(self) -> Frame:
        """The current picture; raises :class:`CameraError` when none can be had."""
        ...

    def close(self) -> None:
        """Release the device; safe to call twice."""
        ...


def rgb_frame(pixels: npt.NDArray[np.generic], taken_at: float, source: str) -> Frame:
    """Check a device's array and wrap it: (H, W, 3) uint8 RGB, contiguous."""
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise CameraError(f"{source} gave a {pixels.dtype} array of shape {pixels.shape}; "
                          "expected (height, width, 3) uint8")
    if pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise CameraError(f"{source} gave an empty frame")
    return Frame(np.ascontiguousarray(pixels, dtype=np.uint8), taken_at, source)
