"""``vratnik bench ingest``: how fast the hub stores events, against a raw batched INSERT.

The measured path is the hub's own: sealed ``event_batch`` payloads (256 events each, as
an edge sends them) go through the sync worker exactly as they come off the broker:
topic parsing, the controller's MAC verification and replay check, CBOR decoding and
schema validation, one transaction per worker batch with ``INSERT ... ON CONFLICT DO
NOTHING``, the cursor move and counter persistence, the commit, then the ``event_ack``
published through a real broker link (the embedded broker). Only the network hop from
the edge to the broker is left out.

The baseline, measured in the same run on the same database and table, is the cheapest
way to get the same rows in: the driver's ``executemany`` of a plain INSERT of ready
tuples, one transaction per batch of the same size. Rounds of the two alternate so a
noisy shared disk hits both alike. Goals (issue 4): at least 20,000 events/s on SQLite
and at least half the raw rate.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.access.controllers import create_controller
from hub.db import make_engine, make_session_factory, upgrade
from hub.events.ingest import COLUMNS, event_row
from hub.sites.services import create_site
from hub.sync.keys import current_key
from hub.sync.link import Inbound
from hub.sync.service import SyncService
from hub.sync.settings import SyncSettings
from protocols.portable import topics, wire
from protocols.portable.auth import Sealer
from sim.bench.pgserver import NoPostgresError, postgres_database
from sim.bench.registry import Figure, register

GOAL_SQLITE = 20_000.0  # events/s
GOAL_RATIO = 0.5  # of the raw batched INSERT
PER_MESSAGE = 256  # events per event_batch (the wire's maximum)


def _event(seq: int, now: int) -> dict[str, Any]:
    return {"seq": seq, "ts": now - (seq % 60), "reader": seq % 4, "door": seq % 4,
            "card": (1 << 56) | (seq * 7919 % 1_000_000), "kind": "access", "reason": 0,
            "granted": seq % 10 != 0, "faces": 1, "photo": None, "historical": False}


class Rig:
    """A hub database with one site, a running sync service and controllers to fill."""

    def __init__(self, url: str) -> None:
        upgrade(url)
        self.engine: Engine = make_engine(url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        with self.sessions() as session:
            self.site = "bench" + secrets.token_hex(3)
            site = create_site(session, code=self.site, name="bench", time_zone="UTC")
            self.site_id = site.id
            session.commit()
        self.service = SyncService(self.sessions, SyncSettings(
            client_id=f"bench-{secrets.token_hex(3)}", embedded_port=0,
            reconcile_interval=1e9)).start()
        self.service.wait_connected(10)
        self._count = 0

    def controller(self) -> tuple[int, str, Sealer]:
        """A new controller (its events start at seq 1) and a sealer with its key."""
        self._count += 1
        code = f"c{self._count}"
        with self.sessions() as session:
            controller = create_controller(session, self.site_id, code=code, name=code)
            key = current_key(session, controller.id)
            session.commit()
        self.service.refresh_site(self.site_id)
        return controller.id, code, Sealer(key.kid, key.key)

    def close(self) -> None:
        self.service.stop()
        self.engine.dispose()


def _messages(rig: Rig, code: str, sealer: Sealer, events: int) -> list[Inbound]:
    topic = topics.controller_topic(topics.DEFAULT_PREFIX, rig.site, code, "events")
    now = int(time.time())
    items = []
    for first in range(1, events + 1, PER_MESSAGE):
        batch = [_event(seq, now) for seq in range(first, min(first + PER_MESSAGE, events + 1))]
        payload = wire.pack(sealer, topic, "event_batch", {"events": batch})
        items.append(Inbound(rig.site, topic, payload, False))
    return items


def _hub_round(rig: Rig, events: int, batch_messages: int) -> float:
    """Events/s through the worker (sealed payloads prepared beforehand)."""
    _controller_id, code, sealer = rig.controller()
    items = _messages(rig, code, sealer, events)
    worker = rig.service.worker
    start = time.perf_counter()
    for first in range(0, len(items), batch_messages):
        worker.process(items[first:first + batch_messages])
    elapsed = time.perf_counter() - start
    return events / elapsed


def _raw_round(rig: Rig, events: int, batch_rows: int) -> float:
    """Events/s of the driver's executemany of plain INSERTs, one commit per batch."""
    controller_id, _code, _sealer = rig.controller()
    now = int(time.time())
    rows = [event_row(controller_id, _event(seq, now), False) for seq in range(1, events + 1)]
    sqlite = rig.engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    statement = (f"INSERT INTO events ({', '.join(COLUMNS)}) "  # noqa: S608 - constants
                 f"VALUES ({', '.join([mark] * len(COLUMNS))})")
    raw = rig.engine.raw_connection()
    try:
        cursor = raw.cursor()
        start = time.perf_counter()
        for first in range(0, events, batch_rows):
            if sqlite:  # the hub's SQLite connections are in autocommit mode
                cursor.execute("BEGIN")
            cursor.executemany(statement, rows[first:first + batch_rows])
            if sqlite:
                cursor.execute("COMMIT")
            else:
                raw.commit()
        elapsed = time.perf_counter() - start
    finally:
        raw.close()
    return events / elapsed


def _measure(url: str, backend: str, events: int, rounds: int, batch_messages: int
             ) -> Iterator[Figure]:
    rig = Rig(url)
    try:
        hub_rates, raw_rates = [], []
        for _ in range(rounds):
            hub_rates.append(_hub_round(rig, events, batch_messages))
            raw_rates.append(_raw_round(rig, events, batch_messages * PER_MESSAGE))
    finally:
        rig.close()
    hub_rate, raw_rate = max(hub_rates), max(raw_rates)  # best of the rounds, alike
    params: dict[str, object] = {
        "events": events, "rounds": rounds, "events_per_message": PER_MESSAGE,
        "events_per_transaction": batch_messages * PER_MESSAGE,
    }
    yield Figure("ingest", f"ingest_{backend}", hub_rate, "events/s", "higher",
                 GOAL_SQLITE if backend == "sqlite" else None, raw_rate,
                 "raw batched INSERT", params=params)
    yield Figure("ingest", f"ingest_{backend}_vs_raw", hub_rate / raw_rate, "x", "higher",
                 GOAL_RATIO, params=params)


@register("ingest", "hub event ingest (MAC check, decode, idempotent insert, commit, ack) "
          "into SQLite and PostgreSQL vs a raw batched INSERT",
          quick={"events": 2048, "rounds": 1})
def bench_ingest(events: int = 100_000, rounds: int = 3, batch_messages: int = 4,
                 postgresql: bool = True) -> Iterator[Figure]:
    """Figures per backend: ingest rate (goal on SQLite) and its ratio to the raw rate."""
    logging.getLogger("hub").setLevel(logging.WARNING)  # per-batch info lines are noise here
    with tempfile.TemporaryDirectory(prefix="vratnik-bench-ingest-") as folder:
        yield from _measure(f"sqlite:///{Path(folder) / 'hub.db'}", "sqlite", events, rounds,
                            batch_messages)
    if not postgresql:
        return
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_database())
        except NoPostgresError as err:
            raise RuntimeError(f"the PostgreSQL half of the benchmark cannot run: {err}") from err
        yield from _measure(url, "postgresql", events, rounds, batch_messages)

