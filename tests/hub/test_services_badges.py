"""Badge life cycle: never deleted, every state in history, a pool, group-owned cards, PINs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.badges import pins
from hub.badges import services as badges
from hub.badges.models import Badge, BadgeAction, BadgeState
from hub.errors import Conflict, Invalid
from hub.people import groups
from hub.people import services as people
from hub.people.models import Group, Person, PersonClass
from hub.sites.models import Site
from protocols.portable import cardkey, wiegand

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def vault() -> pins.PinVault:
    return pins.PinVault(pins.generate_key())


@pytest.fixture
def holder(session: Session, site: Site) -> Person:
    root = groups.create_group(session, site.id, name="Factory")
    employee = session.scalars(
        select(PersonClass.id).where(PersonClass.site_id == site.id, PersonClass.name == "employee")
    ).one()
    return people.create_person(session, site.id, surname="Horváth", name="Eva",
                                class_id=employee, group_id=root.id, personal_number="1")


def test_register_keys_match_wiegand(session: Session, site: Site) -> None:
    badge = badges.register_badge(session, site.id, "H10301:12:3456", label="12/3456")
    assert badge.card_key == wiegand.card_key_for(cardkey.H10301_26, 12, 3456)
    assert badge.state is BadgeState.UNUSED and badge in badges.pool(session, site.id)
    raw = badges.register_badge(session, site.id, cardkey.card_key(cardkey.raw_format(32), 7))
    assert raw.card_format == cardkey.raw_format(32) and raw.card_value == 7
    assert badges.find_badge(session, site.id, "h10301:12:3456") is badge
    with pytest.raises(Conflict):
        badges.register_badge(session, site.id, "H10301:12:3456")
    with pytest.raises(Invalid) as err:
        badges.register_badge(session, site.id, "H10301:256:1")  # facility is 8 bits
    assert err.value.field == "card"


def test_issue_withdraw_reissue_with_history(
    session: Session, site: Site, holder: Person
) -> None:
    badge = badges.register_badge(session, site.id, "H10301:1:1", at=T0)
    badges.issue_badge(session, badge.id, person_id=holder.id, valid_from=T0,
                       valid_to=T0 + timedelta(days=30), at=T0 + timedelta(minutes=1))
    assert badge.state is BadgeState.ISSUED and badge not in badges.pool(session, site.id)
    assert [b.id for b in people.issued_badges(session, holder.id)] == [badge.id]
    with pytest.raises(Conflict, match="already issued"):
        badges.issue_badge(session, badge.id, person_id=holder.id)
    badges.set_validity(session, badge.id, T0, T0 + timedelta(days=60),
                        at=T0 + timedelta(minutes=2))
    badges.withdraw_badge(session, badge.id, note="left", at=T0 + timedelta(minutes=3))
    returned = badges.get_badge(session, badge.id)
    assert returned.state is BadgeState.WITHDRAWN and returned.person_id is None
    assert returned in badges.pool(session, site.id)
    with pytest.raises(Conflict, match="not issued"):
        badges.withdraw_badge(session, badge.id)
    security = groups.create_group(session, site.id, name="Security")
    badges.issue_badge(session, badge.id, group_id=security.id, at=T0 + timedelta(minutes=4))
    assert [b.id for b in badges.held_by_group(session, security.id)] == [badge.id]
    rows = [(e.action, e.state, e.person_id, e.group_id, e.valid_to)
            for e in badges.history(session, badge.id)]
    assert rows == [
        (BadgeAction.REGISTERED, BadgeState.UNUSED, None, None, None),
        (BadgeAction.ISSUED, BadgeState.ISSUED, holder.id, None, T0 + timedelta(days=30)),
        (BadgeAction.VALIDITY_CHANGED, BadgeState.ISSUED, holder.id, None,
         T0 + timedelta(days=60)),
        (BadgeAction.WITHDRAWN, BadgeState.WITHDRAWN, holder.id, None, None),
        (BadgeAction.ISSUED, BadgeState.ISSUED, None, security.id, None),
    ]
    assert badges.history(session, badge.id)[3].note == "left"


def test_issue_needs_exactly_one_holder_and_valid_validity(
    session: Session, site: Site, holder: Person
) -> None:
    badge = badges.register_badge(session, site.id, "H10301:1:2")
    group_id = session.scalars(select(Group.id).where(Group.site_id == site.id)).first()
    with pytest.raises(Invalid):
        badges.issue_badge(session, badge.id)
    with pytest.raises(Invalid):
        badges.issue_badge(session, badge.id, person_id=holder.id, group_id=group_id)
    with pytest.raises(Invalid) as err:
        badges.issue_badge(session, badge.id, person_id=holder.id, valid_from=T0, valid_to=T0)
    assert err.value.field == "valid_to"
    with pytest.raises(Invalid, match="time zone"):
        badges.issue_badge(session, badge.id, person_id=holder.id, valid_from="2025-03-01T08:00")
    # the failed attempts left nothing behind
    session.refresh(badge)
    assert badge.state is BadgeState.UNUSED and badge.person_id is None
    assert [e.action for e in badges.history(session, badge.id)] == [BadgeAction.REGISTERED]


def test_badges_are_never_deleted(session: Session, site: Site) -> None:
    badge = badges.register_badge(session, site.id, "H10301:1:3")
    with pytest.raises(Conflict, match="withdraw it instead"), session.begin_nested():
        session.delete(badge)
        session.flush()
    assert session.scalar(select(Badge.id).where(Badge.id == badge.id)) == badge.id


def test_pin_is_sealed_and_opened_only_with_the_key(
    session: Session, site: Site, holder: Person, vault: pins.PinVault
) -> None:
    badge = badges.register_badge(session, site.id, "H10301:1:4")
    badges.issue_badge(session, badge.id, person_id=holder.id, pin="4711", vault=vault)
    assert badge.pin_sealed is not None and b"4711" not in badge.pin_sealed
    assert vault.open(badge.id, badge.pin_sealed) == "4711"
    with pytest.raises(pins.PinKeyError):
        pins.PinVault(pins.generate_key()).open(badge.id, badge.pin_sealed)
    with pytest.raises(pins.PinKeyError):  # bound to its badge: cannot be moved to another
        vault.open(badge.id + 1, badge.pin_sealed)
    with pytest.raises(Invalid) as err:
        badges.set_pin(session, badge.id, "12a4", vault=vault)
    assert err.value.field == "pin" and "12a4" not in err.value.message
    with pytest.raises(Invalid, match="no PIN key"):
        badges.set_pin(session, badge.id, "1234", vault=None)
    badges.set_pin(session, badge.id, "987654", vault=vault)
    assert vault.open(badge.id, badge.pin_sealed) == "987654"
    history = badges.history(session, badge.id)
    assert history[-1].action is BadgeAction.PIN_CHANGED
    assert all("987654" not in e.note for e in history)
    badges.withdraw_badge(session, badge.id)
    assert badge.pin_sealed is None  # the next holder does not inherit the PIN


def test_pin_key_file_and_text(tmp_path: Path) -> None:
    key_file = tmp_path / "instance" / "pin.key"
    key = pins.load_or_create_key_file(key_file)
    assert len(key) == 32 and key_file.stat().st_mode & 0o777 == 0o600
    assert pins.load_or_create_key_file(key_file) == key
    assert pins.key_from_text(pins.key_to_text(key)) == key
    with pytest.raises(pins.PinKeyError):
        pins.key_from_text("not base64!")
    assert "key" not in repr(pins.PinVault(key)).replace("<key hidden>", "")
