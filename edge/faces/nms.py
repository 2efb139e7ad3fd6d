"""Weighted non-maximum suppression, as MediaPipe's ``NonMaxSuppressionCalculator`` does it.

BlazeFace fires on several neighbouring anchors for one face. Plain NMS keeps the best of
each cluster; MediaPipe's WEIGHTED algorithm instead replaces the best box of a cluster by
the score-weighted mean of every box that overlaps it by more than the threshold
(intersection over union), keypoints included. The merged detection keeps the best score.
That averages out the jitter of single anchors, which matters for a face box in a photo.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]


def iou(box: Floats, others: Floats) -> npt.NDArray[np.float64]:
    """Intersection over union of one ``xmin, ymin, xmax, ymax`` box with each of ``others``.

    0.0 where the boxes do not intersect or the union has no area.
    """
    b = box.astype(np.float64)
    o = others[:, :4].astype(np.float64)
    ix = np.minimum(b[2], o[:, 2]) - np.maximum(b[0], o[:, 0])
    iy = np.minimum(b[3], o[:, 3]) - np.maximum(b[1], o[:, 1])
    inter = np.where((ix > 0) & (iy > 0), ix * iy, 0.0)
    area_b = max(float((b[2] - b[0]) * (b[3] - b[1])), 0.0)
    area_o = np.clip((o[:, 2] - o[:, 0]) * (o[:, 3] - o[:, 1]), 0.0, None)
    union = area_b + area_o - inter
    out = np.zeros(len(o), dtype=np.float64)
    np.divide(inter, union, out=out, where=union > 0)
    return out


def weighted_nms(
    detections: Floats,
    scores: Floats,
    min_suppression_threshold: float = 0.3,
    min_score: float | None = None,
    max_detections: int | None = None,
) -> list[tuple[Floats, float]]:
    """Merge overlapping detections; best score first.

    ``detections`` is (N, D): the box ``xmin, ymin, xmax, ymax`` then any keypoint
    coordinates, all averaged alike. Returns ``(row, score)`` pairs, ``row`` of length D.
    A cluster is every remaining detection whose IoU with the best remaining one is
    strictly above ``min_suppression_threshold``; detections scoring below ``min_score``
    stop the loop (they are sorted), as in MediaPipe.
    """
    if detections.ndim != 2 or detections.shape[1] < 4 or len(detections) != len(scores):
        raise ValueError(f"detections must be (N, >=4) with N scores; got {detections.shape} "
                         f"and {len(scores)} scores")
    order = np.argsort(-scores, kind="stable")
    remaining = order
    out: list[tuple[Floats, float]] = []
    while remaining.size:
        if max_detections is not None and len(out) >= max_detections:
            break
        top = int(remaining[0])
        top_score = float(scores[top])
        if min_score is not None and top_score < min_score:
            break
        similarity = iou(detections[top], detections[remaining])
        in_cluster = similarity > min_suppression_threshold
        members = remaining[in_cluster]
        if members.size:
            weights = scores[members].astype(np.float64)
            merged = (detections[members].astype(np.float64) * weights[:, None]).sum(axis=0)
            row = (merged / weights.sum()).astype(np.float32)
        else:  # a box with no area is similar to nothing, not even itself
            row = detections[top].copy()
        out.append((row, top_score))
        rest = remaining[~in_cluster]
        if rest.size == remaining.size:  # nothing was merged: MediaPipe stops here too
            break
        remaining = rest
    return out
