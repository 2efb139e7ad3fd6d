"""Photo upload over the sync link: what to publish on ``photos`` and when.

Wraps :class:`edge.photos.upload.PhotoUploader` (which knows the chunking and the ack
rules of docs/photos.md) with the timing of a live connection: one photo at a time,
oldest event first, at most the uploader's window of chunks in flight; every
``photo_ack`` moves the window on; a reconnect or ``ack_timeout`` seconds without an
ack rewinds to the hub's last acknowledged chunk, which the store has persisted, so
no acknowledged chunk is ever sent again. Runs in EdgeSync's worker thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from edge.photos.errors import PhotoError
from edge.photos.upload import PhotoUploader
from edge.sync.outgoing import Outgoing

log = logging.getLogger(__name__)


class PhotoSender:
    """The upload side of EdgeSync (see the module docstring)."""

    def __init__(self, uploader: PhotoUploader, clock: Callable[[], float],
                 ack_timeout: float) -> None:
        self.uploader = uploader
        self._clock = clock
        self._ack_timeout = ack_timeout
        self.current: str | None = None  # the photo being uploaded
        self._last_progress = 0.0
        self.chunks_sent = 0
        self.uploaded = 0

    def pump(self) -> list[Outgoing]:
        """The chunks to publish now (none while the window is full)."""
        try:
            if self.current is None:
                pending = self.uploader.pending()
                if not pending:
                    return []
                self.current = pending[0]
                self._last_progress = self._clock()
            chunks = self.uploader.next_chunks(self.current)
        except PhotoError as err:  # the photo went away (retention, capacity, damage)
            log.info("photo upload of %s stopped: %s", self.current, err)
            self.current = None
            return []
        if not chunks and self.current not in self.uploader.pending():
            self.current = None  # deleted as damaged by next_chunks, or confirmed
            return self.pump()
        self.chunks_sent += len(chunks)
        return [Outgoing("photos", "photo_chunk", chunk.fields()) for chunk in chunks]

    def on_ack(self, fields: dict[str, Any]) -> list[Outgoing]:
        """Apply the hub's ``photo_ack``; what to publish next."""
        photo = fields["photo"]
        try:
            meta = self.uploader.on_ack(photo, fields["next"], fields["done"])
        except PhotoError as err:
            log.warning("photo_ack ignored: %s", err)
            return []
        if photo == self.current:
            self._last_progress = self._clock()
            if meta is None or meta.uploaded:
                self.current = None
        if fields["done"]:
            self.uploaded += 1
        return self.pump()

    def on_connect(self) -> list[Outgoing]:
        """A new connection: whatever was in flight may be lost; resume from the acks."""
        self.uploader.rewind()
        self._last_progress = self._clock()
        return self.pump()

    def tick(self) -> list[Outgoing]:
        """New photos, or a resend from the last ack after ``ack_timeout`` of silence."""
        if self.current is None:
            return self.pump()
        if self._clock() - self._last_progress >= self._ack_timeout:
            log.info("photo %s: no ack for %.0f s, resending from the hub's last ack",
                     self.current, self._ack_timeout)
            self.uploader.rewind(self.current)
            self._last_progress = self._clock()
            return self.pump()
        return []
