"""The offline decision on CPython and MicroPython: every reason code, precedence, purity."""

from edge.core import reasons
from edge.core.decide import HORIZON_DENY, HORIZON_IGNORE_SCHEDULE, decide
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
from protocols.portable.accesslist import (
    CARD_WITHDRAWN,
    READER_PIN,
    TIME_MAX,
    AccessListBuilder,
    Delta,
    apply_delta,
    decode_snapshot,
    encode_snapshot,
    pin_hash,
)
from tests.portable.accesslist_fixtures import (
    DAY,
    EXIT,
    GARAGE,
    HORIZON,
    HOUR,
    MAIN,
    SERVER,
    T0,
    build,
    key,
)

LIST = decode_snapshot(encode_snapshot(build()))
MONDAY = T0 + 4 * DAY  # T0 is a Thursday
WORK = MONDAY + 9 * HOUR  # inside the office windows


def _d(card, reader, now, pin=None, after_horizon=HORIZON_DENY, compiled=LIST):
    return decide(card, reader, compiled, now, pin, after_horizon=after_horizon)


def test_granted():
    assert _d(key(100), MAIN, WORK) == GRANTED
    assert _d(key(100), EXIT, MONDAY + 3 * HOUR) == GRANTED  # exit is always open
    assert _d(key(300), MAIN, MONDAY + 23 * HOUR) == GRANTED  # night shift, before midnight
    assert _d(key(300), MAIN, MONDAY + DAY + 5 * HOUR) == GRANTED  # ... and after it


def test_unknown_card():
    assert _d(key(99), MAIN, WORK) == UNKNOWN_CARD
    assert _d(key(50000), MAIN, WORK) == UNKNOWN_CARD
    assert _d(0, MAIN, WORK) == UNKNOWN_CARD
    assert _d((1 << 64) - 1, MAIN, WORK) == UNKNOWN_CARD


def test_withdrawn():
    assert _d(key(104), MAIN, WORK) == WITHDRAWN


def test_not_yet_valid_and_expired_at_their_exact_boundaries():
    # key(102) becomes valid at T0 + 10 days, key(103) expires at T0 + 5 days
    assert _d(key(102), EXIT, T0 + 9 * HOUR) == NOT_YET_VALID
    assert _d(key(102), EXIT, T0 + 10 * DAY - 1) == NOT_YET_VALID
    assert _d(key(102), EXIT, T0 + 10 * DAY) == GRANTED
    assert _d(key(103), EXIT, T0 + 5 * DAY - 1) == GRANTED
    assert _d(key(103), EXIT, T0 + 5 * DAY) == EXPIRED


def test_no_access_for_readers_outside_the_profile_or_unknown():
    assert _d(key(100), SERVER, WORK) == NO_ACCESS  # staff has no server room
    assert _d(key(100), GARAGE, WORK) == NO_ACCESS  # listed reader, in no profile
    assert _d(key(100), 77, WORK) == NO_ACCESS  # reader not in the list at all
    assert _d(key(300), EXIT, WORK) == OUTSIDE_SCHEDULE  # guard has exit, but at night


def test_outside_schedule_with_exact_window_boundaries():
    open_at = MONDAY + 8 * HOUR
    close_at = MONDAY + 18 * HOUR
    assert _d(key(100), MAIN, open_at - 1) == OUTSIDE_SCHEDULE
    assert _d(key(100), MAIN, open_at) == GRANTED  # windows include their start
    assert _d(key(100), MAIN, close_at - 1) == GRANTED
    assert _d(key(100), MAIN, close_at) == OUTSIDE_SCHEDULE  # ... and exclude their end
    assert _d(key(100), MAIN, T0 + 2 * DAY + 9 * HOUR) == OUTSIDE_SCHEDULE  # Saturday


def test_horizon_exceeded_by_policy():
    end = HORIZON[1]
    assert _d(key(100), EXIT, end - 1) == GRANTED
    assert _d(key(100), EXIT, end) == HORIZON_EXCEEDED
    assert _d(key(100), MAIN, end + 100 * DAY) == HORIZON_EXCEEDED
    ignore = HORIZON_IGNORE_SCHEDULE
    assert _d(key(100), MAIN, end + 3 * HOUR, after_horizon=ignore) == GRANTED  # at night
    assert _d(key(100), SERVER, end, after_horizon=ignore) == NO_ACCESS
    assert _d(key(300), MAIN, T0 + 30 * DAY + 1, after_horizon=ignore) == EXPIRED
    assert _d(key(104), MAIN, end, after_horizon=ignore) == WITHDRAWN
    assert _d(key(100), EXIT, end, after_horizon=99) == HORIZON_EXCEEDED  # unknown: deny


def test_pin_required_wrong_and_right():
    assert _d(key(200), SERVER, WORK) == PIN_REQUIRED
    assert _d(key(200), SERVER, WORK, "4711") == GRANTED
    assert _d(key(200), SERVER, WORK, "4712") == PIN_WRONG
    assert _d(key(200), SERVER, WORK, "47110") == PIN_WRONG
    assert _d(key(200), SERVER, WORK, "") == PIN_WRONG
    assert _d(key(200), SERVER, WORK, "47a1") == PIN_WRONG
    assert _d(key(201), SERVER, WORK) == PIN_REQUIRED  # asked for, but ...
    assert _d(key(201), SERVER, WORK, "4711") == PIN_WRONG  # ... it has no PIN to match
    assert _d(key(200), MAIN, WORK) == GRANTED  # plain reader: no PIN asked
    assert _d(key(200), MAIN, WORK, "0000") == GRANTED  # a PIN given there is ignored


