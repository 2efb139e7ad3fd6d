"""``vratnik bench push``: a full snapshot of 100,000 cards to one controller, end to end.

A real Mosquitto on loopback, the hub's SyncService and a real EdgeSync (sim.bench.syncrig).
Once the edge runs the site's small list, the hub is given a list of ``cards`` cards for
the controller (built with the same AccessListBuilder the compiler feeds, so the compile
itself, measured by ``vratnik bench compile``, stays out of this figure) and publishes its
manifest. Timed: manifest published -> the edge asks for the snapshot -> chunks through
the hub's rollout (its token bucket at ``snapshot_bytes_per_second``) -> the edge
assembles, verifies the SHA-256 and installs (its ``in_sync``).
"""

from __future__ import annotations

import hashlib
import logging
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from hub.compiler.deltas import ListKeeper
from hub.sync.service import SyncService
from protocols.portable.accesslist import AccessList, AccessListBuilder, encode_snapshot
from protocols.portable.cardkey import card_key, raw_format
from sim.bench.registry import Figure, register
from sim.bench.syncrig import CONTROLLER, READER, sync_rig, wait_in_sync

ALWAYS = [(0, 0xFFFFFFFF)]
MIFARE_32 = raw_format(32)


def _big_list(site: str, version: int, cards: int) -> AccessList:
    builder = AccessListBuilder(version, site=site, controller=CONTROLLER, salt=b"s" * 16)
    builder.reader(READER)
    profile = builder.profile({READER: builder.schedule(ALWAYS)})
    # 32-bit MIFARE serial numbers are random: nothing for the encoding to exploit
    chance = random.Random(cards)  # noqa: S311 - test data, not secrets
    for value in chance.sample(range(1, 1 << 32), cards):
        builder.card(card_key(MIFARE_32, value), profile)
    return builder.build()


def _give(hub: SyncService, controller_id: int, lst: AccessList) -> int:
    """Make ``lst`` the controller's desired list in the hub; its snapshot's size."""
    found = hub.lists.state(controller_id)
    if found is None:
        raise RuntimeError("the hub has not loaded the controller")
    site, state = found
    data = encode_snapshot(lst)
    with site.lock:
        site.compiled.keepers[state.code] = ListKeeper(lst)
        state.version, state.snapshot = lst.version, data
        state.content_hash, state.dirty = hashlib.sha256(data).digest(), False
        state.deltas.clear()  # only a snapshot leads there
    return len(data)


@register("push", "full snapshot push of 100,000 cards to one controller, end to end "
          "(manifest, request, chunks, verify, install; real Mosquitto)",
          quick={"cards": 2000})
def bench_push(cards: int = 100_000, bytes_per_second: float = 8_000_000.0
               ) -> Iterator[Figure]:
    """Seconds from the manifest to the installed list, and the MB/s that makes."""
    logging.getLogger("hub").setLevel(logging.WARNING)
    logging.getLogger("edge").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="vratnik-bench-push-") as folder, \
            sync_rig(Path(folder), snapshot_bytes_per_second=bytes_per_second) as rig:
        edge = rig.edge()
        try:
            wait_in_sync(edge)
            status = edge.status()
            version = (status.list_version or 0) + 1
            lst = _big_list(rig.site.code, version, cards)
            size = _give(rig.hub, rig.site.controller_id, lst)
            start = time.perf_counter()
            rig.hub.rollout.manifest(rig.site.controller_id)
            deadline = time.monotonic() + 600
            while edge.status().list_version != version or not edge.status().in_sync:
                if time.monotonic() > deadline:
                    raise RuntimeError("the edge never installed the big list")
                time.sleep(0.002)
            seconds = time.perf_counter() - start
            if edge.active.current is None or len(edge.active.current.cards()) != cards:
                raise RuntimeError("the installed list does not hold every card")
        finally:
            edge.stop()
    params: dict[str, object] = {"cards": cards, "bytes": size,
                                 "rate_limit_bytes_s": bytes_per_second}
    yield Figure("push", "snapshot_push_seconds", seconds, "s", "lower", params=params)
    yield Figure("push", "snapshot_push_rate", size / seconds / 1e6, "MB/s", "higher",
                 params=params)
