"""Transfer fixtures: the factory sample (text and parsed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SAMPLE = Path(__file__).resolve().parents[3] / "hub" / "transfer" / "samples" / "factory.json"


@pytest.fixture(scope="session")
def factory_text() -> str:
    """The sample factory document, exactly as committed."""
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def factory(factory_text: str) -> dict[str, Any]:
    """A fresh parsed copy of the sample (tests may change it)."""
    document: dict[str, Any] = json.loads(factory_text)
    return document
