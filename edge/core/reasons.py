"""Decision reason codes: what ``decide`` answers and what every access event records.

0 grants; everything else denies and says why. The numbers are on the wire (events,
logs, the hub's reports): never renumber, only append. Holidays, rotations and
daylight saving have no code of their own: the hub compiles them into schedule windows,
so a card refused on a holiday is OUTSIDE_SCHEDULE.
"""

GRANTED = 0
UNKNOWN_CARD = 1  # the key is not in the list (or a delta removed it)
WITHDRAWN = 2  # the badge is withdrawn
NOT_YET_VALID = 3  # now < the badge's valid_from
EXPIRED = 4  # now >= the badge's valid_to
NO_ACCESS = 5  # the card's profile has no entry for this reader, or the reader is unknown
HORIZON_EXCEEDED = 6  # now >= the list's horizon end: the windows stop there
OUTSIDE_SCHEDULE = 7  # now is outside every window of the reader's schedule
PIN_REQUIRED = 8  # a card + PIN reader and no PIN given yet: prompt for it
PIN_WRONG = 9  # the PIN does not match (or the card has no PIN on a PIN reader)

NAMES = {
    GRANTED: "granted",
    UNKNOWN_CARD: "unknown card",
    WITHDRAWN: "withdrawn",
    NOT_YET_VALID: "not yet valid",
    EXPIRED: "expired",
    NO_ACCESS: "no access on this reader",
    HORIZON_EXCEEDED: "list horizon exceeded",
    OUTSIDE_SCHEDULE: "outside schedule",
    PIN_REQUIRED: "PIN required",
    PIN_WRONG: "wrong PIN",
}

# The order decide() checks in: the first that applies is the answer.
PRECEDENCE = (
    UNKNOWN_CARD,
    WITHDRAWN,
    NOT_YET_VALID,
    EXPIRED,
    NO_ACCESS,
    HORIZON_EXCEEDED,
    OUTSIDE_SCHEDULE,
    PIN_REQUIRED,
    PIN_WRONG,
)


def name(code: int) -> str:
    """The reason's name for people (``"reason 42"`` for a code this version does not know)."""
    return NAMES.get(code, "reason " + str(code))


def granted(code: int) -> bool:
    return code == GRANTED