def _everything_wrong():
    """A list where one card fails every check at once, and a way to fix them one by one."""
    b = AccessListBuilder(1, horizon_start=T0, horizon_end=T0 + DAY, salt=b"s")
    b.reader(1, READER_PIN)
    b.reader(2)
    closed = b.schedule([(T0, T0 + 60)])
    open_all = b.schedule([(0, TIME_MAX)])
    b.profile({2: closed})  # profile 0: reader 1 missing
    b.profile({1: closed})  # profile 1: reader 1, schedule shut at `now`
    b.profile({1: open_all})  # profile 2: reader 1, open
    b.card(key(1), 0)  # a card to hold profile 0's slot
    return b.build()


def test_precedence_follows_the_documented_order():
    lst = _everything_wrong()
    now = T0 + 2 * DAY  # past the horizon, so the horizon check fails too
    card = key(7)
    assert _d(card, 1, now, compiled=lst) == UNKNOWN_CARD
    # fix one failure at a time (through the temporary area): the next one shows
    sequence = [
        ((0, now + 1, now + 2, CARD_WITHDRAWN), WITHDRAWN),
        ((0, now + 1, now + 2, 0), NOT_YET_VALID),
        ((0, now - 2, now - 1, 0), EXPIRED),
        ((0, 0, TIME_MAX, 0), NO_ACCESS),
        ((1, 0, TIME_MAX, 0), HORIZON_EXCEEDED),
    ]
    for entry, expected in sequence:
        lst.temp[card] = entry
        assert _d(card, 1, now, compiled=lst) == expected, reasons.name(expected)
    inside = T0 + 120  # inside the horizon from here on
    lst.temp[card] = (1, 0, TIME_MAX, 0)
    assert _d(card, 1, inside, compiled=lst) == OUTSIDE_SCHEDULE
    lst.temp[card] = (2, 0, TIME_MAX, 0)
    assert _d(card, 1, inside, compiled=lst) == PIN_REQUIRED
    assert _d(card, 1, inside, "1234", compiled=lst) == PIN_WRONG
    lst.pins[card] = pin_hash(lst.salt, card, "1234")
    assert _d(card, 1, inside, "1234", compiled=lst) == GRANTED
    checked = [UNKNOWN_CARD] + [e for _, e in sequence] + [OUTSIDE_SCHEDULE, PIN_REQUIRED,
                                                           PIN_WRONG]
    assert tuple(checked) == reasons.PRECEDENCE


def test_temporary_area_activation_and_deactivation_take_effect_at_once():
    lst = decode_snapshot(encode_snapshot(build()))
    staff = lst.lookup(key(100))[0]
    fresh = key(777)
    assert _d(fresh, MAIN, WORK, compiled=lst) == UNKNOWN_CARD
    d = Delta(lst.version, lst.version + 1)
    d.upsert_card(fresh, staff)
    d.remove_card(key(101))
    apply_delta(lst, d)
    assert _d(fresh, MAIN, WORK, compiled=lst) == GRANTED
    assert _d(key(101), MAIN, WORK, compiled=lst) == UNKNOWN_CARD
    d = Delta(lst.version, lst.version + 1)
    d.upsert_card(key(100), staff, flags=CARD_WITHDRAWN)
    apply_delta(lst, d)
    assert _d(key(100), MAIN, WORK, compiled=lst) == WITHDRAWN
    lst.compact()
    assert lst.temp == {}
    assert _d(fresh, MAIN, WORK, compiled=lst) == GRANTED
    assert _d(key(101), MAIN, WORK, compiled=lst) == UNKNOWN_CARD
    assert _d(key(100), MAIN, WORK, compiled=lst) == WITHDRAWN


def test_decide_changes_nothing():
    lst = decode_snapshot(encode_snapshot(build()))
    lst.temp[key(555)] = (0, 0, TIME_MAX, 0)
    before = (dict(lst.temp), dict(lst.pins), dict(lst.readers), list(lst.keys),
              [dict(p) for p in lst.profiles], lst.version)
    for card in (key(100), key(555), key(200), key(9)):
        for reader in (MAIN, EXIT, SERVER, GARAGE, 77):
            for now in (T0, WORK, HORIZON[1]):
                for pin in (None, "4711", "x"):
                    first = _d(card, reader, now, pin, compiled=lst)
                    assert _d(card, reader, now, pin, compiled=lst) == first
    assert before == (dict(lst.temp), dict(lst.pins), dict(lst.readers), list(lst.keys),
                      [dict(p) for p in lst.profiles], lst.version)


def test_every_reason_has_a_name():
    codes = [GRANTED] + list(reasons.PRECEDENCE)  # noqa: RUF005 - MicroPython has no [*x]
    assert sorted(codes) == list(range(10))
    for code in codes:
        assert reasons.name(code) == reasons.NAMES[code]
    assert reasons.name(42) == "reason 42"
    assert reasons.granted(GRANTED) and not reasons.granted(PIN_WRONG)
