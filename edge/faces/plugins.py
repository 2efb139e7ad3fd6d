"""The face detector port and its plugins, chosen by configuration.

A detector is anything with ``detect(image) -> FaceResult`` and ``close()``. Plugins are
registered by name with a typed config class that validates the configuration table
(Frigate's ``detectors/plugins/`` pattern); the runtime is imported only when a plugin
is built, so an agent without a camera never loads TFLite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from edge.faces.errors import FaceConfigError
from edge.faces.types import FaceResult


class FaceDetector(Protocol):
    """Finds faces on an image; boxes come back in the image's pixel coordinates."""

    kind: str

    def detect(self, image: npt.NDArray[np.generic]) -> FaceResult: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Plugin:
    """How to build one kind of detector from its configuration table."""

    kind: str
    summary: str
    build: Callable[[Mapping[str, object]], FaceDetector]


def _build_blazeface(options: Mapping[str, object]) -> FaceDetector:
    from edge.faces.blazeface import BlazeFaceConfig, BlazeFaceDetector  # noqa: PLC0415

    return BlazeFaceDetector(BlazeFaceConfig.from_options(options))


PLUGINS: dict[str, Plugin] = {
    "blazeface": Plugin("blazeface", "MediaPipe BlazeFace short-range on TFLite (128x128, "
                        "faces within about 2 m)", _build_blazeface),
}


def make_detector(kind: str, options: Mapping[str, object] | None = None) -> FaceDetector:
    """Build the detector plugin ``kind`` with ``options``; errors name the bad key."""
    plugin = PLUGINS.get(kind)
    if plugin is None:
        raise FaceConfigError(f"unknown face detector {kind!r}; known: "
                              f"{', '.join(sorted(PLUGINS))}")
    return plugin.build(dict(options or {}))
