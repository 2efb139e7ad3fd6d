"""What a face detector returns: boxes in the original image's pixel coordinates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FaceBox:
    """One detected face.

    ``x0, y0`` is the top-left and ``x1, y1`` the bottom-right corner in pixels of the
    image given to the detector (floats; they may reach slightly outside the image when
    a face is cut by the border). ``keypoints`` are (x, y) pixel pairs in the model's
    order (MediaPipe's: right eye, left eye, nose tip, mouth centre, right ear tragion,
    left ear tragion).
    """

    x0: float
    y0: float
    x1: float
    y1: float
    score: float
    keypoints: tuple[tuple[float, float], ...] = ()

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def pixel_box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The box rounded to whole pixels and clipped to a ``width`` x ``height`` image."""

        def clip(value: float, limit: int) -> int:
            return min(max(round(value), 0), limit)

        return (clip(self.x0, width), clip(self.y0, height),
                clip(self.x1, width), clip(self.y1, height))


@dataclass(frozen=True)
class FaceResult:
    """The faces found on one image of ``width`` x ``height`` pixels, best score first."""

    width: int
    height: int
    boxes: tuple[FaceBox, ...]

    @property
    def count(self) -> int:
        return len(self.boxes)
