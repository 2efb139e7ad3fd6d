"""Idempotent ingest on SQLite and PostgreSQL: duplicates, order, gaps, historical flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.access.controllers import create_controller
from hub.events.ingest import ingest, ingest_batches
from hub.events.models import Event, EventCursor
from hub.sites.models import Site
from protocols.portable import cardkey

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
TS = int(NOW.timestamp())


def ev(seq: int, *, ts: int = TS, card: int | None = None,
       historical: bool = False) -> dict[str, Any]:
    return {"seq": seq, "ts": ts, "reader": 1, "door": 1, "card": card, "kind": "access",
            "reason": 0, "granted": True, "faces": None, "photo": None,
            "historical": historical}


def _controller(session: Session, site: Site, code: str = "door-1") -> int:
    return create_controller(session, site.id, code=code, name=code).id


def _stored(session: Session, controller_id: int) -> list[tuple[int, bool]]:
    rows = session.execute(
        select(Event.seq, Event.historical).where(Event.controller_id == controller_id)
        .order_by(Event.seq))
    return [(seq, historical) for seq, historical in rows]


def test_in_order_batches_advance_and_keep_the_card(session: Session, site: Site) -> None:
    ctl = _controller(session, site)
    key = cardkey.card_key(cardkey.raw_format(56), (1 << 56) - 1)  # a 64-bit key > 2**63
    result = ingest(session, ctl, [ev(1, card=key), ev(2), ev(3)], now=NOW)
    assert (result.upto, result.max_seq, result.new, result.advanced) == (3, 3, 3, True)
    assert result.should_ack and not result.gap and not result.ask_replay
    row = session.scalars(select(Event).where(Event.controller_id == ctl, Event.seq == 1)).one()
    assert cardkey.card_key(row.card_format or 0, row.card_value or 0) == key
    assert _stored(session, ctl) == [(1, False), (2, False), (3, False)]


def test_duplicates_are_stored_once_and_still_acknowledged(session: Session, site: Site) -> None:
    ctl = _controller(session, site)
    ingest(session, ctl, [ev(1), ev(2)], now=NOW)
    again = ingest(session, ctl, [ev(1), ev(2), ev(2)], now=NOW)
    assert (again.upto, again.new, again.advanced) == (2, 0, False)
    assert again.should_ack  # the edge re-sent: it missed our ack, so ack again
    more = ingest(session, ctl, [ev(2), ev(3), ev(3)], now=NOW)
    assert (more.upto, more.new) == (3, 1)
    assert session.scalar(select(func.count()).where(Event.controller_id == ctl)) == 3


def test_gap_asks_for_replay_and_filled_events_are_historical(session: Session,
                                                              site: Site) -> None:
    ctl = _controller(session, site)
    ingest(session, ctl, [ev(1), ev(2)], now=NOW)
    jumped = ingest(session, ctl, [ev(5), ev(6)], now=NOW)
    assert (jumped.upto, jumped.max_seq, jumped.gap, jumped.ask_replay) == (2, 6, True, True)
    # while the gap is open the same request is not repeated within the interval
    soon = ingest(session, ctl, [ev(7)], now=NOW + dt.timedelta(seconds=1))
    assert (soon.upto, soon.ask_replay, soon.should_ack) == (2, False, False)
    later = ingest(session, ctl, [ev(8)], now=NOW + dt.timedelta(seconds=3))
    assert later.ask_replay and later.should_ack
    # the replay arrives, out of order: 4 first, then 3 closes the gap
    part = ingest(session, ctl, [ev(4)], now=NOW + dt.timedelta(seconds=4))
    assert (part.upto, part.gap) == (2, True)
    filled = ingest(session, ctl, [ev(3)], now=NOW + dt.timedelta(seconds=5))
    assert (filled.upto, filled.max_seq, filled.gap, filled.advanced) == (8, 8, False, True)
    assert _stored(session, ctl) == [
        (1, False), (2, False), (3, True), (4, True), (5, False), (6, False), (7, False),
        (8, False),
    ]
    cursor = session.get(EventCursor, ctl)
    assert cursor is not None and cursor.replay_asked_at is None


def test_late_and_edge_flagged_events_are_historical(session: Session, site: Site) -> None:
    ctl = _controller(session, site)
    ingest(session, ctl, [ev(1, historical=True), ev(2, ts=TS - 3600), ev(3, ts=TS - 10)],
           now=NOW)
    assert _stored(session, ctl) == [(1, True), (2, True), (3, False)]
    # an edge clock one hour behind ours: ts one hour old is on time for it
    ingest(session, ctl, [ev(4, ts=TS - 3600)], now=NOW, clock_offset=-3600)
    assert _stored(session, ctl)[-1] == (4, False)


def test_batches_of_several_controllers_in_one_transaction(session: Session,
                                                           site: Site) -> None:
    a, b = _controller(session, site, "a"), _controller(session, site, "b")
    results = ingest_batches(session, {b: [ev(1)], a: [ev(1), ev(2)]}, now=NOW)
    assert (results[a].upto, results[b].upto) == (2, 1)
    assert _stored(session, a) == [(1, False), (2, False)]
    assert _stored(session, b) == [(1, False)]
