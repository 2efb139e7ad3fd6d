"""Lists, configs and waiting for the edge sync tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from edge.sync import EdgeSync, MemoryDoors, SyncConfig
from protocols.portable.accesslist import AccessList, AccessListBuilder, Delta, diff
from tests.mqtt import MosquittoBroker

T = TypeVar("T")
SITE = "plant"
KEY_ID = "k1"
WAIT = 10.0
READER = 1
DOOR = 1
ALWAYS = [(0, 0xFFFFFFFF)]


def device_key(controller: str) -> bytes:
    return (controller.encode() * 32)[:32]


def make_list(controller: str, version: int, cards: range | list[int]) -> AccessList:
    """A list where every card opens reader 1 at any time."""
    builder = AccessListBuilder(version, site=SITE, controller=controller, salt=b"s" * 16)
    builder.reader(READER)
    schedule = builder.schedule(ALWAYS)
    profile = builder.profile({READER: schedule})
    for key in cards:
        builder.card(key, profile)
    return builder.build()


def next_list(old: AccessList, cards: range | list[int]) -> tuple[AccessList, Delta]:
    """The list one version on with ``cards``, and the delta to it."""
    new = make_list(old.controller, old.version + 1, cards)
    return new, diff(old, new)


def config(broker: MosquittoBroker, data_dir: Path, controller: str = "door-1",
           **overrides: object) -> SyncConfig:
    values: dict[str, object] = {
        "broker_url": broker.url, "site": SITE, "controller": controller, "key_id": KEY_ID,
        "device_key": device_key(controller), "data_dir": data_dir,
        "reconnect_min": 0.05, "reconnect_max": 0.5, "ack_timeout": 5.0,
        "request_timeout": 5.0, "readers": ((READER, "sim"),),
    }
    if broker.secure:
        username = f"{SITE}.{controller}"  # production's account names
        values.update(ca_file=broker.ca_file, username=username,
                      password=broker.password_of(username))
    values.update(overrides)
    return SyncConfig(**values)  # type: ignore[arg-type]


def make_edge(broker: MosquittoBroker, data_dir: Path, controller: str = "door-1",
              clock: Callable[[], float] = time.time, **overrides: object) -> EdgeSync:
    return EdgeSync(config(broker, data_dir, controller, **overrides),
                    MemoryDoors([DOOR], clock), clock=clock)


def wait_until(predicate: Callable[[], T | None], timeout: float = WAIT,
               what: str = "condition") -> T:
    """Poll ``predicate`` (it reads another thread's state) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class ShiftedClock:
    """Real time plus an offset the test moves (commands that arrive late)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset
