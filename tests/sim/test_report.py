"""The summary's checks catch what they claim to: a card the reader answered with no hub
event is lost, a hub event nothing explains is duplicated, seq gaps and alarms that did
not arrive are counted, and lag leaves out cards caught in an outage."""

from __future__ import annotations

import dataclasses

from edge.core import reasons
from sim.hubwatch import ControllerView, HubEvent
from sim.ledger import Ledger
from sim.report import build

CARD = 0x1_0C_0FA1
VIEWS = {"c1": ControllerView("c1", True, True, 5, 5)}


def _event(seq: int, at: float, *, card: int | None = CARD, kind: str = "access",
           reason: int = reasons.GRANTED, seen: float = 0.3) -> HubEvent:
    return HubEvent(id=seq, controller="c1", seq=seq, ts=int(at), kind=kind,
                    reader=1 if kind == "access" else None, door=1, card=card,
                    reason=reason, granted=reason == reasons.GRANTED, faces=None,
                    photo=None, historical=False, seen_at=at + seen)


def _ledger(*granted: bool | None) -> Ledger:
    ledger = Ledger()
    for index, verdict in enumerate(granted):
        entry = ledger.present("c1", 1, CARD, "Front")
        entry.at = 1000.0 + 10 * index
        entry.granted = verdict
    return ledger


def test_every_card_matched_once_is_ok() -> None:
    ledger = _ledger(True, False)
    events = [_event(1, 1000.0), _event(2, 1010.0, reason=reasons.EXPIRED),
              _event(3, 1011.0, card=None, kind="door_opened")]
    report = build("t", 20, 200, 10, ledger, events, VIEWS)
    assert (report.lost, report.duplicated, report.sequence_gaps) == (0, 0, 0)
    assert (report.granted, report.denied, report.denials) == (1, 1, {"expired": 1})
    assert report.lag.count == 2 and report.lag.max is not None and report.lag.max < 0.31
    assert report.ok


def test_an_answered_card_without_event_is_lost_and_a_stray_event_is_duplicated() -> None:
    ledger = _ledger(True, True, None)  # the third card got no answer: no event owed
    events = [_event(1, 1000.0), _event(2, 1000.0), _event(3, 1050.0)]
    report = build("t", 20, 200, 10, ledger, events, VIEWS)
    assert report.lost == 1  # the card at 1010: no event near that time
    assert report.duplicated == 2  # a second event at 1000, and one at 1050 nobody caused
    assert report.unanswered == 1
    assert not report.ok


def test_gaps_unacknowledged_and_missing_alarms_fail_the_run() -> None:
    ledger = _ledger()
    ledger.expect_alarm("door_held", "c1", 1)
    events = [_event(1, 1000.0, card=None, kind="door_forced"),
              _event(3, 1001.0, card=None, kind="door_closed")]
    views = {"c1": ControllerView("c1", True, True, 1, 3)}
    report = build("t", 20, 200, 10, ledger, events, views)
    assert report.sequence_gaps == 1
    assert report.unacknowledged == {"c1": 2}
    assert report.missing_alarms == {"door_held": 1}
    assert report.alarms == {"door_forced": 1}
    assert not report.ok
    assert "PROBLEMS" in report.as_text()


def test_lag_without_outages_leaves_out_cards_caught_in_a_cut() -> None:
    ledger = _ledger(True, True)
    ledger.outage_begins("c1", "network")
    ledger.outages[0] = dataclasses.replace(ledger.outages[0], start=1005.0, end=1030.0)
    events = [_event(1, 1000.0), _event(2, 1010.0, seen=20.0)]
    report = build("t", 20, 200, 10, ledger, events, VIEWS)
    assert report.lag.max == 20.0
    assert report.lag_undisturbed.count == 1 and report.lag_undisturbed.max is not None
    assert report.lag_undisturbed.max < 1.0
