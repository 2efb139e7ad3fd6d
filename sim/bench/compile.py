"""``vratnik bench compile``: the hub's access-list compiler on a 100,000-person site.

The site is hub/compiler/synthetic.py's campus (seeded): 100,000 persons, 2,000 groups,
1,000 access points on 250 controllers; the 10 gate controllers list every card, heads
(2% of persons) are listed on every controller. Figures (issue 3, section 6):

* ``full_compile``: rules -> 250 access lists from scratch (``compile_site``); goal 30 s;
* ``compiled_site``: the same plus the incremental compiler's indexes and block-wise
  hash states (``CompiledSite``), what a hub pays at start; goal 30 s;
* ``change_p50`` / ``change_p99``: one badge change (validity, PIN, withdrawal or a new
  card, on random persons) to the deltas of every affected controller, hashes included;
  goal 50 ms; baseline: the same change done by rebuilding each affected list and
  ``diff``-ing it (median of a few changes, measured in the same run);
* ``change_everywhere``: a validity change of persons listed on every controller (heads);
* ``delta_bytes``: median encoded size of one controller's delta for one badge change.

The incremental compiler is built with ``compile_frozen`` (the cyclic garbage collector
paused during the compile, the heap frozen after it), as a hub should: the compiled
site holds millions of objects, and collections over them would add pauses of a hundred
milliseconds and more to random changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import random
import statistics
import time
from collections.abc import Iterator

from hub.compiler import changes as ch
from hub.compiler.compile import CompileOptions, build_list, compile_site
from hub.compiler.incremental import CompiledSite, compile_frozen
from hub.compiler.rules import Badge, Person
from hub.compiler.synthetic import Size, synthetic_site
from protocols.portable.accesslist import Delta, diff, encode_delta
from sim.bench.registry import Figure, register

BENCH = "compile"
GOAL_FULL_S = 30.0
GOAL_CHANGE_MS = 50.0
TODAY = dt.date(2026, 3, 20)


def _changed(
    person: Person, rnd: random.Random, now: dt.datetime, validity_only: bool = False
) -> Person:
    """The person with one badge changed: validity, PIN, withdrawn, or a new card."""
    badge = person.badges[0]
    roll = 0.0 if validity_only else rnd.random()
    if roll < 0.4:
        new = dataclasses.replace(badge, valid_to=now + dt.timedelta(days=rnd.randint(1, 60)))
    elif roll < 0.6:  # only lists with a PIN reader in the card's profile change
        new = dataclasses.replace(badge, pin=f"{rnd.randrange(10000):04d}")
    elif roll < 0.8:
        new = dataclasses.replace(badge, state="withdrawn", withdrawn_at=now)
    else:  # the old card is withdrawn and a new one issued
        withdrawn = dataclasses.replace(badge, state="withdrawn", withdrawn_at=now)
        return dataclasses.replace(person, badges=(withdrawn, Badge(badge.key + (1 << 40))))
    return dataclasses.replace(person, badges=(new, *person.badges[1:]))


def _timed_change(site: CompiledSite, person: Person) -> tuple[float, dict[str, Delta]]:
    start = time.perf_counter()
    deltas = site.apply(ch.PersonSet(person))
    return time.perf_counter() - start, deltas


def _baseline(site: CompiledSite, controllers: list[str]) -> float:
    """Rebuild the affected lists from the plans and diff them (the non-incremental way)."""
    start = time.perf_counter()
    for ctl in controllers:
        keeper = site.keepers[ctl]
        fresh = build_list(site.rules, site.plans[ctl], site.options, keeper.version + 1)
        diff(keeper.current, fresh)
    return time.perf_counter() - start


@register("compile", "hub access-list compiler: full compile of a 100,000-person site, one "
          "badge change to its deltas",
          quick={"persons": 3000, "groups": 120, "controllers": 30, "buildings": 4,
                 "changes": 12, "baseline_changes": 2})
def bench_compile(persons: int = 100_000, groups: int = 2_000, controllers: int = 250,
                  buildings: int = 20, changes: int = 50, baseline_changes: int = 5,
                  seed: int = 1) -> Iterator[Figure]:
    """Yield the compiler figures (see the module docstring)."""
    size = Size(persons, groups, controllers, buildings)
    rules = synthetic_site(size, seed, TODAY)
    options = CompileOptions(int(dt.datetime.combine(TODAY, dt.time(), dt.UTC).timestamp()),
                             secret=b"bench")
    params: dict[str, object] = {"persons": persons, "groups": groups,
                                 "points": len(rules.access_points), "controllers": controllers}

    start = time.perf_counter()
    lists = compile_site(rules, options)
    full = time.perf_counter() - start
    cards = sum(len(lst.keys) for lst in lists.values())
    biggest = max(len(lst.keys) for lst in lists.values())
    del lists
    yield Figure(BENCH, "full_compile", full, "s", goal=GOAL_FULL_S,
                 params={**params, "cards": cards, "max_cards": biggest})

    start = time.perf_counter()
    site = compile_frozen(rules, options)  # the collector paused, then the heap frozen
    yield Figure(BENCH, "compiled_site", time.perf_counter() - start, "s", goal=GOAL_FULL_S,
                 params=params)

    rnd = random.Random(seed)  # noqa: S311 - benchmark data
    now = dt.datetime.combine(TODAY, dt.time(9), dt.UTC)
    everywhere = {p.id for p in rules.persons.values()
                  if p.main_policy_id is not None
                  and rules.policies[p.main_policy_id].name.startswith("head")}
    ids = sorted(rules.persons)
    times: list[float] = []
    touched: list[int] = []
    sizes: list[int] = []
    baseline: list[float] = []
    for n in range(changes):
        person = site.rules.persons[rnd.choice(ids)]
        took, deltas = _timed_change(site, _changed(person, rnd, now))
        times.append(took)
        touched.append(len(deltas))
        sizes.extend(len(encode_delta(d)) for d in deltas.values())
        if n < baseline_changes and deltas:
            baseline.append(_baseline(site, list(deltas)))
    heads: list[float] = []
    heads_touched: list[int] = []
    for ident in sorted(everywhere)[: max(3, changes // 10)]:
        head = _changed(site.rules.persons[ident], rnd, now, validity_only=True)
        took, deltas = _timed_change(site, head)
        heads.append(took)
        heads_touched.append(len(deltas))
    gc.unfreeze()
    base_ms = statistics.median(baseline) * 1000 if baseline else None
    change_params = {**params, "changes": changes,
                     "controllers_touched_p50": statistics.median(touched)}
    yield Figure(BENCH, "change_p50", statistics.median(times) * 1000, "ms",
                 goal=GOAL_CHANGE_MS, baseline=base_ms, baseline_name="rebuild+diff",
                 params=change_params)
    yield Figure(BENCH, "change_p99", _p99(times) * 1000, "ms", goal=GOAL_CHANGE_MS,
                 params=change_params)
    yield Figure(BENCH, "change_everywhere", statistics.median(heads) * 1000, "ms",
                 goal=GOAL_CHANGE_MS, params={**params, "changes": len(heads),
                                              "controllers_touched": min(heads_touched)})
    yield Figure(BENCH, "delta_bytes", statistics.median(sizes) if sizes else 0.0, "bytes",
                 params={"deltas": len(sizes)})


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
