"""One BlazeFace detector for the whole folder: loading the model is the slow part."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edge.faces.blazeface import BlazeFaceDetector


@pytest.fixture(scope="package")
def detector() -> Iterator[BlazeFaceDetector]:
    found = BlazeFaceDetector()
    yield found
    found.close()
