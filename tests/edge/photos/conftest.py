"""A photo store in a temporary folder, and real frames made from shipped photographs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.camera.port import Frame
from edge.photos.store import PhotoStore, PhotoStoreConfig
from sim.bench.faces_data import shipped_photo

NOW = 1_760_000_000.0  # a fixed "now" (2025-10-09) so retention dates are exact


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PhotoStore]:
    found = PhotoStore(PhotoStoreConfig(tmp_path / "photos", chunk_size=4096),
                       clock=lambda: NOW)
    found.open()
    yield found


def frame(name: str = "astronaut", taken_at: float = NOW) -> Frame:
    pixels = shipped_photo(name)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None].repeat(3, axis=2)
    return Frame(pixels, taken_at, f"test:{name}")
