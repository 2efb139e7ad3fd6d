"""``vratnik bench activate``: from the activation call to the edge deciding GRANTED.

A real Mosquitto on loopback (sim.bench.syncrig), the hub's SyncService on SQLite and a
real EdgeSync, in this process. Each round issues a new card to a person (not timed),
then times ``hub.sync.activation.activate`` (what ``POST .../badges/<id>/activate`` runs)
until the edge's active list decides GRANTED for that card; then the same for
``deactivate`` until it no longer does. A watcher thread checks the edge's current list
every 0.5 ms with ``edge.core.decide`` (exactly what a swipe runs, without recording an
event). Goal (issue 4): p99 <= 250 ms.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from edge.core.decide import decide
from edge.core.reasons import GRANTED
from edge.sync import EdgeSync
from hub.badges import services as badges
from hub.sync.activation import activate
from hub.sync.service import SyncService
from sim.bench.registry import Figure, register
from sim.bench.syncrig import READER, sync_rig, wait_in_sync

GOAL_MS = 250.0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _time_until(condition: Callable[[], bool], action: Callable[[], object],
                timeout: float = 5.0) -> float:
    """Seconds from calling ``action`` until ``condition`` holds (checked every 0.5 ms in
    a thread of its own, so a slow ``action`` return does not delay the observation)."""
    seen = threading.Event()
    stamp: list[float] = []

    def watch() -> None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if condition():
                stamp.append(time.perf_counter())
                seen.set()
                return
            time.sleep(0.0005)

    watcher = threading.Thread(target=watch, daemon=True)
    start = time.perf_counter()
    watcher.start()
    action()
    if not seen.wait(timeout):
        raise RuntimeError("the edge never decided with the new state")
    watcher.join()
    return stamp[0] - start


@register("activate", "card activation/deactivation: API call to the edge deciding with the "
          "new state (real Mosquitto, loopback)", quick={"rounds": 5})
def bench_activate(rounds: int = 200) -> Iterator[Figure]:
    """p50/p99 milliseconds of activation and deactivation to the edge's decision."""
    logging.getLogger("hub").setLevel(logging.WARNING)
    logging.getLogger("edge").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="vratnik-bench-activate-") as folder, \
            sync_rig(Path(folder)) as rig:
        edge = rig.edge()
        try:
            wait_in_sync(edge)
            yield from _rounds(rig.hub, edge, rig.sessions, rig.site.site_id,
                               rig.site.person_id, rounds)
        finally:
            edge.stop()


def _rounds(hub: SyncService, edge: EdgeSync, sessions: sessionmaker[Session], site_id: int,
            person_id: int, rounds: int) -> Iterator[Figure]:
    on_ms: list[float] = []
    off_ms: list[float] = []
    for number in range(rounds):
        card = f"H10301:200:{number + 1}"
        with sessions() as db:
            badge = badges.register_badge(db, site_id, card)
            badges.issue_badge(db, badge.id, person_id=person_id)
            db.commit()
            badge_id = badge.id
        key = badges.parse_card(card)

        def granted(key: int = key) -> bool:
            current = edge.active.current
            return current is not None and \
                decide(key, READER, current, int(time.time())) == GRANTED

        def refused(key: int = key) -> bool:
            return not granted(key)

        on_ms.append(1000 * _time_until(granted, partial(activate, hub, site_id, badge_id)))
        off_ms.append(1000 * _time_until(
            refused, partial(activate, hub, site_id, badge_id, deactivate=True)))
    params: dict[str, object] = {"rounds": rounds, "broker": "mosquitto"}
    for what, values in (("activate", on_ms), ("deactivate", off_ms)):
        yield Figure("activate", f"{what}_p50", _percentile(values, 0.5), "ms", "lower",
                     params=params)
        yield Figure("activate", f"{what}_p99", _percentile(values, 0.99), "ms", "lower",
                     goal=GOAL_MS, params=params)
