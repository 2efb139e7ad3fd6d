"""One agent per data directory: an exclusive ``flock`` on ``<data_dir>/agent.lock``.

Two agents on one directory would hand out the same event seqs and interleave writes in
the outbox. The lock is the kernel's, so it goes away with the process however the
process ends (no stale lock after a crash or SIGKILL); the file keeps the holder's pid
for the message the second agent prints.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from edge.errors import EdgeError

LOCK_FILE = "agent.lock"


class DataDirLockedError(EdgeError):
    """Another process runs an agent on this data directory."""


class DataDirLock:
    """``acquire()`` / ``release()`` the data directory's lock."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock; DataDirLockedError naming the holder when another agent has it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o640)
        except OSError as err:
            raise DataDirLockedError(f"cannot open {self.path}: {err.strerror or err}") \
                from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise DataDirLockedError(f"another agent (pid {holder}) is using "
                                     f"{self.path.parent}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
