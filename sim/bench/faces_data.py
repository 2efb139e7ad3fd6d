"""Labelled face photographs that a package ships: scikit-image's LFW subset and photos.

``skimage.data.lfw_subset()`` is 200 grey 25x25 crops from Labeled Faces in the Wild:
the first 100 are faces, the last 100 are not (other regions of the same photographs).
A crop is tight on the face (brow to chin), which is nothing like what a door camera
sees, and BlazeFace's short-range model is trained on faces that fill part of the frame.
So each crop is enlarged to ``inner`` pixels (64 by default: a face half the frame high,
a person about half a metre from the camera) and centred on a black 128x128 frame, the
model's own input size. ``resize128`` (the crop stretched over the whole input) is the
harsher variant; both are measured by ``vratnik bench faces``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from edge.faces.plugins import FaceDetector

Image8 = npt.NDArray[np.uint8]
LFW_FACES = 100  # skimage's documented layout: faces first, then non-faces
FRAME = 128
PROTOCOLS = ("pad64", "resize128")


def _skimage_data(name: str) -> npt.NDArray[np.generic]:
    # skimage.data is untyped: one typed boundary, by name. Imported late: it is slow.
    from skimage import data  # noqa: PLC0415

    loader = getattr(data, name, None)
    if loader is None:
        raise ValueError(f"scikit-image ships no data set {name!r}")
    return np.asarray(loader())


def shipped_photo(name: str) -> Image8:
    """A photograph scikit-image ships (``astronaut``, ``camera``, ``coffee``, ...), uint8."""
    image = _skimage_data(name)
    if image.dtype != np.uint8:
        raise ValueError(f"skimage.data.{name}() is {image.dtype}, not an 8-bit photograph")
    return image.astype(np.uint8, copy=False)


def lfw_crops() -> npt.NDArray[np.float64]:
    """The 200 LFW crops as float images in [0, 1] (faces first)."""
    crops = _skimage_data("lfw_subset").astype(np.float64)
    if crops.shape != (2 * LFW_FACES, 25, 25):
        raise ValueError(f"unexpected lfw_subset shape {crops.shape}")
    return crops


def lfw_frame(crop: npt.NDArray[np.float64], protocol: str = "pad64") -> Image8:
    """A 128x128 uint8 grey frame holding ``crop`` as ``protocol`` says (see the docstring)."""
    grey = np.clip(np.round(crop * 255.0), 0, 255).astype(np.uint8)
    if protocol == "resize128":
        return np.asarray(Image.fromarray(grey).resize((FRAME, FRAME),
                                                        Image.Resampling.BILINEAR))
    if protocol != "pad64":
        raise ValueError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
    inner = 64
    face = np.asarray(Image.fromarray(grey).resize((inner, inner), Image.Resampling.BILINEAR))
    frame = np.zeros((FRAME, FRAME), dtype=np.uint8)
    at = (FRAME - inner) // 2
    frame[at:at + inner, at:at + inner] = face
    return frame


@dataclass(frozen=True)
class Rates:
    """How a detector did on a labelled set."""

    faces: int
    detected: int  # face images with at least one face found
    non_faces: int
    false_positives: int  # non-face images with at least one face found

    @property
    def detection_rate(self) -> float:
        return self.detected / self.faces if self.faces else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.non_faces if self.non_faces else 0.0


def evaluate(detector: FaceDetector, frames: Sequence[Image8], is_face: Sequence[bool]) -> Rates:
    """Run ``detector`` on every frame and count hits against the labels."""
    if len(frames) != len(is_face):
        raise ValueError(f"{len(frames)} frames but {len(is_face)} labels")
    detected = false_positives = 0
    for frame, label in zip(frames, is_face, strict=True):
        found = detector.detect(frame).count > 0
        if label:
            detected += found
        else:
            false_positives += found
    faces = sum(1 for label in is_face if label)
    return Rates(faces, detected, len(is_face) - faces, false_positives)


def lfw_rates(detector: FaceDetector, protocol: str = "pad64", limit: int | None = None) -> Rates:
    """Detection and false-positive rates on the LFW subset (``limit`` of each class)."""
    crops = lfw_crops()
    count = LFW_FACES if limit is None else min(limit, LFW_FACES)
    chosen = list(crops[:count]) + list(crops[LFW_FACES:LFW_FACES + count])
    labels = [True] * count + [False] * count
    return evaluate(detector, [lfw_frame(c, protocol) for c in chosen], labels)
