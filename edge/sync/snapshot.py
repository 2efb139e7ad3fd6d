"""Assembling a chunked snapshot, resumable across reconnects and restarts.

Chunks are appended in index order to ``snapshot.part`` (fdatasync'ed), and
``snapshot.meta`` (replaced atomically) records the version, the chunk count and how
many chunks and bytes are durable. After a reconnect or a restart the edge asks for the
rest (``resume_from``), never for chunks it already has. Bytes in the part file beyond
what the meta records (a crash between the two writes) are cut off when reopening.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from edge.store.fsutil import datasync, fsync_dir, remove_if_exists, write_all, write_durable
from edge.sync.errors import SyncStateError

log = logging.getLogger(__name__)

PART = "snapshot.part"
META = "snapshot.meta"


@dataclass(frozen=True)
class Progress:
    """A snapshot being received: ``received`` of ``count`` chunks of ``version``."""

    version: int
    count: int
    received: int
    length: int


@dataclass(frozen=True)
class ChunkOutcome:
    """What one chunk did: ``stored``, ``duplicate``, ``complete`` (with ``data``), or
    ``need`` (a chunk is missing: ask for the snapshot from ``resume_from``)."""

    kind: str
    resume_from: int = 0
    data: bytes | None = None


class SnapshotAssembler:
    """The partial snapshot in ``directory`` (one per edge; used by one thread)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.progress: Progress | None = None
        self._load()

    def _load(self) -> None:
        meta = self.directory / META
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            progress = Progress(int(data["version"]), int(data["count"]),
                                int(data["received"]), int(data["length"]))
        except FileNotFoundError:
            remove_if_exists(self.directory / PART)
            return
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("discarding a partial snapshot: %s unreadable (%s)", META, err)
            self.discard()
            return
        part = self.directory / PART
        try:
            size = part.stat().st_size
            if size < progress.length:
                raise ValueError(f"{PART} has {size} bytes, {META} records {progress.length}")
            if size > progress.length:
                os.truncate(part, progress.length)  # a chunk written but never recorded
        except (OSError, ValueError) as err:
            log.warning("discarding a partial snapshot: %s", err)
            self.discard()
            return
        self.progress = progress
        log.info("resuming snapshot of version %s at chunk %s of %s",
                 progress.version, progress.received, progress.count)

    def add(self, version: int, index: int, count: int, data: bytes) -> ChunkOutcome:
        """Take one chunk; see :class:`ChunkOutcome` for the answers."""
        progress = self.progress
        if progress is None or progress.version != version or progress.count != count:
            if index != 0:
                # A chunk of a snapshot whose start we do not have. Ask to continue the
                # one we have (the hub answers with its current version; if that is
                # another one, its chunk 0 will restart us).
                return ChunkOutcome("need", 0 if progress is None else progress.received)
            self.discard()
            progress = Progress(version, count, 0, 0)
        if index < progress.received:
            return ChunkOutcome("duplicate")
        if index > progress.received:
            return ChunkOutcome("need", progress.received)
        self._append(progress, data)
        progress = Progress(version, count, progress.received + 1, progress.length + len(data))
        self._write_meta(progress)
        self.progress = progress
        if progress.received < count:
            return ChunkOutcome("stored")
        try:
            whole = (self.directory / PART).read_bytes()
        except OSError as err:
            raise SyncStateError(f"cannot read back {PART}: {err.strerror or err}") from err
        return ChunkOutcome("complete", data=whole)

    def resume_point(self, version: int | None = None) -> int:
        """The first chunk still needed (of ``version`` when given; 0 when none kept)."""
        progress = self.progress
        if progress is None or (version is not None and progress.version != version):
            return 0
        return progress.received

    def _append(self, progress: Progress, data: bytes) -> None:
        path = self.directory / PART
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if progress.received else os.O_TRUNC)
            fd = os.open(path, flags, 0o644)
            try:
                write_all(fd, data)
                datasync(fd)
            finally:
                os.close(fd)
        except OSError as err:
            raise SyncStateError(f"cannot store a snapshot chunk: {err.strerror or err}") from err

    def _write_meta(self, progress: Progress) -> None:
        meta = self.directory / META
        tmp = meta.with_name(META + ".tmp")
        text = json.dumps({"version": progress.version, "count": progress.count,
                           "received": progress.received, "length": progress.length})
        try:
            write_durable(tmp, text.encode())
            os.replace(tmp, meta)
            if progress.received == 1:
                fsync_dir(self.directory)  # the part file's name, once
        except OSError as err:
            raise SyncStateError(f"cannot record snapshot progress: {err.strerror or err}") \
                from err

    def discard(self) -> None:
        """Forget the partial snapshot (installed, superseded or damaged)."""
        self.progress = None
        try:
            for name in (META, PART, META + ".tmp"):
                remove_if_exists(self.directory / name)
        except OSError as err:
            log.warning("cannot remove the partial snapshot: %s", err)
