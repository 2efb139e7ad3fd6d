"""Letterboxing into the 128x128 input and mapping model coordinates back to pixels."""

from __future__ import annotations

import numpy as np
import pytest

from edge.faces.errors import BadImageError
from edge.faces.letterbox import as_rgb, letterbox
from edge.faces.types import FaceBox, FaceResult


def test_wide_image_is_centred_with_black_bars() -> None:
    image = np.full((100, 400, 3), 255, dtype=np.uint8)
    tensor, box = letterbox(image)
    assert tensor.shape == (1, 128, 128, 3)
    assert (box.pad_x, box.pad_y, box.scale_x, box.scale_y) == (0, 48, 128 / 400, 32 / 100)
    assert np.all(tensor[0, :48] == -1.0)  # black bar above
    assert np.all(tensor[0, 48:80] == 1.0)  # the white image
    assert np.all(tensor[0, 80:] == -1.0)


@pytest.mark.parametrize("shape", [(480, 640), (640, 480), (128, 128), (37, 1000), (3, 3)])
def test_mapping_back_lands_on_the_same_pixel(shape: tuple[int, int]) -> None:
    height, width = shape
    _, box = letterbox(np.zeros((height, width, 3), dtype=np.uint8))
    # the model-relative position of image pixel (x, y) is ((x*sx + pad_x)/128, ...)
    xs = np.asarray([0.0, width / 2, width], dtype=np.float32)
    ys = np.asarray([0.0, height / 3, height], dtype=np.float32)
    rel_x = (xs * box.scale_x + box.pad_x) / 128
    rel_y = (ys * box.scale_y + box.pad_y) / 128
    back_x, back_y = box.to_image(rel_x.astype(np.float32), rel_y.astype(np.float32))
    assert back_x == pytest.approx(xs, abs=1e-3 * width)
    assert back_y == pytest.approx(ys, abs=1e-3 * height)


def test_grey_and_rgba_become_rgb() -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert as_rgb(grey).shape == (3, 4, 3)
    assert np.all(as_rgb(grey)[:, :, 2] == grey)
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    assert np.all(as_rgb(rgba) == 0)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((4, 4, 3), dtype=np.float32), "must be uint8"),
        (np.zeros((4, 4, 2), dtype=np.uint8), r"\(H, W\), \(H, W, 3\)"),
        (np.zeros((0, 4, 3), dtype=np.uint8), "must have pixels"),
        (np.zeros((4,), dtype=np.uint8), r"\(H, W\), \(H, W, 3\)"),
        ([[1, 2], [3, 4]], "numpy array"),
    ],
)
def test_unusable_images_are_refused(image: object, message: str) -> None:
    with pytest.raises(BadImageError, match=message):
        letterbox(image)  # type: ignore[arg-type]


def test_face_boxes_round_and_clip_to_the_image() -> None:
    cut = FaceBox(-3.6, 10.4, 64.5, 130.2, 0.9)
    assert cut.pixel_box(100, 120) == (0, 10, 64, 120)  # round half to even, then clip
    assert (cut.width, cut.height) == pytest.approx((68.1, 119.8))
    assert FaceResult(100, 120, (cut, cut)).count == 2
