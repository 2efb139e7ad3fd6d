"""The hub's side of the proposed photo upload (docs/photos.md), as the tests' peer.

Small on purpose and written from the proposal, not from the edge code: chunks are kept
only in order; a chunk below ``next`` is a duplicate, one above it is dropped; each chunk
is answered with ``photo_ack {photo, next, done}``; after the last chunk the size and
SHA-256 of the whole are checked, and a mismatch throws the photo away (``next: 0``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class Partial:
    count: int
    size: int
    sha256: bytes
    chunks: list[bytes] = field(default_factory=list)
    meta: dict[str, object] | None = None


@dataclass
class HubPhotos:
    partial: dict[str, Partial] = field(default_factory=dict)
    done: dict[str, bytes] = field(default_factory=dict)
    meta: dict[str, dict[str, object]] = field(default_factory=dict)
    refused_hashes: int = 0

    def receive(self, fields: dict[str, object]) -> dict[str, object]:
        photo = fields["photo"]
        assert isinstance(photo, str)
        if photo in self.done:
            return {"photo": photo, "next": int(fields["count"]), "done": True}  # type: ignore[call-overload]
        index, count, size, sha = (fields["index"], fields["count"], fields["size"],
                                   fields["sha256"])
        assert isinstance(index, int) and isinstance(count, int) and isinstance(size, int)
        assert isinstance(sha, bytes) and len(sha) == 32 and 0 <= index < count
        data = fields["data"]
        assert isinstance(data, bytes)
        state = self.partial.setdefault(photo, Partial(count, size, sha))
        if index == len(state.chunks):
            if index == 0:
                assert isinstance(fields["meta"], dict)
                state.meta = fields["meta"]
            else:
                assert fields["meta"] is None
            state.chunks.append(data)
        if len(state.chunks) == state.count:
            whole = b"".join(state.chunks)
            del self.partial[photo]
            if len(whole) != state.size or hashlib.sha256(whole).digest() != state.sha256:
                self.refused_hashes += 1
                return {"photo": photo, "next": 0, "done": False}
            self.done[photo] = whole
            assert state.meta is not None
            self.meta[photo] = state.meta
            return {"photo": photo, "next": state.count, "done": True}
        return {"photo": photo, "next": len(state.chunks), "done": False}
