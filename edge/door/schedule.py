"""Free-open schedules: when a door stays unlocked (a shop door during opening hours).

The hub compiles them like the access list's schedules (docs/compiled-list.md): sorted
UTC boundaries ``[start0, end0, start1, end1, ...]`` over the list's horizon, so the
edge needs no calendar or time-zone code. ``now`` is inside a window iff an odd number
of boundaries is ``<= now`` (``bisect_right`` odd), exactly as ``decide()`` asks.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from edge.door.errors import DoorConfigError
from protocols.portable.accesslist import normalize_windows
from protocols.portable.errors import AccessListError


class FreeOpenSchedule:
    """The compiled free-open windows of one door (empty: never free-open)."""

    def __init__(self, bounds: Sequence[int] = ()) -> None:
        previous = -1
        for n, bound in enumerate(bounds):
            if type(bound) is not int or bound <= previous:
                raise DoorConfigError(f"free-open boundary {n} ({bound!r}) must be an integer "
                                      f"above the one before it ({previous})")
            previous = bound
        if len(bounds) % 2:
            raise DoorConfigError(f"free-open boundaries come in (start, end) pairs; "
                                  f"got {len(bounds)}")
        self.bounds: tuple[int, ...] = tuple(bounds)

    @classmethod
    def from_windows(cls, windows: list[tuple[int, int]]) -> FreeOpenSchedule:
        """From ``[(start, end), ...]`` UTC windows (merged and sorted like the hub does)."""
        try:
            return cls(list(normalize_windows(windows, "free-open")))
        except AccessListError as err:
            raise DoorConfigError(str(err)) from None

    def inside(self, utc: float) -> bool:
        """Whether UTC second ``utc`` is inside a window."""
        return bool(bisect_right(self.bounds, utc) & 1)

    def next_change(self, utc: float) -> int | None:
        """The next boundary after ``utc`` (None: no change ahead, within the horizon)."""
        i = bisect_right(self.bounds, utc)
        return self.bounds[i] if i < len(self.bounds) else None
