"""SSD anchors as MediaPipe's ``SsdAnchorsCalculator`` generates them.

BlazeFace predicts one box per anchor; an anchor is the centre of a cell of a feature map
(plus a size that the short-range model fixes at 1.0). The short-range model reads a
128x128 image through four layers with strides 8, 16, 16, 16: the stride-8 layer is a
16x16 grid with 2 anchors per cell (512), the three stride-16 layers share one 8x8 grid
with 2 anchors each (6 per cell, 384), 896 in all, in exactly the order of the model's
output rows. Options as in mediapipe/modules/face_detection/face_detection.pbtxt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class SsdAnchorOptions:
    """The subset of MediaPipe's ``SsdAnchorsCalculatorOptions`` the face models use."""

    input_width: int
    input_height: int
    strides: tuple[int, ...]
    min_scale: float = 0.1484375
    max_scale: float = 0.75
    anchor_offset_x: float = 0.5
    anchor_offset_y: float = 0.5
    aspect_ratios: tuple[float, ...] = (1.0,)
    # > 0 adds one anchor per cell at the geometric mean of this layer's and the next
    # layer's scale: the second anchor per layer of BlazeFace.
    interpolated_scale_aspect_ratio: float = 1.0
    fixed_anchor_size: bool = True


SHORT_RANGE = SsdAnchorOptions(input_width=128, input_height=128, strides=(8, 16, 16, 16))


def _scale(options: SsdAnchorOptions, stride_index: int) -> float:
    count = len(options.strides)
    if count == 1:
        return (options.min_scale + options.max_scale) * 0.5
    return options.min_scale + (options.max_scale - options.min_scale) * stride_index / (count - 1)


def generate_anchors(options: SsdAnchorOptions = SHORT_RANGE) -> npt.NDArray[np.float32]:
    """Anchors as an (N, 4) float32 array of ``x_center, y_center, width, height``.

    Centres and sizes are relative to the model input (0..1). Layers with the same
    stride share one feature map, so their anchors interleave per cell, as in MediaPipe.
    """
    rows: list[tuple[float, float, float, float]] = []
    strides = options.strides
    layer = 0
    while layer < len(strides):
        sizes: list[tuple[float, float]] = []  # (width, height) per anchor of a cell
        last = layer
        while last < len(strides) and strides[last] == strides[layer]:
            scale = _scale(options, last)
            for ratio in options.aspect_ratios:
                root = math.sqrt(ratio)
                sizes.append((scale * root, scale / root))
            if options.interpolated_scale_aspect_ratio > 0:
                following = 1.0 if last == len(strides) - 1 else _scale(options, last + 1)
                mean = math.sqrt(scale * following)
                root = math.sqrt(options.interpolated_scale_aspect_ratio)
                sizes.append((mean * root, mean / root))
            last += 1
        if options.fixed_anchor_size:  # the face models regress sizes against 1.0
            sizes = [(1.0, 1.0)] * len(sizes)
        stride = strides[layer]
        rows_count = math.ceil(options.input_height / stride)
        cols_count = math.ceil(options.input_width / stride)
        for y in range(rows_count):
            for x in range(cols_count):
                cx = (x + options.anchor_offset_x) / cols_count
                cy = (y + options.anchor_offset_y) / rows_count
                rows.extend((cx, cy, width, height) for width, height in sizes)
        layer = last
    return np.asarray(rows, dtype=np.float32)
