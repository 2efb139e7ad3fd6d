"""Decoding the model's raw outputs: scales, anchors, keypoints, clipped sigmoid."""

from __future__ import annotations

import numpy as np
import pytest

from edge.faces.anchors import SHORT_RANGE, generate_anchors
from edge.faces.decode import decode_boxes, select, sigmoid_scores
from edge.faces.errors import FaceError

ANCHORS = generate_anchors(SHORT_RANGE)


def test_regressors_are_input_pixels_around_the_anchor() -> None:
    raw = np.zeros((896, 16), dtype=np.float32)
    # anchor 512 sits at (0.0625, 0.0625); move the centre 8 input pixels right, 4 down,
    # size 32x16 pixels; keypoint 0 at +16, -8 pixels; keypoint 5 at the anchor
    raw[512, :4] = (8, 4, 32, 16)
    raw[512, 4:6] = (16, -8)
    out = decode_boxes(raw, ANCHORS)
    assert out.shape == (896, 16)
    cx, cy = 0.0625 + 8 / 128, 0.0625 + 4 / 128
    assert out[512, :4] == pytest.approx([cx - 16 / 128, cy - 8 / 128, cx + 16 / 128,
                                          cy + 8 / 128])
    assert out[512, 4:6] == pytest.approx([0.0625 + 16 / 128, 0.0625 - 8 / 128])
    assert out[512, 14:16] == pytest.approx([0.0625, 0.0625])
    # all-zero regressors: an empty box at the anchor centre
    assert out[0, :4] == pytest.approx([1 / 32, 1 / 32, 1 / 32, 1 / 32])


def test_anchor_count_must_match() -> None:
    with pytest.raises(FaceError, match="gave 10 boxes for 896 anchors"):
        decode_boxes(np.zeros((10, 16), dtype=np.float32), ANCHORS)


def test_sigmoid_is_clipped_and_never_overflows() -> None:
    # pytest runs with warnings as errors: a float32 exp(100) would raise here
    raw = np.asarray([[-1e30], [-100.0], [0.0], [2.0], [100.0], [1e30]], dtype=np.float32)
    scores = sigmoid_scores(raw)
    assert scores.shape == (6,)
    assert scores[2] == pytest.approx(0.5)
    assert scores[3] == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert scores[0] == scores[1] == pytest.approx(0.0, abs=1e-40)  # clipped to -100
    assert scores[4] == scores[5] == pytest.approx(1.0)


def test_select_keeps_scored_boxes_with_area() -> None:
    boxes = np.asarray([[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0.5, 0.5, 0.4, 0.9]],
                       dtype=np.float32)
    scores = np.asarray([0.5, 0.49, 0.9, 0.9], dtype=np.float32)
    kept, kept_scores = select(boxes, scores, 0.5)
    assert kept.tolist() == [[0, 0, 1, 1]]
    assert kept_scores.tolist() == [0.5]
