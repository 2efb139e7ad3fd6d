"""Weighted non-maximum suppression on synthetic boxes."""

from __future__ import annotations

import numpy as np
import pytest

from edge.faces.nms import iou, weighted_nms


def boxes(*rows: tuple[float, ...]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float32)


def test_iou_of_known_boxes() -> None:
    base = boxes((0, 0, 2, 2))[0]
    others = boxes((0, 0, 2, 2), (1, 0, 3, 2), (2, 2, 4, 4), (5, 5, 6, 6), (1, 1, 1, 1))
    assert list(iou(base, others)) == pytest.approx([1.0, 2 / 6, 0.0, 0.0, 0.0])


def test_one_cluster_merges_into_the_score_weighted_mean() -> None:
    dets = boxes((0, 0, 10, 10), (1, 1, 11, 11), (0, 1, 10, 11))
    scores = np.asarray([0.9, 0.6, 0.3], dtype=np.float32)
    out = weighted_nms(dets, scores, 0.3)
    assert len(out) == 1
    row, score = out[0]
    assert score == pytest.approx(0.9)  # the merged detection keeps the best score
    weights = np.asarray([0.9, 0.6, 0.3])
    expected = (dets * weights[:, None]).sum(axis=0) / weights.sum()
    assert row == pytest.approx(expected, abs=1e-5)


def test_separate_faces_stay_separate_best_first() -> None:
    dets = boxes((0, 0, 10, 10), (50, 50, 60, 60), (0.5, 0, 10.5, 10), (100, 0, 110, 10))
    scores = np.asarray([0.7, 0.95, 0.6, 0.55], dtype=np.float32)
    out = weighted_nms(dets, scores, 0.3)
    assert [s for _, s in out] == pytest.approx([0.95, 0.7, 0.55])
    assert out[0][0] == pytest.approx([50, 50, 60, 60])
    assert out[1][0][0] == pytest.approx((0 * 0.7 + 0.5 * 0.6) / 1.3, abs=1e-5)
    assert out[2][0] == pytest.approx([100, 0, 110, 10])


def test_threshold_is_strict_and_keypoints_are_averaged() -> None:
    # IoU exactly 1/3: above 0.3 merges, at 1/3 it does not ("strictly above" as MediaPipe)
    dets = boxes((0, 0, 2, 2, 1, 1), (1, 0, 3, 2, 2, 1))
    dets_iou = float(iou(dets[0], dets[1:])[0])
    assert dets_iou == pytest.approx(1 / 3)
    scores = np.asarray([0.8, 0.8], dtype=np.float32)
    assert len(weighted_nms(dets, scores, 0.3)) == 1
    assert weighted_nms(dets, scores, 0.3)[0][0][4:] == pytest.approx([1.5, 1.0])
    assert len(weighted_nms(dets, scores, dets_iou)) == 2


def test_min_score_and_max_detections_stop_the_loop() -> None:
    dets = boxes((0, 0, 1, 1), (10, 10, 11, 11), (20, 20, 21, 21))
    scores = np.asarray([0.9, 0.4, 0.8], dtype=np.float32)
    assert [s for _, s in weighted_nms(dets, scores, 0.3, min_score=0.5)] == pytest.approx(
        [0.9, 0.8])
    assert len(weighted_nms(dets, scores, 0.3, max_detections=1)) == 1
    assert weighted_nms(np.zeros((0, 4), dtype=np.float32), np.zeros(0, dtype=np.float32)) == []


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="detections must be"):
        weighted_nms(np.zeros((3, 2), dtype=np.float32), np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="2 scores"):
        weighted_nms(np.zeros((3, 4), dtype=np.float32), np.zeros(2, dtype=np.float32))
