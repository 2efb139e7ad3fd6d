"""The compiled access list on disk: atomic replacement, verification, fallback.

Two files in one directory: ``list.cur`` (the list in use) and ``list.prev`` (the one
before it). Each holds a 64-byte header and the canonical snapshot bytes of
docs/compiled-list.md::

    offset size  field
         0    8  magic b"VRTNK-AL"
         8    2  file format (1), big-endian
        10    2  reserved, 0
        12    8  list version (the snapshot's "ver")
        20    8  snapshot length in bytes
        28   32  sha256 of the snapshot bytes = the list's content hash
        60    4  crc32 of bytes 0..59 (so a damaged length or version is caught too)

Because the content hash *is* sha256 of the canonical snapshot, a file is verified
without decoding it. A torn, truncated or otherwise corrupt ``list.cur`` is never used:
:meth:`ListStore.load` falls back to ``list.prev`` and says so in a :class:`ListStatus`
the agent publishes. The corrupt file is kept as ``list.bad`` when the next list is saved,
for a technician to look at.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Literal, TypeVar

from edge.store.decoding import decode_access_list, encode_access_list
from edge.store.errors import ListFileError
from edge.store.fsutil import fsync_dir, remove_if_exists, write_durable
from protocols.portable.accesslist import AccessList

log = logging.getLogger(__name__)

MAGIC = b"VRTNK-AL"
FILE_FORMAT = 1
HEADER = struct.Struct(">8sHHQQ32s")  # everything but the trailing crc32
HEADER_SIZE = HEADER.size + 4  # 64
MAX_SNAPSHOT_BYTES = 1 << 30  # far above 2,000,000 cards; rejects a garbage length early

CURRENT = "list.cur"
PREVIOUS = "list.prev"
TEMP = "list.tmp"
PREV_TEMP = "list.prev.tmp"
BAD = "list.bad"

Slot = Literal["current", "previous"]
Level = Literal["ok", "notice", "warning", "error"]
T = TypeVar("T")


@dataclass(frozen=True)
class StoredList:
    """A verified list file: its snapshot bytes, content hash and version."""

    snapshot: bytes
    content_hash: bytes
    version: int
    slot: Slot


@dataclass(frozen=True)
class FileProblem:
    """Why one file was not used (or what was cleaned up)."""

    file: str
    code: str  # missing, empty, truncated, bad-magic, bad-header, bad-format, ...
    detail: str


@dataclass(frozen=True)
class ListStatus:
    """What :meth:`ListStore.load` found, in a form the agent can publish to the hub."""

    level: Level
    message: str
    using: Slot | None
    version: int | None
    problems: tuple[FileProblem, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """A plain dict (CBOR/JSON-encodable) for a status message."""
        return {
            "level": self.level,
            "message": self.message,
            "using": self.using,
            "version": self.version,
            "problems": [
                {"file": p.file, "code": p.code, "detail": p.detail} for p in self.problems
            ],
        }


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """The outcome of a load: the verified file, its decoded value, and the status."""

    stored: StoredList | None
    value: T | None
    status: ListStatus


def encode_file(snapshot: bytes, version: int) -> bytes:
    """Header + snapshot bytes, as written to disk."""
    if not 0 <= version < 1 << 64:
        raise ListFileError(f"list version must be 0..2**64-1, got {version}")
    head = HEADER.pack(MAGIC, FILE_FORMAT, 0, version, len(snapshot),
                       hashlib.sha256(snapshot).digest())
    return head + struct.pack(">I", zlib.crc32(head)) + snapshot


def verify_file(data: bytes, name: str, slot: Slot) -> StoredList | FileProblem:
    """Check a whole file's bytes; a :class:`StoredList` when usable, else the problem."""
    size = len(data)
    if size == 0:
        return FileProblem(name, "empty", "the file is empty (0 bytes)")
    if size < HEADER_SIZE:
        return FileProblem(name, "truncated",
                           f"{size} bytes, shorter than the {HEADER_SIZE}-byte header")
    magic, fmt, _reserved, version, length, digest = HEADER.unpack_from(data)
    if magic != MAGIC:
        return FileProblem(name, "bad-magic",
                           f"starts with {magic!r}, not {MAGIC!r}: not a compiled-list file")
    (crc,) = struct.unpack_from(">I", data, HEADER.size)
    if crc != zlib.crc32(data[:HEADER.size]):
        return FileProblem(name, "bad-header", "header checksum mismatch (damaged header)")
    if fmt != FILE_FORMAT:
        return FileProblem(name, "bad-format",
                           f"file format {fmt}, this agent reads format {FILE_FORMAT}")
    body = size - HEADER_SIZE
    if body < length:
        return FileProblem(name, "truncated",
                           f"{body} of {length} snapshot bytes present (torn write)")
    if body > length:
        return FileProblem(name, "length-mismatch",
                           f"{body - length} bytes beyond the {length} the header announces")
    snapshot = data[HEADER_SIZE:]
    if hashlib.sha256(snapshot).digest() != digest:
        return FileProblem(name, "hash-mismatch",
                           "the snapshot's sha256 differs from the content hash in the header")
    return StoredList(snapshot, digest, version, slot)


