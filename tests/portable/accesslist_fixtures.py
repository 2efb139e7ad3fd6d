"""A small, readable compiled list shared by the access-list and decision tests (portable).

One site, four readers, three schedules over a 35-day horizon from T0 (Thu 2026-01-01
00:00 UTC), cards that exercise every reason code. ``CONTENT`` is the list as plain
data; ``build(CONTENT)`` turns it into an AccessList, in the given order or reversed.
"""

from protocols.portable.accesslist import (
    CARD_WITHDRAWN,
    READER_PIN,
    TIME_MAX,
    AccessListBuilder,
)
from protocols.portable.cardkey import H10301_26, card_key

T0 = 1767225600  # 2026-01-01T00:00:00Z, a Thursday
DAY = 86400
HOUR = 3600
HORIZON = (T0, T0 + 35 * DAY)

MAIN = 1  # main entrance
EXIT = 2  # main exit
SERVER = 3  # server room, card + PIN
GARAGE = 4  # listed reader no profile uses


def _office_hours():
    """Weekdays 08:00-18:00 UTC over the horizon (T0 is a Thursday: weekday 3)."""
    windows = []
    for day in range(35):
        if (3 + day) % 7 < 5:
            start = T0 + day * DAY
            windows.append((start + 8 * HOUR, start + 18 * HOUR))
    return windows


def key(n):
    """A 26-bit H10301 card of facility 12 with card number ``n``."""
    return card_key(H10301_26, (12 << 16) | n)


OFFICE = _office_hours()
ALWAYS = [(0, TIME_MAX)]
NIGHT = [(T0 + d * DAY + 22 * HOUR, T0 + d * DAY + 30 * HOUR) for d in range(35)]

CONTENT = {
    "version": 7,
    "site": "hq",
    "controller": "ctl-1",
    "horizon": HORIZON,
    "salt": b"\x01\x02\x03\x04\x05\x06\x07\x08",
    "readers": [(MAIN, 0), (EXIT, 0), (SERVER, READER_PIN), (GARAGE, 0)],
    "schedules": {"office": OFFICE, "always": ALWAYS, "night": NIGHT},
    "profiles": {
        "staff": {MAIN: "office", EXIT: "always"},
        "admin": {MAIN: "always", EXIT: "always", SERVER: "always"},
        "guard": {MAIN: "night", EXIT: "night"},
    },
    # key, profile, valid_from, valid_to, flags, pin
    "cards": [
        (key(100), "staff", 0, TIME_MAX, 0, None),
        (key(101), "staff", 0, TIME_MAX, 0, None),
        (key(102), "staff", T0 + 10 * DAY, TIME_MAX, 0, None),  # starts on day 10
        (key(103), "staff", 0, T0 + 5 * DAY, 0, None),  # leaves on day 5
        (key(104), "staff", 0, TIME_MAX, CARD_WITHDRAWN, None),
        (key(200), "admin", 0, TIME_MAX, 0, "4711"),
        (key(201), "admin", 0, TIME_MAX, 0, None),  # admin without a PIN
        (key(300), "guard", T0, T0 + 30 * DAY, 0, None),
    ],
}


def build(content=CONTENT, reverse=False):
    """The AccessList of ``content``; ``reverse`` feeds everything in the opposite order."""
    def order(items):
        items = list(items)
        if reverse:
            items.reverse()
        return items

    b = AccessListBuilder(
        content["version"], site=content["site"], controller=content["controller"],
        horizon_start=content["horizon"][0], horizon_end=content["horizon"][1],
        salt=content["salt"],
    )
    for rid, flags in order(content["readers"]):
        b.reader(rid, flags)
    sched = {}
    for name in order(sorted(content["schedules"])):
        windows = content["schedules"][name]
        sched[name] = b.schedule(order(windows))
    prof = {}
    for name in order(sorted(content["profiles"])):
        access = content["profiles"][name]
        prof[name] = b.profile({rid: sched[s] for rid, s in access.items()})
    for k, p, vf, vt, flags, pin in order(content["cards"]):
        b.card(k, prof[p], vf, vt, flags=flags, pin=pin)
    return b.build()


def with_changes(content, **changes):
    """A shallow copy of ``content`` with some top-level entries replaced."""
    out = dict(content)
    out.update(changes)
    return out
