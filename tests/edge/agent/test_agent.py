"""The agent wired in this process: reader -> decide -> relay -> feedback -> outbox -> photo.

No broker answers (the sync client keeps retrying in the background), which is the
agent's normal life offline: decisions come from the stored list and every event waits
in the outbox.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image
from skimage import data as skdata

from edge.agent.core import Agent
from edge.agent.datalock import DataDirLockedError
from edge.agent.replayfeed import parse_edge, split_recordings
from edge.config import AgentConfig, parse_config
from edge.config_hardware import DoorSettings
from edge.core.reasons import GRANTED, UNKNOWN_CARD
from edge.door.errors import DoorHardwareError
from edge.door.io import FakeDoorIO
from edge.photos.meta import photo_id
from edge.store.listfile import ListStore
from edge.store.outbox import Outbox
from edge.sync import errors as sync_errors
from edge.sync.doors import UnknownDoorError
from protocols.portable import cardkey, cbor, wiegand
from protocols.portable.accesslist import AccessListBuilder, encode_snapshot
from tests.edge.agent.helpers import minimal
from tests.edge.agent.process import swipe, wait_until

CARD = wiegand.card_key_for(cardkey.H10301_26, 7, 1001)
STRANGER = wiegand.card_key_for(cardkey.H10301_26, 7, 9999)
ALWAYS = [(0, 0xFFFFFFFF)]


def install_list(data_dir: Path) -> None:
    """A stored list: CARD opens reader 1 at any time (as the hub would have sent it)."""
    builder = AccessListBuilder(1, site="plant", controller="door-1", salt=b"s" * 16)
    builder.reader(1)
    builder.card(CARD, builder.profile({1: builder.schedule(ALWAYS)}))
    lst = builder.build()
    data_dir.mkdir(parents=True, exist_ok=True)
    ListStore(data_dir).save(encode_snapshot(lst), lst.version)


class Doors:
    """The ``door_io`` factory the simulator's kind of caller passes: fakes we can inspect."""

    def __init__(self) -> None:
        self.ios: dict[int, FakeDoorIO] = {}

    def __call__(self, settings: DoorSettings) -> FakeDoorIO:
        io = FakeDoorIO()
        self.ios[settings.config.door] = io
        return io


def make_agent(tmp_path: Path, doors: Doors, **sections: Any) -> Agent:
    return Agent(make_config(tmp_path, **sections), door_io=doors)


def make_config(tmp_path: Path, **sections: Any) -> AgentConfig:
    """Two doors, reader 1 on a FIFO bound to door 1, a stored list, no broker."""
    data = minimal(tmp_path)
    data["broker"]["url"] = "mqtt://127.0.0.1:1"  # nobody listens: offline all along
    data["readers"][0]["replay_file"] = "reader1.fifo"
    data["doors"][0]["unlock_ms"] = 200
    data.update(sections)
    os.mkfifo(tmp_path / "reader1.fifo", 0o600)
    install_list(tmp_path / "data")
    return parse_config(data, tmp_path / "edge.toml")


def stored(tmp_path: Path) -> list[tuple[int, str, dict[str, Any]]]:
    """Every event in the agent's outbox (opened after the agent closed it)."""
    with Outbox(tmp_path / "data" / "outbox") as outbox:
        return [(e.seq, e.kind, cast(dict[str, Any], cbor.decode(e.payload)))
                for e in outbox.pending(0, 1000)]


