"""SSD anchors of the short-range model: count, order and centres as MediaPipe makes them."""

from __future__ import annotations

import numpy as np
import pytest

from edge.faces.anchors import SHORT_RANGE, SsdAnchorOptions, generate_anchors


def test_short_range_has_896_anchors_of_fixed_size() -> None:
    anchors = generate_anchors(SHORT_RANGE)
    assert anchors.shape == (896, 4)
    assert anchors.dtype == np.float32
    assert np.all(anchors[:, 2:] == 1.0)  # fixed_anchor_size: the regressors are absolute
    assert np.all((anchors[:, :2] > 0) & (anchors[:, :2] < 1))


@pytest.mark.parametrize(
    ("index", "centre"),
    [
        (0, (0.5 / 16, 0.5 / 16)),  # stride 8: a 16x16 grid, two anchors per cell
        (1, (0.5 / 16, 0.5 / 16)),
        (2, (1.5 / 16, 0.5 / 16)),  # next cell to the right
        (32, (0.5 / 16, 1.5 / 16)),  # second row (16 cells x 2 anchors later)
        (511, (15.5 / 16, 15.5 / 16)),  # last of the stride-8 layer
        (512, (0.5 / 8, 0.5 / 8)),  # stride 16: three layers share an 8x8 grid, 6 per cell
        (517, (0.5 / 8, 0.5 / 8)),
        (518, (1.5 / 8, 0.5 / 8)),
        (512 + 6 * 8, (0.5 / 8, 1.5 / 8)),
        (895, (7.5 / 8, 7.5 / 8)),
    ],
)
def test_known_anchor_centres(index: int, centre: tuple[float, float]) -> None:
    anchors = generate_anchors(SHORT_RANGE)
    assert anchors[index, 0] == pytest.approx(centre[0])
    assert anchors[index, 1] == pytest.approx(centre[1])


def test_centres_cover_each_grid_evenly() -> None:
    anchors = generate_anchors(SHORT_RANGE)
    first, second = anchors[:512], anchors[512:]
    assert sorted(set(np.round(first[:, 0] * 16 - 0.5, 6))) == list(range(16))
    assert sorted(set(np.round(second[:, 1] * 8 - 0.5, 6))) == list(range(8))
    # each centre repeats as many times as there are anchors per cell
    _, counts = np.unique(first[:, :2], axis=0, return_counts=True)
    assert set(counts) == {2}
    _, counts = np.unique(second[:, :2], axis=0, return_counts=True)
    assert set(counts) == {6}


def test_sizes_follow_the_scales_when_not_fixed() -> None:
    # MediaPipe's scale rule: min + (max - min) * i / (layers - 1), plus an interpolated
    # anchor at sqrt(scale_i * scale_{i+1}) (1.0 after the last layer).
    options = SsdAnchorOptions(input_width=32, input_height=32, strides=(16, 32),
                               min_scale=0.2, max_scale=0.8, fixed_anchor_size=False)
    anchors = generate_anchors(options)
    assert anchors.shape == (2 * 2 * 2 + 1 * 1 * 2, 4)
    assert anchors[0, 2] == pytest.approx(0.2)
    assert anchors[1, 2] == pytest.approx(np.sqrt(0.2 * 0.8))
    assert anchors[-2, 2] == pytest.approx(0.8)
    assert anchors[-1, 2] == pytest.approx(np.sqrt(0.8 * 1.0))
    assert anchors[-1, 0] == pytest.approx(0.5)
