"""Helpers for the compiler tests: local times, small sites, decisions from a compiled list."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from edge.core import reasons
from edge.core.decide import decide
from hub.compiler.rules import Schedule
from protocols.portable.accesslist_model import AccessList

TZ = "Europe/Bratislava"


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, tz: str = TZ, fold: int = 0) -> int:
    """UTC seconds of a local wall-clock time (``fold=1``: the second of a repeated hour)."""
    return int(dt.datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(tz), fold=fold).timestamp())


def every_day(*intervals: tuple[int, int], ident: int = 1) -> Schedule:
    """A weekly schedule with the same intervals every day."""
    return Schedule(ident, "weekly", (tuple(intervals),) * 7)


def hm(hours: int, minutes: int = 0) -> int:
    return hours * 60 + minutes


def verdict(lst: AccessList, key: int, reader: int, t: int, pin: str | None = None) -> str:
    """What the edge's ``decide`` answers, by name ("granted", "outside schedule", ...)."""
    return reasons.name(decide(key, reader, lst, t, pin))


def allows(lst: AccessList, key: int, reader: int, t: int, pin: str | None = None) -> bool:
    return decide(key, reader, lst, t, pin) == reasons.GRANTED


def windows_of(lst: AccessList, key: int, reader: int) -> list[tuple[int, int]]:
    """The card's windows on ``reader`` as (start, end) pairs."""
    entry = lst.lookup(key)
    assert entry is not None
    boundaries = lst.schedules[lst.profiles[entry[0]][reader]]
    return [(boundaries[i], boundaries[i + 1]) for i in range(0, len(boundaries), 2)]
