"""Small durable-file helpers shared by the list file and the outbox.

Durability on POSIX needs three things: the data flushed (``fsync``/``fdatasync`` of the
file), the name committed (``fsync`` of the directory after a create, rename or unlink),
and atomic replacement (``os.replace`` of a fully written, fsynced temporary file).
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make creates, renames and unlinks inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def datasync(fd: int) -> None:
    """Flush a file's data and the metadata needed to read it back (its size).

    ``fdatasync`` skips the timestamp update a full ``fsync`` journals, which halves the
    writes of an append on ext4; platforms without it fall back to ``fsync``.
    """
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)


def write_all(fd: int, data: bytes | memoryview) -> None:
    """``os.write`` until every byte is written (a write may be short near a full disk)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_durable(path: Path, data: bytes) -> None:
    """Create or truncate ``path``, write ``data`` and fsync it (not its directory)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_if_exists(path: Path) -> bool:
    """Unlink ``path``; True when it existed."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
