"""Sorted card keys in blocks, each block's encoded bytes cached.

The snapshot of a list is mostly long ascending sequences (card keys per profile, card
positions) written as varint differences. :class:`KeyBlocks` keeps such a sequence in
blocks of a hundred or so values and caches each block's bytes, so inserting or removing
one value re-encodes one block (two when the next block's first difference changes)
instead of the whole sequence. See :mod:`hub.compiler.snapshot`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator

from protocols.portable.varint import encode_ascending

BLOCK = 128


def continue_ascending(prev: int | None, values: list[int]) -> bytes:
    """``encode_ascending`` bytes of ``values`` as they follow ``prev`` in one sequence."""
    if prev is None:
        return encode_ascending(values)
    head = encode_ascending([prev])
    return encode_ascending([prev, *values])[len(head):]


class KeyBlocks:
    """Sorted distinct ints in blocks; each block caches ``render(previous value, block)``."""

    def __init__(
        self, values: list[int], render: Callable[[int | None, list[int]], bytes],
        size: int = BLOCK,
    ) -> None:
        self.size = size
        self.blocks = [values[i:i + size] for i in range(0, len(values), size)]
        self.cache: list[bytes | None] = [None] * len(self.blocks)
        self.firsts = [b[0] for b in self.blocks]
        self.render = render
        self._joined: bytes | None = None  # all blocks, until one changes

    def _find(self, value: int) -> int:
        return max(bisect_right(self.firsts, value) - 1, 0)

    def _dirty(self, b: int, value: int) -> None:
        """Block ``b`` changed at ``value``; the next block renders from b's last value."""
        self._joined = None
        self.cache[b] = None
        block = self.blocks[b]
        if b + 1 < len(self.cache) and (not block or value >= block[-1]):
            self.cache[b + 1] = None

    def __contains__(self, value: int) -> bool:
        if not self.blocks:
            return False
        block = self.blocks[self._find(value)]
        i = bisect_left(block, value)
        return i < len(block) and block[i] == value

    def __iter__(self) -> Iterator[int]:
        for block in self.blocks:
            yield from block

    def first(self) -> int:
        return self.blocks[0][0]

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def add(self, value: int) -> None:
        """Insert ``value`` (nothing happens when it is already there)."""
        if not self.blocks:
            self.blocks, self.cache, self.firsts = [[value]], [None], [value]
            self._joined = None
            return
        b = self._find(value)
        block = self.blocks[b]
        i = bisect_left(block, value)
        if i < len(block) and block[i] == value:
            return
        block.insert(i, value)
        self.firsts[b] = block[0]
        self._dirty(b, value)
        size = self.size
        if len(block) > 2 * size:  # split, so no block grows past twice its size
            self.blocks[b:b + 1] = [block[:size], block[size:]]
            self.cache[b:b + 1] = [None, None]
            self.firsts[b:b + 1] = [block[0], block[size]]

    def discard(self, value: int) -> None:
        if not self.blocks:
            return
        b = self._find(value)
        block = self.blocks[b]
        i = bisect_left(block, value)
        if i == len(block) or block[i] != value:
            return
        del block[i]
        self._dirty(b, value)
        if block:
            self.firsts[b] = block[0]
        else:
            del self.blocks[b], self.cache[b], self.firsts[b]
            if b < len(self.cache):
                self.cache[b] = None

    def touch(self, value: int) -> None:
        """Re-render the block of the first value above ``value`` (its gap changed)."""
        if self.blocks:
            self._joined = None
            b = self._find(value)
            if value < self.blocks[b][-1]:
                self.cache[b] = None
            elif b + 1 < len(self.cache):
                self.cache[b + 1] = None

    def dirty_all(self) -> None:
        self.cache = [None] * len(self.blocks)
        self._joined = None

    def transform(self, table: bytes) -> None:
        """Map every cached block's bytes through ``table`` (``bytes.translate``)."""
        self.cache = [None if part is None else part.translate(table) for part in self.cache]
        self._joined = None

    def bytes(self) -> bytes:
        if self._joined is not None:
            return self._joined
        parts = []
        prev: int | None = None
        for b, block in enumerate(self.blocks):
            part = self.cache[b]
            if part is None:
                part = self.cache[b] = self.render(prev, block)
            parts.append(part)
            prev = block[-1]
        self._joined = b"".join(parts)
        return self._joined
