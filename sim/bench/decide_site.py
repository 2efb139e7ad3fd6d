"""A realistic synthetic site for ``vratnik bench decide``: readers, schedules, profiles, cards.

* 64 readers, 4 of them card + PIN;
* ~35 schedules compiled over a 35-day horizon: office hours in 16 variants (weekdays,
  two holidays cut out), 3-shift rotations on 4-day cycles, weekends, nights, days, 24/7;
* 300 access profiles of 2-16 readers each, used with Zipf-like popularity (a few big
  departments, a long tail of special access);
* cards issued in batches of consecutive numbers (26-bit H10301, many facilities), or
  uniformly random raw 32-bit UIDs; 5% with a badge validity (from 30 start dates x 120
  end dates), 0.3% withdrawn, 3% with a PIN.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from protocols.portable.accesslist import READER_PIN, AccessList, AccessListBuilder
from protocols.portable.cardkey import H10301_26, card_key, raw_format

T0 = 1767225600  # 2026-01-01T00:00:00Z, a Thursday
DAY = 86400
HOUR = 3600
HORIZON_DAYS = 35
READERS = 64
PIN_READERS = (1, 17, 33, 49)
PROFILES = 300
HOLIDAYS = (0, 5)  # days of the horizon the office schedules skip (1 and 6 January)


@dataclass
class Site:
    """The inputs of one compiled list, kept so queries can be drawn from them."""

    keys: list[int]
    pins: dict[int, str] = field(default_factory=dict)
    cards: list[tuple[int, int, int, int, int, str | None]] = field(default_factory=list)
    schedules: list[list[tuple[int, int]]] = field(default_factory=list)
    profiles: list[dict[int, int]] = field(default_factory=list)
    horizon: tuple[int, int] = (T0, T0 + HORIZON_DAYS * DAY)


def _daily(
    days: range, start_hour: int, hours: int, keep: Callable[[int], bool] | None = None
) -> list[tuple[int, int]]:
    """One window a day from ``start_hour`` for ``hours`` on the days ``keep(day)`` allows."""
    out = []
    for day in days:
        if keep is None or keep(day):
            start = T0 + day * DAY + start_hour * HOUR
            out.append((start, start + hours * HOUR))
    return out


def _rotation(offset: int) -> Callable[[int], bool]:
    def works(day: int) -> bool:
        return (day + offset) % 4 != 3

    return works


def schedules() -> list[list[tuple[int, int]]]:
    days = range(HORIZON_DAYS)

    def weekday(day: int) -> bool:
        return (3 + day) % 7 < 5 and day not in HOLIDAYS

    out = []
    for start in (6, 7, 8, 9):
        for hours in (8, 9, 10, 12):
            out.append(_daily(days, start, hours, weekday))
    for shift, start in enumerate((6, 14, 22)):
        for offset in range(4):  # 4 crews rotating on a 4-day cycle: one day off
            out.append(_daily(days, start, 8, _rotation(offset + shift)))
    out.append(_daily(days, 0, 24, lambda d: (3 + d) % 7 >= 5))  # weekends
    out.append(_daily(days, 22, 8))  # nights
    out.append(_daily(days, 6, 16))  # days
    out.append([(0, 0xFFFFFFFF)])  # 24/7
    return out


def clustered_keys(count: int, rnd: random.Random) -> list[int]:
    """26-bit H10301 keys issued in batches of consecutive card numbers."""
    keys: set[int] = set()
    facilities = max(8, count // 15000)
    while len(keys) < count:
        facility = rnd.randrange(facilities)
        start = rnd.randrange(65536)
        for n in range(start, min(start + rnd.randrange(20, 400), 65536)):
            keys.add(card_key(H10301_26, (facility << 16) | n))
    chosen = list(keys)[:count]
    rnd.shuffle(chosen)  # a compiler emits cards in database order, not key order
    return chosen


def random_keys(count: int, rnd: random.Random) -> list[int]:
    """Uniformly random raw 32-bit UIDs."""
    fmt = raw_format(32)
    keys: set[int] = set()
    while len(keys) < count:
        keys.add(card_key(fmt, rnd.getrandbits(32)))
    return list(keys)


def make_site(count: int, key_kind: str = "clustered", seed: int = 1) -> Site:
    """The builder inputs of a site with ``count`` cards (nothing built yet)."""
    rnd = random.Random(seed)  # noqa: S311 - synthetic data, not security
    keys = clustered_keys(count, rnd) if key_kind == "clustered" else random_keys(count, rnd)
    site = Site(keys=keys, schedules=schedules())
    n_sched = len(site.schedules)
    always = n_sched - 1
    for _ in range(PROFILES):
        readers = rnd.sample(range(1, READERS + 1), rnd.randrange(2, 17))
        base = rnd.randrange(n_sched - 1)
        site.profiles.append({r: (always if r % 8 == 0 else base if rnd.random() < 0.8
                                  else rnd.randrange(n_sched)) for r in readers})
    weights = [1.0 / (i + 1) ** 0.8 for i in range(PROFILES)]
    chosen = rnd.choices(range(PROFILES), weights, k=count)
    starts = [T0 - d * DAY for d in range(0, 300, 10)]
    ends = [T0 + d * DAY for d in range(1, 121)]
    for key, profile in zip(keys, chosen, strict=True):
        valid_from, valid_to, flags, pin = 0, 0xFFFFFFFF, 0, None
        roll = rnd.random()
        if roll < 0.05:
            valid_from, valid_to = rnd.choice(starts), rnd.choice(ends)
        elif roll < 0.053:
            flags = 1
        if rnd.random() < 0.03:
            pin = str(rnd.randrange(10000)).zfill(4)
            site.pins[key] = pin
        site.cards.append((key, profile, valid_from, valid_to, flags, pin))
    return site


def build(site: Site, version: int = 1, salt: bytes = b"bench-salt") -> AccessList:
    """Feed the site to an AccessListBuilder (what the hub's compiler does) and build."""
    b = AccessListBuilder(version, site="bench", controller="ctl-1",
                          horizon_start=site.horizon[0], horizon_end=site.horizon[1], salt=salt)
    for r in range(1, READERS + 1):
        b.reader(r, READER_PIN if r in PIN_READERS else 0)
    sched = [b.schedule(w) for w in site.schedules]
    prof = [b.profile({r: sched[s] for r, s in p.items()}) for p in site.profiles]
    for key, profile, valid_from, valid_to, flags, pin in site.cards:
        b.card(key, prof[profile], valid_from, valid_to, flags=flags, pin=pin)
    return b.build()


def next_day(site: Site, rnd: random.Random) -> Site:
    """The site a day later: horizon rolled, 1% of cards moved, 0.5% gone, 0.5% new."""
    rolled = [[(min(s + DAY, 0xFFFFFFFF), min(e + DAY, 0xFFFFFFFF)) for s, e in w]
              if w != [(0, 0xFFFFFFFF)] else w for w in site.schedules]
    cards = []
    for card in site.cards:
        roll = rnd.random()
        if roll < 0.005:
            continue
        cards.append((card[0], rnd.randrange(PROFILES), *card[2:]) if roll < 0.015 else card)
    fresh = clustered_keys(len(site.cards) // 200, random.Random(rnd.random()))  # noqa: S311
    known = {c[0] for c in cards}
    cards += [(k, rnd.randrange(PROFILES), 0, 0xFFFFFFFF, 0, None)
              for k in fresh if k not in known]
    return Site(keys=[c[0] for c in cards], pins=site.pins, cards=cards, schedules=rolled,
                profiles=site.profiles, horizon=(site.horizon[0] + DAY, site.horizon[1] + DAY))
