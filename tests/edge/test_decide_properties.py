"""decide() against a slow, obvious reference over random lists, readers, cards and instants.

The reference reads the plain content (raw windows, PIN digits) and checks the
documented precedence directly, without arrays, bisection, boundary parity or hashes.
It is also compared on lists reached through deltas (cards in the temporary area) and
after compaction.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.core import reasons
from edge.core.decide import HORIZON_DENY, HORIZON_IGNORE_SCHEDULE, decide
from protocols.portable.accesslist import (
    AccessList,
    apply_delta,
    decode_snapshot,
    diff,
    encode_snapshot,
)
from tests.protocols.accesslist_strategies import MAX, build, contents, evolved

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def reference(content: dict[str, Any], card: int, reader: int, now: int, pin: str | None,
              policy: int) -> int:
    """The decision spelled out from docs and edge/core/README.md, one rule per line."""
    entry = next((c for c in content["cards"] if c[0] == card), None)
    if entry is None:
        return reasons.UNKNOWN_CARD
    _, profile, valid_from, valid_to, flags, card_pin = entry
    if flags & 1:
        return reasons.WITHDRAWN
    if now < valid_from:
        return reasons.NOT_YET_VALID
    if now >= valid_to:
        return reasons.EXPIRED
    reader_flags = dict((r, f) for r, f in content["readers"]).get(reader)
    access = content["profiles"][profile]
    if reader_flags is None or str(reader) not in access:
        return reasons.NO_ACCESS
    if now >= content["horizon"][1]:
        if policy != HORIZON_IGNORE_SCHEDULE:
            return reasons.HORIZON_EXCEEDED
    elif not any(start <= now < end for start, end in content["windows"][access[str(reader)]]):
        return reasons.OUTSIDE_SCHEDULE
    if reader_flags & 1:
        if pin is None:
            return reasons.PIN_REQUIRED
        if card_pin is None or pin != card_pin:
            return reasons.PIN_WRONG
    return reasons.GRANTED


@st.composite
def questions(draw: st.DrawFn, content: dict[str, Any]) -> list[tuple[int, int, int, Any]]:
    """Cards, readers, instants and PINs that hit the interesting edges."""
    keys = [c[0] for c in content["cards"]]
    pins = [c[5] for c in content["cards"] if c[5] is not None]
    instants = [0, MAX, *content["horizon"], content["horizon"][1] - 1]
    for boundaries in content["schedules"].values():
        instants += [t + d for t in boundaries for d in (-1, 0, 1) if 0 <= t + d <= MAX]
    for c in content["cards"]:
        instants += [c[2], c[3], max(c[2] - 1, 0)]
    unknown = st.integers(0, (1 << 64) - 1)
    # known cards twice as often as random keys: most answers should not be UNKNOWN_CARD
    card = st.one_of(st.sampled_from(keys), st.sampled_from(keys), unknown) if keys else unknown
    reader = st.one_of(st.sampled_from([r for r, _ in content["readers"]]), st.integers(0, 30))
    now = st.one_of(st.sampled_from(instants), st.integers(0, MAX))
    pin = st.one_of(st.none(), st.sampled_from(pins or ["1"]), st.from_regex(r"\A[0-9]{0,4}\Z"))
    return draw(st.lists(st.tuples(card, reader, now, pin), min_size=20, max_size=60))


def _agree(
    lst: AccessList, content: dict[str, Any], asked: list[tuple[int, int, int, Any]]
) -> None:
    for card, reader, now, pin in asked:
        for policy in (HORIZON_DENY, HORIZON_IGNORE_SCHEDULE):
            got = decide(card, reader, lst, now, pin, after_horizon=policy)
            want = reference(content, card, reader, now, pin, policy)
            assert got == want, (card, reader, now, pin, policy, reasons.name(got),
                                 reasons.name(want))


@SETTINGS
@given(st.data())
def test_decide_matches_the_reference(data: st.DataObject) -> None:
    content = data.draw(contents())
    asked = data.draw(questions(content))
    _agree(build(content), content, asked)
    _agree(decode_snapshot(encode_snapshot(build(content))), content, asked)


@SETTINGS
@given(st.data())
def test_decide_matches_the_reference_through_deltas_and_compaction(data: st.DataObject) -> None:
    before = data.draw(contents())
    after = data.draw(evolved(before))
    lst = decode_snapshot(encode_snapshot(build(before)))
    apply_delta(lst, diff(lst, build(after)))
    asked = data.draw(questions(after))
    _agree(lst, after, asked)  # card changes still in the temporary area
    lst.compact()
    assert lst.temp == {}
    _agree(lst, after, asked)
