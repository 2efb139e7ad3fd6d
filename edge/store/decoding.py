"""The one place the store turns snapshot bytes into an AccessList and back.

Kept apart so the list store itself works (and is tested) on bytes and hashes alone.
"""

from __future__ import annotations

from protocols.portable.accesslist import AccessList, decode_snapshot, encode_snapshot


def decode_access_list(snapshot: bytes) -> AccessList:
    """Decode canonical snapshot bytes (raises ``AccessListError``, a ``ValueError``)."""
    return decode_snapshot(snapshot)


def encode_access_list(lst: AccessList) -> tuple[bytes, int]:
    """The canonical snapshot bytes of ``lst`` (compacted first) and its version."""
    return encode_snapshot(lst), lst.version
