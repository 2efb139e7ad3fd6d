"""``vratnik edge run`` as a real process with the real hub over a real Mosquitto.

The agent reads a replayed Wiegand reader fed through a FIFO and drives a door whose
relay commands go to a file. Swipes must move the relay and reach the hub's database;
SIGTERM while swipes are flowing (and the hub is away, so nothing is being
acknowledged) must end the process with exit code 0 and lose nothing: after a restart
of both, the hub holds every seq exactly once, including every seq the first run
reported as stored.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from edge.core.reasons import GRANTED, UNKNOWN_CARD
from hub.events.models import Event
from hub.sync.keys import current_key
from hub.sync.models import ControllerSync
from hub.sync.service import SyncService
from protocols.portable import cardkey, wiegand
from tests.edge.agent.helpers import minimal, to_toml
from tests.edge.agent.process import AgentProcess, swipe, wait_until
from tests.hub.sync.conftest import Plant, build_plant, quick_settings
from tests.mqtt import MosquittoBroker, free_port

READER = 1  # build_plant gives door-1 readers 1 and 2, open to everyone at any time
STRANGER = wiegand.card_key_for(cardkey.H10301_26, 99, 4242)  # no badge at the hub


@pytest.fixture
def plant(sessions: sessionmaker[Session]) -> Plant:
    return build_plant(sessions)


def start_hub(sessions: sessionmaker[Session], broker: MosquittoBroker) -> SyncService:
    service = SyncService(sessions, quick_settings(broker.url))
    service.start()
    assert service.wait_connected(10)
    return service


@pytest.fixture
def hubs(sessions: sessionmaker[Session]) -> Iterator[list[SyncService]]:
    started: list[SyncService] = []
    yield started
    for service in started:
        service.stop()


def write_config(tmp_path: Path, plant: Plant, sessions: sessionmaker[Session],
                 broker: MosquittoBroker) -> Path:
    with sessions() as db:
        key = current_key(db, plant.controllers["door-1"])
        db.commit()
    (tmp_path / "device-key").write_text(base64.b64encode(key.key).decode())
    os.mkfifo(tmp_path / "reader1.fifo", 0o600)
    config = {
        "site": plant.site, "controller": "door-1", "data_dir": "data",
        "broker": {"url": broker.url, "key_id": key.kid, "device_key_file": "device-key"},
        "sync": {"reconnect_min_s": 0.05, "reconnect_max_s": 0.5, "ack_timeout_s": 2.0,
                 "request_timeout_s": 2.0},
        "logging": {"format": "json", "level": "info", "status_interval_s": 1},
        "readers": [{"kind": "wiegand", "id": READER, "source": "replay",
                     "replay_file": "reader1.fifo"}],
        "doors": [{"door": 1, "unlock_ms": 100, "io": {"kind": "file", "path": "relay.log"}}],
        "bindings": [{"reader": READER, "door": 1}],
    }
    path = tmp_path / "edge.toml"
    path.write_text(to_toml(config))
    return path


def relay_commands(tmp_path: Path) -> list[bool]:
    path = tmp_path / "relay.log"
    if not path.exists():
        return []
    return [json.loads(line)["energised"] for line in path.read_text().splitlines()]


def relay_opened(tmp_path: Path, times: int) -> bool:
    return relay_commands(tmp_path).count(True) == times


def hub_events(sessions: sessionmaker[Session], ctl: int) -> list[tuple[int, str, int, bool]]:
    with sessions() as db:
        rows = db.execute(select(Event.seq, Event.kind, Event.reason, Event.granted)
                          .where(Event.controller_id == ctl).order_by(Event.seq))
        return [(r.seq, r.kind, r.reason, r.granted) for r in rows]


def in_sync(sessions: sessionmaker[Session], hub: SyncService, ctl: int) -> bool:
    state = hub.lists.state(ctl)
    with sessions() as db:
        row = db.get(ControllerSync, ctl)
        return bool(row is not None and row.online and state is not None
                    and row.applied_version == state[1].version)


@pytest.mark.mqtt
def test_run_swipes_open_the_door_reach_the_hub_and_survive_sigterm(
        sessions: sessionmaker[Session], mosquitto: MosquittoBroker, plant: Plant,
        hubs: list[SyncService], tmp_path: Path) -> None:
    ctl = plant.controllers["door-1"]
    card = plant.card_key(sessions)
    fifo = tmp_path / "reader1.fifo"
    config = write_config(tmp_path, plant, sessions, mosquitto)
    hubs.append(start_hub(sessions, mosquitto))

    first = AgentProcess(config, tmp_path / "run1.log")
    try:
        wait_until(lambda: in_sync(sessions, hubs[0], ctl), what="the list from the hub")
        # -- swipes move the relay and reach the hub ---------------------------------
        for n in range(1, 4):
            assert swipe(fifo, card)
            wait_until(partial(relay_opened, tmp_path, n), what="the relay")
        assert swipe(fifo, STRANGER)
        wait_until(lambda: len(hub_events(sessions, ctl)) >= 4, what="events at the hub")
        access = [e for e in hub_events(sessions, ctl) if e[1] == "access"]
        assert [(e[2], e[3]) for e in access] == [(GRANTED, True)] * 3 + [(UNKNOWN_CARD, False)]
        assert relay_commands(tmp_path).count(True) == 3  # the stranger moved nothing
        assert relay_commands(tmp_path)[-1] is False  # relocked after unlock_ms

        # -- SIGTERM while swipes flow and nothing is acknowledged --------------------
        hubs.pop().stop()
        stop_swiping = threading.Event()

        def keep_swiping() -> None:
            while not stop_swiping.is_set() and swipe(fifo, card, timeout=1.0):
                pass

        swiper = threading.Thread(target=keep_swiping)
        swiper.start()
        wait_until(lambda: len(first.stored_seqs()) >= 20, what="events stored while away")
        assert first.terminate() == 0
        stop_swiping.set()
        swiper.join(10)
    finally:
        first.kill()
    stopped = first.messages("agent stopped")
    assert len(stopped) == 1 and stopped[0]["clean"] is True
    stored_first = first.stored_seqs()
    assert stored_first == list(range(1, len(stored_first) + 1))
    assert stopped[0]["last_seq"] == stored_first[-1]
    assert stopped[0]["acked_seq"] < stopped[0]["last_seq"]  # some were still unacknowledged
    assert first.messages("stopping on SIGTERM")
    assert not [line for line in first.lines() if line.get("level") in ("error", "raw")]

    # -- both come back: the outbox still has the unacknowledged events --------------
    hubs.append(start_hub(sessions, mosquitto))
    second = AgentProcess(config, tmp_path / "run2.log")
    try:
        last = stopped[0]["last_seq"]
        wait_until(lambda: len(hub_events(sessions, ctl)) >= last, what="the backlog at the hub")
        assert swipe(fifo, card)  # and the restarted agent still opens the door
        wait_until(lambda: len(hub_events(sessions, ctl)) >= last + 1, what="a new event")
        assert second.terminate() == 0
    finally:
        second.kill()
    seqs = [e[0] for e in hub_events(sessions, ctl)]
    assert seqs == list(range(1, len(seqs) + 1))  # every seq, in order, nothing missing
    assert set(stored_first) <= set(seqs)
    with sessions() as db:
        rows = db.scalar(select(func.count()).select_from(Event)
                         .where(Event.controller_id == ctl))
    assert rows == len(seqs)  # exactly once
    assert second.stored_seqs()[0] == last + 1  # the seq counter survived the restart
    wait_until(lambda: not _online(sessions, ctl), what="offline after the clean stop")


def _online(sessions: sessionmaker[Session], ctl: int) -> bool:
    with sessions() as db:
        row = db.get(ControllerSync, ctl)
        return bool(row is not None and row.online)


def test_ready_and_stopping_notified_sigint_and_a_store_that_cannot_open(tmp_path: Path) -> None:
    """systemd's Type=notify handshake, SIGINT like SIGTERM, and exit 1 with a reason."""
    data = minimal(tmp_path)
    data["broker"]["url"] = f"mqtt://127.0.0.1:{free_port()}"  # offline: still a door
    data["readers"][0]["replay_file"] = "reader1.fifo"
    os.mkfifo(tmp_path / "reader1.fifo", 0o600)
    config = tmp_path / "edge.toml"
    config.write_text(to_toml(data))
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(tmp_path / "notify.sock"))
        notify.settimeout(20)
        agent = AgentProcess(config, tmp_path / "run.log",
                             env={"NOTIFY_SOCKET": str(tmp_path / "notify.sock")})
        try:
            assert notify.recv(4096).startswith(b"READY=1\nSTATUS=controller door-1 running")
            assert agent.terminate(sig=signal.SIGINT) == 0
            assert notify.recv(4096) == b"STOPPING=1"
        finally:
            agent.kill()
    assert agent.messages("stopping on SIGINT")
    assert agent.messages("agent stopped")[0]["clean"] is True

    (tmp_path / "data" / "sync-state.json").write_text("{damaged")
    broken = AgentProcess(config, tmp_path / "broken.log")
    try:
        assert broken.wait() == 1
    finally:
        broken.kill()
    [error] = [line for line in broken.lines() if line.get("level") == "error"]
    assert error["msg"].startswith("the agent cannot start: cannot open the agent's store in ")
    assert "sync-state.json is damaged" in error["msg"]