def test_swipes_open_the_door_give_feedback_and_get_photos_with_faces(tmp_path: Path) -> None:
    Image.fromarray(skdata.astronaut()).save(  # type: ignore[no-untyped-call]
        tmp_path / "astronaut.png")
    doors = Doors()
    agent = make_agent(tmp_path, doors,
                       camera={"kind": "files", "files": {"paths": ["astronaut.png"]}},
                       faces={"kind": "blazeface"})
    agent.start()
    try:
        assert agent.photos is not None and agent.photos.detector is not None
        relay = doors.ios[1]
        assert swipe(tmp_path / "reader1.fifo", CARD)
        wait_until(lambda: relay.relay is True, what="the relay")  # fail-secure: energised
        wait_until(lambda: relay.relay is False, what="relocked after unlock_ms")
        assert swipe(tmp_path / "reader1.fifo", STRANGER)
        wait_until(lambda: agent.photos is not None
                   and agent.photos.follower.stats()["photos"] == 2, what="two photos")
        reader = agent.readers.readers[0][1]
        assert reader.stats()["feedback_unwired"] == 2  # grant and deny were both shown
    finally:
        report = agent.stop()
    assert report.clean and report.stored == report.published == 4
    events = stored(tmp_path)
    access = [(seq, p) for seq, kind, p in events if kind == "access"]
    photos = [(seq, p) for seq, kind, p in events if kind == "photo"]
    assert [(p["reason"], p["granted"], p["card"]) for _s, p in access] == [
        (GRANTED, True, CARD), (UNKNOWN_CARD, False, STRANGER)]
    assert [relay_on for _stamp, relay_on in doors.ios[1].commands].count(True) == 1
    by_event = {p["event"]: p for _seq, p in photos}
    assert sorted(by_event) == [seq for seq, _p in access]
    for seq, _p in access:
        photo = by_event[seq]
        assert photo["faces"] == 1 and photo["photo"] == photo_id(seq)
        assert photo["door"] == 1 and photo["reader"] == 1
        assert (tmp_path / "data" / "photos" / f"{photo_id(seq)}.jpg").is_file()


def test_remote_commands_reach_the_door_state_machines(tmp_path: Path) -> None:
    doors = Doors()
    agent = make_agent(tmp_path, doors)
    agent.start()
    try:
        assert agent.sync is not None
        agent.sync.doors.pulse(2, 300)  # what the hub's command runner calls
        assert doors.ios[2].relay is True
        with pytest.raises(UnknownDoorError):
            agent.sync.doors.unlock(9, 0)
        with pytest.raises(sync_errors.DoorError):
            agent.sync.doors.pulse(2, 0)
    finally:
        assert agent.stop().clean
    again = agent.stop()  # safe to call twice: nothing left to do
    assert again.clean and again.last_seq == 1
    kinds = [(kind, p.get("op"), p.get("door")) for _seq, kind, p in stored(tmp_path)]
    assert kinds == [("door_command", "pulse", 2)]


def test_stop_stores_every_event_published_before_it(tmp_path: Path) -> None:
    agent = make_agent(tmp_path, Doors())
    agent.start()
    assert agent.access is not None
    access = agent.access

    def burst() -> None:
        for n in range(400):
            access.card(1, CARD if n % 2 else STRANGER)

    thread = threading.Thread(target=burst)
    thread.start()
    thread.join()
    report = agent.stop()  # at once: the outbox writer is still behind
    assert report.clean and report.published == report.stored == 400
    assert report.last_seq == 400
    assert [seq for seq, _k, _p in stored(tmp_path)] == list(range(1, 401))


def test_a_fifo_session_may_hold_several_recordings() -> None:
    one = [(0, 0, 0), (0, 1, 50), (1, 0, 2000), (1, 1, 2050)]
    two = [(1, 0, 0), (1, 1, 50)]
    assert split_recordings(one + two) == [one, two]
    assert split_recordings([]) == []


def test_fifo_lines_are_the_recording_format() -> None:
    assert parse_edge("1500 D0 0") == (0, 0, 1500)
    assert parse_edge("1550 d1 1  # rising") == (1, 1, 1550)
    assert parse_edge("# a comment") is None and parse_edge("   ") is None
    with pytest.raises(ValueError, match="expected 't_us line level'"):
        parse_edge("1500 D2 0")


def test_one_agent_per_data_directory_and_a_failed_start_lets_go(tmp_path: Path) -> None:
    def broken_door(settings: DoorSettings) -> FakeDoorIO:
        if settings.config.door == 2:
            raise DoorHardwareError("cannot claim GPIO pins")
        return FakeDoorIO()

    config = make_config(tmp_path)
    failing = Agent(config, door_io=broken_door)
    with pytest.raises(DoorHardwareError):
        failing.start()
    assert not failing.started

    first = Agent(config, door_io=Doors())  # the failed start released everything
    first.start()
    try:
        second = Agent(config, door_io=Doors())
        with pytest.raises(DataDirLockedError, match=f"another agent \\(pid {os.getpid()}\\)"):
            second.start()
        assert first.access is not None
        assert first.access.card(1, CARD) == GRANTED  # the first one is unharmed
    finally:
        assert first.stop().clean
    assert [kind for _s, kind, _p in stored(tmp_path)] == ["access"]
