"""BlazeFace on real photographs that scikit-image ships, boxes checked against hand
annotations (read off the images on a 10-pixel grid; see docs/faces.md)."""

from __future__ import annotations

import numpy as np
import pytest

from edge.faces.blazeface import BlazeFaceDetector
from edge.faces.types import FaceBox
from sim.bench.faces_data import shipped_photo

# astronaut(): Eileen Collins, frontal. Face from cheek to cheek and brow to chin.
ASTRONAUT_FACE = (180.0, 85.0, 270.0, 180.0)
ASTRONAUT_POINTS = {"right eye": (203, 102), "left eye": (247, 103), "nose tip": (225, 128),
                    "mouth": (225, 145)}
# camera(): the cameraman, in profile, ear to nose tip and brow to chin.
CAMERAMAN_FACE = (180.0, 125.0, 258.0, 200.0)


def box_iou(face: FaceBox, ref: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(face.x1, ref[2]) - max(face.x0, ref[0]))
    iy = max(0.0, min(face.y1, ref[3]) - max(face.y0, ref[1]))
    inter = ix * iy
    union = face.width * face.height + (ref[2] - ref[0]) * (ref[3] - ref[1]) - inter
    return inter / union


def test_astronaut_has_exactly_one_face_around_her_face(detector: BlazeFaceDetector) -> None:
    image = shipped_photo("astronaut")
    result = detector.detect(image)
    assert (result.width, result.height) == (512, 512)
    assert result.count == 1
    face = result.boxes[0]
    assert face.score > 0.8
    assert box_iou(face, ASTRONAUT_FACE) > 0.75
    assert len(face.keypoints) == 6
    for (x, y), (name, (ex, ey)) in zip(face.keypoints[:4], ASTRONAUT_POINTS.items(),
                                        strict=True):
        assert abs(x - ex) <= 8 and abs(y - ey) <= 8, (name, x, y)
    assert face.pixel_box(512, 512) == tuple(round(v) for v in (face.x0, face.y0, face.x1,
                                                                face.y1))


def test_cameraman_in_profile_is_one_face(detector: BlazeFaceDetector) -> None:
    # camera() is a person too: his head, half turned, is found (and nothing else)
    result = detector.detect(shipped_photo("camera"))
    assert result.count == 1
    assert box_iou(result.boxes[0], CAMERAMAN_FACE) > 0.5


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket", "brick", "hubble_deep_field",
                                  "coins", "moon", "page"])
def test_photographs_without_people_have_no_face(detector: BlazeFaceDetector,
                                                 name: str) -> None:
    # chelsea is a cat: an animal face is not a person's
    result = detector.detect(shipped_photo(name))
    assert result.count == 0, [(b.score, b.x0, b.y0) for b in result.boxes]


def test_boxes_follow_the_image_when_it_is_mirrored(detector: BlazeFaceDetector) -> None:
    image = shipped_photo("astronaut")
    face = detector.detect(image).boxes[0]
    mirrored = detector.detect(np.ascontiguousarray(image[:, ::-1])).boxes
    assert len(mirrored) == 1
    assert mirrored[0].x0 == pytest.approx(512 - face.x1, abs=6)
    assert mirrored[0].x1 == pytest.approx(512 - face.x0, abs=6)
    assert mirrored[0].y0 == pytest.approx(face.y0, abs=6)


def test_boxes_are_in_the_pixels_of_a_cropped_or_scaled_frame(
    detector: BlazeFaceDetector,
) -> None:
    image = shipped_photo("astronaut")
    face = detector.detect(image).boxes[0]
    # a wide 4:3-ish crop (letterboxed differently) keeps the face in the same place
    crop = image[30:330, 40:500]
    found = detector.detect(crop).boxes
    assert len(found) == 1
    assert (found[0].x0 + 40, found[0].y0 + 30) == pytest.approx((face.x0, face.y0), abs=8)
    assert (found[0].x1 + 40, found[0].y1 + 30) == pytest.approx((face.x1, face.y1), abs=8)
    # half the size: half the coordinates
    small = image[::2, ::2]
    half = detector.detect(np.ascontiguousarray(small)).boxes
    assert len(half) == 1
    assert (half[0].x0 * 2, half[0].y1 * 2) == pytest.approx((face.x0, face.y1), abs=8)


def test_grey_frame_of_a_face_is_found(detector: BlazeFaceDetector) -> None:
    grey = shipped_photo("astronaut").mean(axis=2).astype(np.uint8)  # infrared-like cameras
    result = detector.detect(grey)
    assert result.count == 1
    assert box_iou(result.boxes[0], ASTRONAUT_FACE) > 0.6