class ListStore:
    """The compiled list's two files in ``directory``; one instance per agent process."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()

    def _path(self, name: str) -> Path:
        return self.directory / name

    def _read(self, name: str, slot: Slot) -> StoredList | FileProblem:
        try:
            data = self._path(name).read_bytes()
        except FileNotFoundError:
            return FileProblem(name, "missing", "the file does not exist")
        except OSError as err:
            return FileProblem(name, "unreadable", f"cannot read it: {err.strerror or err}")
        return verify_file(data, name, slot)

    def save(self, snapshot: bytes, version: int, expected_hash: bytes | None = None) -> bytes:
        """Make ``snapshot`` the current list, atomically; return its content hash.

        The old current list becomes the previous one only if it verifies, so a corrupt
        current file never displaces the last good list. ``expected_hash`` (the hub's
        content hash) is checked before anything is written.
        """
        if not isinstance(snapshot, bytes | bytearray):
            raise ListFileError(f"a snapshot must be bytes, got {type(snapshot).__name__}")
        if len(snapshot) > MAX_SNAPSHOT_BYTES:
            raise ListFileError(f"snapshot of {len(snapshot)} bytes exceeds the "
                                f"{MAX_SNAPSHOT_BYTES}-byte limit")
        snapshot = bytes(snapshot)
        content = encode_file(snapshot, version)
        digest = content[28:60]
        if expected_hash is not None and expected_hash != digest:
            raise ListFileError(
                f"snapshot of version {version} does not match the expected content hash "
                f"({digest.hex()[:16]}... vs {expected_hash.hex()[:16]}...); not saved")
        with self._lock:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                write_durable(self._path(TEMP), content)
                self._keep_current_as_previous()
                os.replace(self._path(TEMP), self._path(CURRENT))
                fsync_dir(self.directory)
            except OSError as err:
                raise ListFileError(
                    f"cannot save list version {version} in {self.directory}: "
                    f"{err.strerror or err}") from err
        log.info("saved compiled list version %s (%s bytes, hash %s)",
                 version, len(snapshot), digest.hex()[:16])
        return digest

    def _keep_current_as_previous(self) -> None:
        """Copy a verified ``list.cur`` to ``list.prev`` durably (step 2 of a save).

        A hard link costs no copy; where links are not supported the bytes are copied.
        Either way ``list.prev`` is replaced by rename, so it is never torn, and
        ``list.cur`` stays in place until the new file renames over it.
        """
        current = self._read(CURRENT, "current")
        if isinstance(current, FileProblem):
            if current.code != "missing":
                # Keep the damaged file for diagnosis; the good previous list stays.
                os.replace(self._path(CURRENT), self._path(BAD))
                log.warning("moved damaged %s aside as %s: %s", CURRENT, BAD, current.detail)
            return
        prev_tmp = self._path(PREV_TEMP)
        remove_if_exists(prev_tmp)
        try:
            os.link(self._path(CURRENT), prev_tmp)
        except OSError:
            write_durable(prev_tmp, encode_file(current.snapshot, current.version))
        os.replace(prev_tmp, self._path(PREVIOUS))
        fsync_dir(self.directory)

    def _clean_leftovers(self) -> list[FileProblem]:
        found = []
        for name in (TEMP, PREV_TEMP):
            try:
                removed = remove_if_exists(self._path(name))
            except OSError as err:
                found.append(FileProblem(name, "leftover-temp",
                                         f"cannot remove it: {err.strerror or err}"))
                continue
            if removed:
                found.append(FileProblem(
                    name, "leftover-temp",
                    "removed a temporary file left by an interrupted save; "
                    "that save never took effect"))
        if found:
            try:
                fsync_dir(self.directory)
            except OSError as err:
                log.warning("cannot fsync %s: %s", self.directory, err)
        return found

    def load(self, decode: Callable[[bytes], T]) -> Loaded[T]:
        """The newest usable list, decoded with ``decode``, and a status saying which.

        ``decode`` turns snapshot bytes into the agent's value; a ``ValueError`` from it
        (every ``ProtocolError`` is one) makes the file unusable just like a bad hash.
        Never raises for a bad or missing file: the status tells what happened.
        """
        with self._lock:
            problems = self._clean_leftovers() if self.directory.exists() else []
            for name, slot in _SLOTS:
                found = self._read(name, slot)
                if isinstance(found, FileProblem):
                    problems.append(found)
                    continue
                try:
                    value = decode(found.snapshot)
                except ValueError as err:
                    problems.append(FileProblem(name, "undecodable", str(err)))
                    continue
                decoded_version = getattr(value, "version", found.version)
                if decoded_version != found.version:
                    problems.append(FileProblem(
                        name, "version-mismatch",
                        f"header says version {found.version}, snapshot says {decoded_version}"))
                    continue
                status = _status(found, problems)
                _log_status(status)
                return Loaded(found, value, status)
            status = _no_list_status(problems)
            _log_status(status)
            return Loaded(None, None, status)

    def load_snapshot(self) -> Loaded[bytes]:
        """Like :meth:`load` without decoding: the verified snapshot bytes."""
        return self.load(_identity)

    def load_access_list(self) -> Loaded[AccessList]:
        """The newest usable list decoded into an ``AccessList`` (the agent's start-up)."""
        return self.load(decode_access_list)

    def save_access_list(self, lst: AccessList, expected_hash: bytes | None = None) -> bytes:
        """Encode ``lst`` canonically and :meth:`save` it; its content hash.

        ``expected_hash`` is the hub's hash of the result (a delta's ``hash``): a list
        that does not hash to it is not saved, so a wrongly applied delta never sticks.
        """
        snapshot, version = encode_access_list(lst)
        return self.save(snapshot, version, expected_hash)


_SLOTS: tuple[tuple[str, Slot], ...] = ((CURRENT, "current"), (PREVIOUS, "previous"))


def _identity(snapshot: bytes) -> bytes:
    return snapshot


def _describe(problem: FileProblem) -> str:
    if problem.code == "missing":
        return "missing"
    return f"corrupt ({problem.code.replace('-', ' ')}: {problem.detail})"


def _status(found: StoredList, problems: list[FileProblem]) -> ListStatus:
    bad = [p for p in problems if p.code != "leftover-temp"]
    if found.slot == "previous":
        current = next(p for p in bad if p.file == CURRENT)
        message = (f"current list {_describe(current)}, "
                   f"using previous version {found.version}")
        return ListStatus("warning", message, "previous", found.version, tuple(problems))
    if problems:
        notes = "; ".join(f"{p.file}: {p.detail}" for p in problems)
        message = f"using current version {found.version}; {notes}"
        level: Level = "warning" if bad else "notice"
        return ListStatus(level, message, "current", found.version, tuple(problems))
    return ListStatus("ok", f"using current version {found.version}", "current",
                      found.version, ())


def _no_list_status(problems: list[FileProblem]) -> ListStatus:
    bad = [p for p in problems if p.code not in ("missing", "leftover-temp")]
    if not bad:
        return ListStatus("notice", "no compiled list stored yet; a full snapshot is needed",
                          None, None, tuple(problems))
    details = "; ".join(f"{p.file} {_describe(p)}" for p in bad)
    return ListStatus("error", f"no usable compiled list ({details}); "
                      "a full snapshot is needed", None, None, tuple(problems))


def _log_status(status: ListStatus) -> None:
    level = logging.INFO if status.level in ("ok", "notice") else logging.WARNING
    log.log(level, "%s", status.message)
