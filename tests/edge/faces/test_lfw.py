"""Detection rate and false-positive rate on scikit-image's labelled LFW subset.

Measured with ai-edge-litert 2.3 (docs/faces.md): pad64 finds 100/100 faces with 0/100
false positives (weakest face scores 0.56, strongest non-face 0.40, threshold 0.5);
resize128 finds 99/100 (the miss scores 0.4998) with 1/100 (0.552). The thresholds
below leave room for another runtime's rounding near the 0.5 score threshold, not for a
broken decoder: a wrong anchor order, a lost scale or no NMS drops the detection rate far
below them.
"""

from __future__ import annotations

from edge.faces.blazeface import BlazeFaceDetector
from sim.bench.faces_data import lfw_crops, lfw_frame, lfw_rates


def test_lfw_subset_layout_is_faces_then_non_faces() -> None:
    crops = lfw_crops()
    assert crops.shape == (200, 25, 25)
    frame = lfw_frame(crops[0])
    assert frame.shape == (128, 128)
    assert frame[:32].max() == 0  # the crop sits in the middle of a black frame


def test_pad64_rates(detector: BlazeFaceDetector) -> None:
    rates = lfw_rates(detector, "pad64")
    assert (rates.faces, rates.non_faces) == (100, 100)
    assert rates.detection_rate >= 0.97
    assert rates.false_positive_rate <= 0.03


def test_resize128_rates(detector: BlazeFaceDetector) -> None:
    rates = lfw_rates(detector, "resize128")
    assert rates.detection_rate >= 0.95
    assert rates.false_positive_rate <= 0.05
