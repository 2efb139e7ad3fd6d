"""The local photo store: one JPEG and one JSON record per access event, in one folder.

``ev000000000042.jpg`` holds the picture of event 42 and ``ev000000000042.json`` its
record (edge/photos/meta.py). Both are written to a temporary name, fsynced and renamed,
the JSON last: a photo exists once its record does, so a crash mid-save leaves only
leftovers that :meth:`PhotoStore.open` removes. Photos leave the store when the hub has
confirmed them (unless ``keep_uploaded``), when their retention date passes (SPEC §9: the
edge keeps no access photo longer than the hub may), or, oldest first, when the store
would grow past ``max_bytes``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from edge.camera.port import Frame
from edge.faces.types import FaceResult
from edge.photos.errors import (
    PhotoCorruptError,
    PhotoNotFoundError,
    PhotoStoreError,
)
from edge.photos.meta import Box, PhotoMeta, photo_id
from edge.store.fsutil import fsync_dir, remove_if_exists, write_durable

log = logging.getLogger(__name__)
DAY = 86_400


@dataclass(frozen=True)
class PhotoStoreConfig:
    """Where and how photos are kept."""

    root: Path
    retention_days: int = 60  # SPEC §9 default; the hub's setting is sent down in config
    jpeg_quality: int = 85
    chunk_size: int = 32 * 1024  # upload chunk; well under MQTT and broker message limits
    max_bytes: int = 512 * 1024 * 1024  # a Pi's SD card must keep room for the outbox
    keep_uploaded: bool = False  # True: keep confirmed photos until retention ends

    def __post_init__(self) -> None:
        if not 1 <= self.retention_days <= 3650:
            raise PhotoStoreError(f"photos.retention_days must be 1..3650, "
                                  f"got {self.retention_days}")
        if not 1 <= self.jpeg_quality <= 95:
            raise PhotoStoreError(f"photos.jpeg_quality must be 1..95, got {self.jpeg_quality}")
        if not 1024 <= self.chunk_size <= 256 * 1024:
            raise PhotoStoreError(f"photos.chunk_size must be 1024..262144 bytes, "
                                  f"got {self.chunk_size}")
        if self.max_bytes < 1024 * 1024:
            raise PhotoStoreError(f"photos.max_bytes must be at least 1 MiB, got {self.max_bytes}")


def face_boxes(faces: FaceResult) -> tuple[Box, ...]:
    """Detector boxes as whole pixels clipped to the photo, scores in thousandths."""
    return tuple((*face.pixel_box(faces.width, faces.height),
                  min(1000, max(0, round(face.score * 1000)))) for face in faces.boxes)


class PhotoStore:
    """Saves, lists, reads and deletes photos; safe to share between threads."""

    def __init__(self, config: PhotoStoreConfig,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.root = config.root
        self._clock = clock
        self._lock = threading.RLock()
        self._index: dict[str, PhotoMeta] = {}

    # -- lifecycle -------------------------------------------------------------------

    def open(self) -> None:
        """Create the folder, drop leftovers of interrupted saves, load every record."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            names = sorted(os.listdir(self.root))
        except OSError as err:
            raise PhotoStoreError(f"photo store {self.root}: {err}") from err
        index: dict[str, PhotoMeta] = {}
        for name in names:
            path = self.root / name
            if name.endswith(".tmp"):
                remove_if_exists(path)
            elif name.endswith(".json"):
                try:
                    meta = PhotoMeta.from_json(path.read_bytes(), str(path))
                except (OSError, PhotoStoreError) as err:
                    log.warning("photo store: dropping unreadable record %s: %s", name, err)
                    remove_if_exists(path)
                    remove_if_exists(path.with_suffix(".jpg"))
                    continue
                index[meta.photo] = meta
        for name in names:  # a JPEG whose record was never written: the save did not finish
            if name.endswith(".jpg") and name[:-4] not in index:
                remove_if_exists(self.root / name)
        with self._lock:
            self._index = index
        log.info("photo store %s: %d photos", self.root, len(index))

    # -- saving ----------------------------------------------------------------------

    def save(self, event_seq: int, frame: Frame, faces: FaceResult | None) -> PhotoMeta:
        """Encode ``frame`` as JPEG and store it as the photo of ``event_seq``."""
        photo = photo_id(event_seq)
        buffer = io.BytesIO()
        Image.fromarray(frame.pixels).save(buffer, format="JPEG",
                                           quality=self.config.jpeg_quality)
        data = buffer.getvalue()
        taken = int(frame.taken_at)
        meta = PhotoMeta(
            photo=photo, seq=event_seq, taken_at=taken, width=frame.width, height=frame.height,
            faces=None if faces is None else faces.count,
            boxes=() if faces is None else face_boxes(faces), size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            retain_until=taken + self.config.retention_days * DAY,
            chunk_size=self.config.chunk_size,
        )
        with self._lock:
            if photo in self._index:
                raise PhotoStoreError(f"photo {photo} already exists (event {event_seq})")
            self._make_room(len(data))
            self._write(photo + ".jpg", data)
            self._write(photo + ".json", meta.to_json())
            self._index[photo] = meta
        log.info("photo %s stored: %d bytes, faces %s", photo, len(data), meta.faces)
        return meta

    def _write(self, name: str, data: bytes) -> None:
        temp = self.root / (name + ".tmp")
        try:
            write_durable(temp, data)
            os.replace(temp, self.root / name)
            fsync_dir(self.root)
        except OSError as err:
            remove_if_exists(temp)
            raise PhotoStoreError(f"photo store {self.root}: cannot write {name}: {err}") from err

    def _make_room(self, incoming: int) -> None:
        used = sum(m.size for m in self._index.values())
        for meta in sorted(self._index.values(), key=lambda m: (m.uploaded is False, m.seq)):
            if used + incoming <= self.config.max_bytes:
                return
            log.warning("photo store full: dropping photo %s (event %d, uploaded %s)",
                        meta.photo, meta.seq, meta.uploaded)
            self._remove(meta.photo)
            used -= meta.size

    # -- reading ---------------------------------------------------------------------

    def get(self, photo: str) -> PhotoMeta:
        with self._lock:
            meta = self._index.get(photo)
        if meta is None:
            raise PhotoNotFoundError(f"no photo {photo!r} in {self.root}")
        return meta

    def photos(self) -> list[PhotoMeta]:
        """Every stored photo, oldest event first."""
        with self._lock:
            return sorted(self._index.values(), key=lambda m: m.seq)

    def read(self, photo: str) -> bytes:
        """The JPEG bytes, checked against the recorded size and SHA-256."""
        meta = self.get(photo)
        try:
            data = (self.root / (photo + ".jpg")).read_bytes()
        except OSError as err:
            raise PhotoCorruptError(f"photo {photo}: cannot read its JPEG: {err}") from err
        if len(data) != meta.size or hashlib.sha256(data).hexdigest() != meta.sha256:
            raise PhotoCorruptError(f"photo {photo}: JPEG does not match its record "
                                    f"({len(data)} bytes, expected {meta.size})")
        return data

    # -- progress and removal -------------------------------------------------------

    def record_progress(self, photo: str, acked_chunks: int, uploaded: bool) -> PhotoMeta:
        """Persist upload progress; a confirmed photo is deleted unless ``keep_uploaded``."""
        with self._lock:
            meta = self.get(photo).with_progress(acked_chunks, uploaded)
            if uploaded and not self.config.keep_uploaded:
                self._remove(photo)
                return meta
            self._write(photo + ".json", meta.to_json())
            self._index[photo] = meta
            return meta

    def delete(self, photo: str) -> None:
        with self._lock:
            self.get(photo)
            self._remove(photo)

    def purge_expired(self, now: float | None = None) -> list[str]:
        """Delete photos whose retention date has passed, uploaded or not; their ids."""
        moment = self._clock() if now is None else now
        with self._lock:
            expired = [m.photo for m in self._index.values() if m.retain_until <= moment]
            for photo in expired:
                self._remove(photo)
        if expired:
            log.info("photo store: %d photos past their retention date deleted", len(expired))
        return expired

    def _remove(self, photo: str) -> None:
        # record first: a crash between the two leaves a JPEG without a record, which
        # open() deletes; the other order could leave a record pointing at nothing
        remove_if_exists(self.root / (photo + ".json"))
        remove_if_exists(self.root / (photo + ".jpg"))
        try:
            fsync_dir(self.root)
        except OSError as err:
            log.warning("photo store: fsync of %s failed: %s", self.root, err)
        self._index.pop(photo, None)
