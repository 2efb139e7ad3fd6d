"""Fast card activation / deactivation and door commands, against edges on a real Mosquitto."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.badges import services as badges
from hub.errors import Conflict, Invalid
from hub.sync.activation import activate
from hub.sync.commands import door_command
from hub.sync.models import ControllerSync, DoorCommand
from hub.sync.service import SyncService
from protocols.portable.accesslist import CARD_WITHDRAWN
from tests.hub.sync.conftest import PeerFactory, Plant, eventually
from tests.hub.sync.edge_peer import EdgePeer


def online_edge(edge_factory: PeerFactory, plant: Plant, code: str,
                sessions: sessionmaker[Session], *, follow: bool = True,
                refuse: str | None = None) -> EdgePeer:
    """An edge that is born (the hub has it online) and (``follow``) has installed its list
    before the test goes on."""
    edge = edge_factory(plant, code)
    if follow:
        edge.follow_lists(refuse=refuse)
    edge.birth(1)
    if follow:
        eventually(lambda: edge.list is not None)

    def online() -> bool:
        with sessions() as db:
            row = db.get(ControllerSync, plant.controllers[code])
            return row is not None and row.online

    eventually(online)
    return edge


def new_badge(sessions: sessionmaker[Session], plant: Plant, card: str, **issue: Any) -> int:
    with sessions() as db:
        badge = badges.register_badge(db, plant.site_id, card)
        badges.issue_badge(db, badge.id, person_id=plant.person_id, **issue)
        db.commit()
        return badge.id


def test_activation_reaches_every_online_controller_at_once(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    one = online_edge(edge_factory, plant, "door-1", sessions)
    two = online_edge(edge_factory, plant, "door-2", sessions)
    badge_id = new_badge(sessions, plant, "H10301:8:1")
    key = badges.parse_card("H10301:8:1")
    assert one.list is not None and one.list.lookup(key) is None
    report = activate(hub, plant.site_id, badge_id)
    results = {o.code: o.result for o in report.controllers}
    assert results == {"door-1": "applied", "door-2": "applied", "door-3": "disabled"}
    assert report.warnings == []
    assert one.list.lookup(key) is not None and two.list is not None
    assert two.list.lookup(key) is not None
    applied = {o.code: o.version for o in report.controllers}
    assert one.list.version == applied["door-1"]
    # deactivation: withdrawn in the hub and flagged on the edges at once
    report = activate(hub, plant.site_id, badge_id, deactivate=True)
    assert {o.code: o.result for o in report.controllers}["door-1"] == "applied"
    entry = one.list.lookup(key)
    assert entry is not None and entry[3] & CARD_WITHDRAWN
    with sessions() as db:
        assert badges.get_badge(db, badge_id).state.value == "withdrawn"


def test_activation_reports_offline_timeout_and_edge_errors(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    online_edge(edge_factory, plant, "door-1", sessions, follow=False)  # born, but never answers
    online_edge(edge_factory, plant, "door-2", sessions, refuse="storage")
    badge_id = new_badge(sessions, plant, "H10301:8:2")
    started = time.monotonic()
    report = activate(hub, plant.site_id, badge_id, timeout=1.0)
    assert time.monotonic() - started < 5  # bounded wait
    by_code = {o.code: o for o in report.controllers}
    assert by_code["door-1"].result == "timeout"
    assert by_code["door-2"].result == "error"
    assert "storage" in by_code["door-2"].detail
    assert by_code["door-3"].result == "disabled"


def test_activation_of_an_offline_controller_and_of_an_expired_card(
    hub: SyncService, plant: Plant, sessions: sessionmaker[Session]
) -> None:
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    badge_id = new_badge(sessions, plant, "H10301:8:3",
                         valid_from=yesterday - dt.timedelta(days=30), valid_to=yesterday)
    report = activate(hub, plant.site_id, badge_id)
    assert report.warnings and "expired" in report.warnings[0]
    assert {o.code: o.result for o in report.controllers} == {
        "door-1": "offline", "door-2": "offline", "door-3": "disabled"}


def test_activation_refuses_a_badge_that_is_not_issued(
    hub: SyncService, plant: Plant, sessions: sessionmaker[Session]
) -> None:
    with sessions() as db:
        unused = badges.register_badge(db, plant.site_id, "H10301:8:4")
        db.commit()
    with pytest.raises(Conflict, match="not issued"):
        activate(hub, plant.site_id, unused.id)
    with pytest.raises(Conflict, match="never issued"):
        activate(hub, plant.site_id, unused.id, deactivate=True)


def _answering(edge: EdgePeer, status: str, *, late: bool = False) -> None:
    """Answer commands like an edge: execute unless expired."""

    def on_message(_client: Any, _userdata: Any, message: Any) -> None:
        assert original is not None
        original(_client, _userdata, message)
        for _ch, kind, fields, _r in list(edge.received):
            if kind == "command" and fields["req"] not in answered:
                answered.add(fields["req"])
                expired = late or time.time() >= fields["expires"]
                edge._reply("cmd/result", "command_result", {
                    "req": fields["req"], "status": "expired" if expired else status,
                    "detail": "too late" if expired else ""})

    answered: set[str] = set()
    original = edge.client.on_message
    edge.client.on_message = on_message


def test_door_commands_carry_an_expiry_and_store_the_result(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    edge = online_edge(edge_factory, plant, "door-1", sessions, follow=False)
    _answering(edge, "ok")
    before = time.time()
    [outcome] = door_command(hub, plant.door_id, "pulse", 3000, actor="test")
    assert (outcome.controller, outcome.door_no, outcome.status) == ("door-1", 1, "ok")
    command = edge.wait_for("command")
    assert (command["op"], command["door"], command["duration_ms"]) == ("pulse", 1, 3000)
    assert before < command["expires"] <= before + hub.settings.command_ttl + 1
    with sessions() as db:
        row = db.scalars(select(DoorCommand).where(DoorCommand.req == outcome.req)).one()
        assert (row.status.value, row.actor) == ("ok", "test")
        assert row.finished_at is not None


def test_commands_that_expire_time_out_or_cannot_be_sent(
    hub: SyncService, plant: Plant, edge_factory: PeerFactory, sessions: sessionmaker[Session]
) -> None:
    [offline] = door_command(hub, plant.door_id, "unlock", 0)
    assert offline.status == "offline"
    edge = online_edge(edge_factory, plant, "door-1", sessions, follow=False)
    [silent] = door_command(hub, plant.door_id, "lock", timeout=0.5)
    assert silent.status == "timeout"
    _answering(edge, "ok", late=True)  # the edge got it only after its expiry
    [late] = door_command(hub, plant.door_id, "unlock", 0)
    assert (late.status, late.detail) == ("expired", "too late")
    with pytest.raises(Invalid, match="pulse needs"):
        door_command(hub, plant.door_id, "pulse", 0)
    with pytest.raises(Invalid, match="lock takes no duration"):
        door_command(hub, plant.door_id, "lock", 100)
