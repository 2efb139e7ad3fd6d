"""The one place the store turns snapshot bytes into an AccessList.

Kept separate so the list store works (and is tested) on bytes and hashes alone, and
the codec's import stays out of the store's hot paths.
"""

from __future__ import annotations

import importlib
from typing import Any


def decode_access_list(snapshot: bytes) -> Any:
    """Decode canonical snapshot bytes into an ``AccessList`` (raises ``AccessListError``)."""
    accesslist = importlib.import_module("protocols.portable.accesslist")
    return accesslist.decode_snapshot(snapshot)
