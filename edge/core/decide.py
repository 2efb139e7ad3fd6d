"""The offline access decision: may card ``card`` pass reader ``reader`` at ``now``?

Pure: it reads the compiled list and its arguments only (no I/O, no clock, no globals
changed), so the same inputs always give the same answer on CPython and MicroPython.
The hot path is one binary search over the sorted card keys, two dict lookups and one
binary search over the schedule's window boundaries.

Precedence (the first that applies is the answer; ``reasons.PRECEDENCE``):

1. UNKNOWN_CARD     the key is not listed (or a delta removed it)
2. WITHDRAWN        the badge is withdrawn
3. NOT_YET_VALID    ``now < valid_from``
4. EXPIRED          ``now >= valid_to``
5. NO_ACCESS        the reader is unknown or not in the card's profile
6. HORIZON_EXCEEDED ``now >= horizon end`` under ``HORIZON_DENY`` (the default)
7. OUTSIDE_SCHEDULE ``now`` is in no window of the reader's schedule
8. PIN_REQUIRED     a card + PIN reader and ``pin`` is None: prompt, then ask again
9. PIN_WRONG        the PIN's hash differs, or the card has no PIN on a PIN reader

Facts about the card come before facts about the reader, and the horizon only matters
where the answer would read schedule windows, which is all the horizon bounds: a
withdrawn badge is reported as withdrawn even on a stale list. The PIN comes last
because a reader asks for it only once everything else would grant.

Past the horizon, ``HORIZON_IGNORE_SCHEDULE`` keeps deciding by badge and profile and
treats every schedule as open (a site may prefer open doors to locked ones while a
controller is cut off for weeks); any other ``after_horizon`` value denies. Before the
horizon start the windows simply do not cover ``now`` (the hub compiles from the start),
so the schedule decides as usual.
"""

from protocols.portable.accesslist_model import CARD_WITHDRAWN, READER_PIN, AccessList, pin_hash
from protocols.portable.errors import AccessListError
from protocols.portable.ordered import bisect_left, bisect_right

from edge.core.reasons import (
    EXPIRED,
    GRANTED,
    HORIZON_EXCEEDED,
    NO_ACCESS,
    NOT_YET_VALID,
    OUTSIDE_SCHEDULE,
    PIN_REQUIRED,
    PIN_WRONG,
    UNKNOWN_CARD,
    WITHDRAWN,
)

HORIZON_DENY = 0
HORIZON_IGNORE_SCHEDULE = 1


def decide(
    card: int,
    reader: int,
    compiled: AccessList,
    now: int,
    pin: "str | None" = None,
    *,
    after_horizon: int = HORIZON_DENY,
) -> int:
    """The reason code (``edge.core.reasons``) for ``card`` at ``reader`` at UTC second ``now``.

    ``pin`` is the digits the person typed (None when none were asked for yet).
    """
    temp = compiled.temp
    if temp and card in temp:
        entry = temp[card]
        if entry is None:
            return UNKNOWN_CARD
        profile, valid_from, valid_to, flags = entry
    else:
        keys = compiled.keys
        i = bisect_left(keys, card)
        if i == len(keys) or keys[i] != card:
            return UNKNOWN_CARD
        profile = compiled.card_profile[i]
        t = compiled.card_terms[i]
        valid_from = compiled.valid_from[t]
        valid_to = compiled.valid_to[t]
        flags = compiled.flags[t]
    if flags & CARD_WITHDRAWN:
        return WITHDRAWN
    if now < valid_from:
        return NOT_YET_VALID
    if now >= valid_to:
        return EXPIRED
    reader_flags = compiled.readers.get(reader)
    if reader_flags is None:
        return NO_ACCESS
    schedule = compiled.profiles[profile].get(reader)
    if schedule is None:
        return NO_ACCESS
    if now >= compiled.horizon_end:
        if after_horizon != HORIZON_IGNORE_SCHEDULE:
            return HORIZON_EXCEEDED
    elif not bisect_right(compiled.schedules[schedule], now) & 1:
        # inside a window iff an odd number of boundaries is <= now
        return OUTSIDE_SCHEDULE
    if reader_flags & READER_PIN:
        if pin is None:
            return PIN_REQUIRED
        stored = compiled.pins.get(card)
        if stored is None or not _pin_matches(compiled.salt, card, pin, stored):
            return PIN_WRONG
    return GRANTED


def _pin_matches(salt: bytes, card: int, pin: str, stored: bytes) -> bool:
    try:
        given = pin_hash(salt, card, pin)
    except AccessListError:  # not 1..16 digits: cannot match any stored PIN
        return False
    diff = 0
    for a, b in zip(given, stored):  # noqa: B905 - both are 8 bytes; MicroPython has no strict
        diff |= a ^ b  # no early exit: the time taken does not tell how much matched
    return diff == 0
