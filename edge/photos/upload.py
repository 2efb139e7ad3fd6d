"""Chunked, resumable upload of stored photos (messages proposed in docs/photos.md).

Transport-agnostic: the sync client asks :meth:`PhotoUploader.next_chunks` for what to
publish (``photo_chunk`` messages, fields from :meth:`PhotoChunk.fields`) and hands every
``photo_ack`` from the hub to :meth:`PhotoUploader.on_ack`. The hub stores chunks only
in order and acknowledges how many it holds (``next``); the edge persists that number, so
after a restart, a reconnect or a lost chunk it continues from the hub's ``next`` rather
than from the start. A photo is done when the hub has checked the whole file's size and
SHA-256 (``done``); a mismatch makes the hub answer ``next: 0`` and the photo is sent
again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from edge.photos.errors import PhotoCorruptError, PhotoNotFoundError, UploadError
from edge.photos.meta import PhotoMeta
from edge.photos.store import PhotoStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoChunk:
    """One piece of one photo; chunk 0 also carries the photo's record."""

    photo: str
    seq: int
    index: int
    count: int
    size: int
    sha256: bytes
    data: bytes
    meta: dict[str, object] | None

    def fields(self) -> dict[str, object]:
        """The ``photo_chunk`` message fields (docs/photos.md)."""
        return {"photo": self.photo, "seq": self.seq, "index": self.index,
                "count": self.count, "size": self.size, "sha256": self.sha256,
                "data": self.data, "meta": self.meta}


def chunk_meta(meta: PhotoMeta) -> dict[str, object]:
    """The record the hub files with the photo: ints only, no floats on the wire."""
    return {"taken": meta.taken_at, "width": meta.width, "height": meta.height,
            "faces": meta.faces, "boxes": [list(b) for b in meta.boxes],
            "retain_until": meta.retain_until}


class PhotoUploader:
    """Which chunks to send next and what the hub's acknowledgements mean."""

    def __init__(self, store: PhotoStore, window: int = 4) -> None:
        if not 1 <= window <= 64:
            raise UploadError(f"upload window must be 1..64 chunks, got {window}")
        self.store = store
        self.window = window
        self._sent: dict[str, int] = {}  # photo -> chunks published (in memory only)
        self._lock = threading.Lock()

    def pending(self) -> list[str]:
        """Photos the hub has not confirmed, oldest event first."""
        return [m.photo for m in self.store.photos() if not m.uploaded]

    def next_chunks(self, photo: str) -> list[PhotoChunk]:
        """The chunks to publish now: from the hub's last ``next``, at most ``window``
        beyond it, none already in flight. A photo whose file is damaged is deleted
        (it can never be confirmed) and yields nothing."""
        meta = self.store.get(photo)
        if meta.uploaded:
            return []
        with self._lock:
            start = max(self._sent.get(photo, meta.acked_chunks), meta.acked_chunks)
            stop = min(meta.chunk_count, meta.acked_chunks + self.window)
            if start >= stop:
                return []
            self._sent[photo] = stop
        try:
            data = self.store.read(photo)
        except PhotoCorruptError as err:
            log.error("photo %s cannot be uploaded and is deleted: %s", photo, err)
            self.store.delete(photo)
            with self._lock:
                self._sent.pop(photo, None)
            return []
        digest = bytes.fromhex(meta.sha256)
        size = meta.chunk_size
        return [
            PhotoChunk(photo, meta.seq, index, meta.chunk_count, meta.size, digest,
                       data[index * size:(index + 1) * size],
                       chunk_meta(meta) if index == 0 else None)
            for index in range(start, stop)
        ]

    def on_ack(self, photo: str, next_index: int, done: bool) -> PhotoMeta | None:
        """Apply the hub's ``photo_ack``; the photo's new record (None: not ours any more).

        A ``next`` that advances moves the window on; one that does not rewinds the
        sender to it; ``done`` is accepted only together with ``next == count``.
        """
        try:
            meta = self.store.get(photo)
        except PhotoNotFoundError:
            log.info("photo_ack for %s, which is no longer stored (expired or done)", photo)
            return None
        count = meta.chunk_count
        if isinstance(next_index, bool) or not 0 <= next_index <= count \
                or (done and next_index != count):
            raise UploadError(f"photo_ack for {photo}: next {next_index!r}, done {done} "
                              f"does not fit a photo of {count} chunks")
        with self._lock:
            if done:
                self._sent.pop(photo, None)
            elif next_index <= meta.acked_chunks:
                # No progress: chunks reach the hub in order (one MQTT topic), so a repeated
                # or lower ``next`` means chunk ``next`` is missing there (lost, or the
                # hub refused the hash and restarted at 0): resend from it.
                self._sent[photo] = next_index
        updated = self.store.record_progress(photo, next_index, done)
        if done:
            log.info("photo %s uploaded (%d bytes, %d chunks)", photo, meta.size, count)
        return updated

    def rewind(self, photo: str | None = None) -> None:
        """Forget what is in flight (after a reconnect or an ack timeout): the next call
        to :meth:`next_chunks` starts again from the hub's last acknowledged chunk."""
        with self._lock:
            if photo is None:
                self._sent.clear()
            else:
                self._sent.pop(photo, None)
