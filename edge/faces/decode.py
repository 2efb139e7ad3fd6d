"""Raw BlazeFace outputs -> scored boxes, as MediaPipe's ``TensorsToDetectionsCalculator``.

The model outputs, per anchor, 16 regressors (box centre x, y, width, height, then six
keypoints as x, y pairs; ``reverse_output_order``: x before y) in input pixels relative
to the anchor, and one raw class score. Decoding divides by the model's scales (128 for
the short-range model), multiplies by the anchor size (1.0) and adds the anchor centre;
scores are clipped to +-100 and passed through a sigmoid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge.faces.errors import FaceError

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class DecodeOptions:
    """MediaPipe's ``TensorsToDetectionsCalculatorOptions`` for the short-range model."""

    num_coords: int = 16
    num_keypoints: int = 6
    x_scale: float = 128.0
    y_scale: float = 128.0
    w_scale: float = 128.0
    h_scale: float = 128.0
    score_clipping_thresh: float = 100.0
    min_score_thresh: float = 0.5


SHORT_RANGE = DecodeOptions()


def decode_boxes(raw: Floats, anchors: Floats, options: DecodeOptions = SHORT_RANGE) -> Floats:
    """Regressors (N, 16) -> (N, 4 + 2 * keypoints): ``xmin, ymin, xmax, ymax, kx, ky, ...``.

    Coordinates are relative to the model input (0..1 inside it).
    """
    raw = np.asarray(raw, dtype=np.float32).reshape(-1, options.num_coords)
    if raw.shape[0] != anchors.shape[0]:
        raise FaceError(f"the model gave {raw.shape[0]} boxes for {anchors.shape[0]} anchors")
    ax, ay, aw, ah = anchors[:, 0], anchors[:, 1], anchors[:, 2], anchors[:, 3]
    cx = raw[:, 0] / options.x_scale * aw + ax
    cy = raw[:, 1] / options.y_scale * ah + ay
    w = raw[:, 2] / options.w_scale * aw
    h = raw[:, 3] / options.h_scale * ah
    out = np.empty((raw.shape[0], 4 + 2 * options.num_keypoints), dtype=np.float32)
    out[:, 0] = cx - w / 2
    out[:, 1] = cy - h / 2
    out[:, 2] = cx + w / 2
    out[:, 3] = cy + h / 2
    for k in range(options.num_keypoints):
        out[:, 4 + 2 * k] = raw[:, 4 + 2 * k] / options.x_scale * aw + ax
        out[:, 5 + 2 * k] = raw[:, 5 + 2 * k] / options.y_scale * ah + ay
    return out


def sigmoid_scores(raw: Floats, options: DecodeOptions = SHORT_RANGE) -> Floats:
    """Raw class scores (N,) or (N, 1) -> probabilities, clipped first as MediaPipe does.

    The sigmoid runs in float64: ``exp(100)`` overflows float32 (MediaPipe's clipping
    threshold is 100), which would raise under numpy's overflow warning.
    """
    flat = np.asarray(raw, dtype=np.float64).reshape(-1)
    limit = options.score_clipping_thresh
    clipped = np.clip(flat, -limit, limit)
    return (1.0 / (1.0 + np.exp(-clipped))).astype(np.float32)


def select(boxes: Floats, scores: Floats, min_score: float) -> tuple[Floats, Floats]:
    """The rows scoring at least ``min_score`` whose boxes have a positive size."""
    keep = (scores >= min_score) & (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return boxes[keep], scores[keep]
