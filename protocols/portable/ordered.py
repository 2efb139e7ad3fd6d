"""Binary search and sorting that are fast on CPython and safe on MicroPython.

CPython: ``bisect`` is C code and ``sorted`` is timsort, which merges presorted runs in
linear time. MicroPython has no ``bisect``, and its ``sorted`` is a quicksort that picks
the last item as pivot: already sorted input of 100,000 items takes 20 seconds there.
Compiled lists are full of presorted runs (keys grouped per profile, delta card ops in key
order), so on MicroPython we merge natural runs with ``heapq`` instead of calling
``sorted``.
"""

import sys
from array import array

_TIMSORT = sys.implementation.name != "micropython"


def _bisect_left(a: "list[int] | array[int]", x: int, lo: int = 0, hi: int = -1) -> int:
    """Index of the first item of sorted ``a[lo:hi]`` that is ``>= x`` (portable loop)."""
    if hi < 0:
        hi = len(a)
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _bisect_right(a: "list[int] | array[int]", x: int, lo: int = 0, hi: int = -1) -> int:
    """Index of the first item of sorted ``a[lo:hi]`` that is ``> x`` (portable loop)."""
    if hi < 0:
        hi = len(a)
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


bisect_left = _bisect_left
bisect_right = _bisect_right
try:
    import bisect as _bisect

    # The C versions take the same positional arguments; hi defaults to len(a) there.
    bisect_left = _bisect.bisect_left
    bisect_right = _bisect.bisect_right
except ImportError:  # MicroPython
    pass


def sort_order(values: "list[int] | array[int]") -> "list[int]":
    """Indexes that list ``values`` in ascending order; equal values keep their input order."""
    n = len(values)
    if _TIMSORT:
        return sorted(range(n), key=values.__getitem__)
    starts = [0]
    for i in range(1, n):
        if values[i] < values[i - 1]:
            starts.append(i)
    if len(starts) == 1:
        return list(range(n))
    return _merge_runs(values, starts)


def _merge_runs(values: "list[int] | array[int]", starts: "list[int]") -> "list[int]":
    """k-way merge of the ascending runs that begin at ``starts`` (MicroPython path)."""
    import heapq  # noqa: PLC0415 - only MicroPython needs it

    ends = starts[1:] + [len(values)]  # noqa: RUF005 - MicroPython has no [*x, y]
    heap = [(values[s], s, ends[r]) for r, s in enumerate(starts)]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        _, i, end = heapq.heappop(heap)
        order.append(i)
        i += 1
        if i < end:
            # (value, index) ties break on the index: the merge is stable
            heapq.heappush(heap, (values[i], i, end))
    return order


def sorted_ints(values: "list[int]") -> "list[int]":
    """A new ascending list of the ints in ``values``."""
    items = list(values)
    if _TIMSORT:
        items.sort()
        return items
    return [items[i] for i in sort_order(items)]
