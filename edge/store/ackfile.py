"""The outbox's acknowledged sequence number, persisted with one small write per ack.

Two 32-byte slots in one file, written alternately in place::

    magic b"VRTNK-AK" | u64 generation | u64 acked seq | u32 crc32 of the 24 bytes before | pad

A write touches only the older slot, so a write torn by a crash damages at most that
slot and the other still holds the previous acknowledgement. Reading takes the valid
slot with the higher generation. Losing an ack is harmless by design: the events are
sent again and the hub's (controller, seq) idempotent insert ignores them. Writing in
place costs one ``fdatasync`` per ack, with no rename and no directory fsync.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from edge.store.fsutil import datasync, fsync_dir

MAGIC = b"VRTNK-AK"
SLOT = struct.Struct(">8sQQ")
SLOT_SIZE = 32


def _encode(generation: int, acked: int) -> bytes:
    body = SLOT.pack(MAGIC, generation, acked)
    return (body + struct.pack(">I", zlib.crc32(body))).ljust(SLOT_SIZE, b"\0")


def _decode(raw: bytes) -> tuple[int, int] | None:
    if len(raw) < SLOT.size + 4:
        return None
    magic, generation, acked = SLOT.unpack_from(raw)
    (crc,) = struct.unpack_from(">I", raw, SLOT.size)
    if magic != MAGIC or crc != zlib.crc32(raw[:SLOT.size]):
        return None
    return generation, acked


class AckFile:
    """The highest acknowledged seq of an outbox; see the module docstring."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None  # set when the file existed but no slot was valid
        self.generation, self.acked = self._read()
        self._fd: int | None = None

    def _read(self) -> tuple[int, int]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return 0, 0
        slots = [s for s in (_decode(data[:SLOT_SIZE]), _decode(data[SLOT_SIZE:])) if s]
        if not slots:
            self.problem = (f"{self.path.name} holds no valid acknowledgement "
                            f"({len(data)} bytes); unacknowledged events are sent again")
            return 0, 0
        return max(slots)

    def write(self, acked: int) -> None:
        """Persist ``acked`` durably (returns after ``fdatasync``)."""
        if self._fd is None:
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if created:
                fsync_dir(self.path.parent)
        generation = self.generation + 1
        os.pwrite(self._fd, _encode(generation, acked), (generation % 2) * SLOT_SIZE)
        datasync(self._fd)
        self.generation, self.acked = generation, acked

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
