"""Times decide() on whatever runs it: ``micropython mp_decide.py SNAPSHOT QUERIES``.

Run by ``vratnik bench decide`` on the ``micropython`` binary (MICROPYPATH = the
repository root). Decodes the snapshot file (timed, with the heap it keeps), then makes
every decision in the QUERIES file (CBOR ``[[card, reader, now, pin, expected], ...]``,
the expected reason computed on CPython), timing each one alone, and prints one JSON
line: cards, decisions, p50/p99 in microseconds, decode seconds, resident bytes, and how
many answers differed from CPython's (must be 0). Portable: it runs on CPython too.
"""

import gc
import json
import sys
import time

from edge.core.decide import decide
from protocols.portable import cbor
from protocols.portable.accesslist_codec import decode_snapshot
from protocols.portable.ordered import sorted_ints


def _heap() -> int:
    gc.collect()
    alloc = getattr(gc, "mem_alloc", None)  # MicroPython only
    return alloc() if alloc is not None else 0


def main() -> None:
    snapshot_path = sys.argv[1]
    queries_path = sys.argv[2]
    with open(queries_path, "rb") as f:
        queries = cbor.decode(f.read(), 64 << 20, 4)
    before = _heap()
    with open(snapshot_path, "rb") as f:
        data = f.read()
    start = time.time_ns()
    compiled = decode_snapshot(data)
    decode_ns = time.time_ns() - start
    del data
    resident = _heap() - before
    times = []
    mismatches = 0
    for card, reader, now, pin, expected in queries:  # type: ignore[attr-defined]
        t0 = time.time_ns()
        got = decide(card, reader, compiled, now, pin)
        times.append(time.time_ns() - t0)
        if got != expected:
            mismatches += 1
    times = sorted_ints(times)
    n = len(times)
    print(json.dumps({
        "cards": len(compiled.keys),
        "decisions": n,
        "p50_us": times[n // 2] / 1000,
        "p99_us": times[min(n - 1, (n * 99) // 100)] / 1000,
        "decode_s": decode_ns / 1e9,
        "resident_bytes": resident,
        "mismatches": mismatches,
        "implementation": sys.implementation.name,
    }))


if __name__ == "__main__":
    main()
