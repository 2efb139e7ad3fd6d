"""Reader plugins' events through the access path: cards, card + PIN pairing, keypad codes,
tamper and reader health, and the LED/buzzer feedback."""

from __future__ import annotations

import pytest

from edge.access_path import AccessPath
from edge.core import reasons
from edge.readers.base import EventKind, ReaderEvent
from protocols.portable.cardkey import KEYPAD, card_key
from tests.edge.door.site import CODE, PIN_CARD, STAFF, Site, access_list, make_site


def path_with_feedback(site: Site, shown: list[tuple[int, bool]]) -> AccessPath:
    return AccessPath(site.concentrator, access_list, site.events.append, site.clock,
                      feedback=lambda reader, granted: shown.append((reader, granted)),
                      pin_wait_s=20)


def test_a_card_event_opens_and_the_reader_shows_the_answer() -> None:
    site = make_site()
    shown: list[tuple[int, bool]] = []
    path = path_with_feedback(site, shown)
    path.handle(ReaderEvent(EventKind.CARD, 1, card_key=STAFF))
    path.handle(ReaderEvent(EventKind.CARD, 3, card_key=card_key(KEYPAD, 1)))
    assert site.io[1].relay is True
    assert shown == [(1, True), (3, False)]
    assert [(e.reader, e.granted) for e in site.events] == [(1, True), (3, False)]


def test_card_then_pin_at_the_same_reader_opens() -> None:
    site = make_site()
    shown: list[tuple[int, bool]] = []
    path = path_with_feedback(site, shown)
    path.handle(ReaderEvent(EventKind.CARD, 4, card_key=PIN_CARD))
    assert shown == []  # a prompt, not an answer
    site.clock.advance(5)
    path.handle(ReaderEvent(EventKind.PIN, 4, pin="4321"))
    assert site.io[2].relay is True
    assert shown == [(4, True)]
    assert [(e.card, e.reason) for e in site.events] == [
        (PIN_CARD, reasons.PIN_REQUIRED), (PIN_CARD, reasons.GRANTED)]


def test_a_wrong_pin_is_refused_and_the_card_no_longer_waits() -> None:
    site = make_site()
    shown: list[tuple[int, bool]] = []
    path = path_with_feedback(site, shown)
    path.handle(ReaderEvent(EventKind.CARD, 4, card_key=PIN_CARD))
    path.handle(ReaderEvent(EventKind.PIN, 4, pin="1111"))
    path.handle(ReaderEvent(EventKind.PIN, 4, pin="4321"))  # now a keypad code, unknown
    assert site.io[2].relay is False
    assert [(e.card, e.reason) for e in site.events] == [
        (PIN_CARD, reasons.PIN_REQUIRED), (PIN_CARD, reasons.PIN_WRONG),
        (card_key(KEYPAD, 4321), reasons.UNKNOWN_CARD)]
    assert shown == [(4, False), (4, False)]


def test_a_pin_after_the_wait_is_a_keypad_code_not_the_cards_pin() -> None:
    site = make_site()
    path = path_with_feedback(site, [])
    path.handle(ReaderEvent(EventKind.CARD, 4, card_key=PIN_CARD))
    site.clock.advance(21)
    path.handle(ReaderEvent(EventKind.PIN, 4, pin="4321"))
    assert site.io[2].relay is False
    assert site.events[-1].card == card_key(KEYPAD, 4321)


def test_a_pin_waits_only_at_its_own_reader() -> None:
    site = make_site()
    path = path_with_feedback(site, [])
    path.handle(ReaderEvent(EventKind.CARD, 4, card_key=PIN_CARD))
    path.handle(ReaderEvent(EventKind.PIN, 3, pin="2468"))  # reader 3: a keypad code
    assert site.events[-1].card == CODE and site.events[-1].granted
    path.handle(ReaderEvent(EventKind.PIN, 4, pin="4321"))  # reader 4's card still waits
    assert site.events[-1].card == PIN_CARD and site.events[-1].granted


def test_a_keypad_code_too_long_for_a_key_is_ignored(caplog: pytest.LogCaptureFixture) -> None:
    site = make_site()
    path = path_with_feedback(site, [])
    path.handle(ReaderEvent(EventKind.PIN, 3, pin="9" * 20))
    assert site.events == []
    assert "a PIN that is no keypad code was ignored" in caplog.text
    assert "9999" not in caplog.text  # never log what was typed


def test_tamper_power_and_presence_become_events() -> None:
    site = make_site()
    path = path_with_feedback(site, [])
    path.handle(ReaderEvent(EventKind.TAMPER, 2, alarm=True))
    path.handle(ReaderEvent(EventKind.POWER, 2, alarm=True, detail="12 V low"))
    path.handle(ReaderEvent(EventKind.OFFLINE, 3, detail="no reply"))
    path.handle(ReaderEvent(EventKind.ONLINE, 3))
    assert [(e.kind, e.door, e.reader, e.data) for e in site.events] == [
        ("tamper", 1, 2, {"active": True}),
        ("reader_power", 1, 2, {"detail": "12 V low", "fault": True}),
        ("reader_offline", 2, 3, {"detail": "no reply"}),
        ("reader_online", 2, 3, {"detail": ""})]
    assert site.events[0].alarm


def test_failing_feedback_never_loses_the_event(caplog: pytest.LogCaptureFixture) -> None:
    site = make_site()

    def broken(reader: int, granted: bool) -> None:
        raise OSError("LED line gone")

    path = AccessPath(site.concentrator, access_list, site.events.append, site.clock,
                      feedback=broken)
    path.handle(ReaderEvent(EventKind.CARD, 1, card_key=STAFF))
    assert site.io[1].relay is True
    assert site.events[0].granted
    assert "reader 1: feedback failed" in caplog.text
