"""Soak the sync under faults: the fault scenarios of tests/sync_faults, in a loop, with
random timings, each on a fresh database, Mosquitto, hub process and edge process.

    python scripts/soak_sync.py --minutes 30 [--seed N] [--keep DIR]

Prints one line per round and a summary; exits 1 if any round lost or duplicated an
event or did not converge (its files are kept for a look).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.mqtt import MosquittoBroker
from tests.sync_faults.harness import Rig
from tests.sync_faults.scenarios import SCENARIOS


def run_round(number: int, chance: random.Random, root: Path) -> tuple[str, int, str | None]:
    """One scenario on fresh processes: (scenario, events checked, failure or None)."""
    scenario = SCENARIOS[number % len(SCENARIOS)]
    directory = root / f"round-{number:04d}"
    with MosquittoBroker(directory / "mqtt") as broker:
        rig = Rig(directory / "rig", broker, **scenario.rig)
        try:
            events = scenario.run(rig, broker, chance)
        except AssertionError as failure:
            return scenario.name, 0, f"{failure} (files in {directory})"
        except Exception:
            return scenario.name, 0, f"{traceback.format_exc(limit=3)} (files in {directory})"
        finally:
            rig.close()
    shutil.rmtree(directory, ignore_errors=True)
    return scenario.name, events, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to run")
    parser.add_argument("--seed", type=int, default=None, help="random timings seed")
    parser.add_argument("--keep", type=Path, default=None,
                        help="directory for the rounds' files (default: a temporary one)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)  # noqa: S311

    chance = random.Random(seed)  # noqa: S311 - timings, not secrets
    root = args.keep or Path(tempfile.mkdtemp(prefix="vratnik-soak-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"soak: {args.minutes:g} min, seed {seed}, files in {root}", flush=True)
    deadline = time.monotonic() + args.minutes * 60
    rounds: Counter[str] = Counter()
    events: Counter[str] = Counter()
    failures: list[str] = []
    number = 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        name, checked, failure = run_round(number, chance, root)
        rounds[name] += 1
        events[name] += checked
        took = time.monotonic() - started
        verdict = "ok" if failure is None else f"FAILED: {failure}"
        print(f"round {number + 1}: {name}: {checked} events in {took:.1f} s: {verdict}",
              flush=True)
        if failure is not None:
            failures.append(f"round {number + 1} ({name}): {failure}")
        number += 1
    print("\nsummary")
    for scenario in SCENARIOS:
        print(f"  {scenario.name}: {rounds[scenario.name]} round(s), "
              f"{events[scenario.name]} events checked exactly once")
    print(f"  failures: {len(failures)}")
    for failure in failures:
        print(f"    {failure}")
    if not failures and args.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
