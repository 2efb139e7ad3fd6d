"""``vratnik bench outbox``: what durability costs on this disk.

Measures the edge outbox (edge/store/outbox.py) on a temporary directory, or on
``directory`` (point it at the SD card of a real controller):

* append throughput with one ``fdatasync`` per event and with batches (``append_many``),
  each next to a baseline measured in the same run: a bare ``os.write`` +
  ``fdatasync`` of the same record bytes, the floor any durable log pays;
* p99 latency of a durable single append (how long a door event waits to be stored);
* write amplification: bytes the kernel sends to storage per byte of event, from
  ``/proc/self/io`` (a 120-byte event fsynced alone still costs a whole 4 KiB page,
  before the file system's journal adds its own);
* ack rate, backlog read rate (``pending``), and the time to open (recover) a full outbox.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from edge.store import records
from edge.store.fsutil import datasync
from edge.store.outbox import Outbox, OutboxConfig
from sim.bench.registry import Figure, register

EVENT = bytes(range(100))  # about the size of one CBOR access event without a photo
KIND = "access"
# Goals (no issue sets numbers for the outbox; these come from the workload):
# a concentrator's worst burst is a shift change, 4 readers x ~2 swipes/s; 200/s is 25x
# that even with one fsync per event. Draining a day's backlog (~20,000 events) through
# batches should take seconds, and a door event should be stored within 20 ms.
GOAL_SINGLE = 200.0  # events/s
GOAL_BATCHED = 10_000.0  # events/s
GOAL_P99_MS = 20.0
GOAL_OPEN_S = 5.0  # open a full outbox at boot


def _write_bytes() -> int | None:
    """Bytes this process caused to be sent to storage so far (Linux only)."""
    try:
        for line in Path("/proc/self/io").read_text(encoding="ascii").splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _raw_baseline(directory: Path, events: int, batch: int) -> float:
    """Events/s of bare appends + one fdatasync per ``batch`` records."""
    record = records.encode(1, KIND, EVENT, False)
    path = directory / "raw.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        start = time.perf_counter()
        for _ in range(events // batch):
            os.write(fd, record * batch)
            datasync(fd)
        elapsed = time.perf_counter() - start
    finally:
        os.close(fd)
        path.unlink()
    return (events // batch) * batch / elapsed


def _appends(box: Outbox, events: int, batch: int, latencies: list[float]) -> float:
    """Events/s of ``append`` (batch 1) or ``append_many``; per-call latencies collected."""
    items = [(KIND, EVENT)] * batch
    start = time.perf_counter()
    for _ in range(events // batch):
        t0 = time.perf_counter()
        if batch == 1:
            box.append(KIND, EVENT)
        else:
            box.append_many(items)
        latencies.append(time.perf_counter() - t0)
    return (events // batch) * batch / (time.perf_counter() - start)


def _interleaved(root: Path, name: str, events: int, batch: int,
                 rounds: int) -> tuple[float, float, list[float], int | None]:
    """Median rates of the outbox and of the bare baseline, measured in alternating rounds
    so that a noisy shared disk disturbs both alike; also latencies and bytes written."""
    ours: list[float] = []
    bare: list[float] = []
    latencies: list[float] = []
    written = 0
    with Outbox(root / name) as box:
        for _ in range(rounds):
            bare.append(_raw_baseline(root, events // rounds, batch))
            before = _write_bytes()
            ours.append(_appends(box, events // rounds, batch, latencies))
            after = _write_bytes()
            written = -1 if before is None or after is None or written < 0 else (
                written + after - before)
    return statistics.median(ours), statistics.median(bare), latencies, (
        None if written < 0 else written)


@register("outbox", "edge outbox: durable appends (per event, batched), acks, backlog reads, "
          "recovery", quick={"events": 300, "batch": 50, "open_events": 3000, "rounds": 2})
def bench_outbox(events: int = 5000, batch: int = 100, open_events: int = 100_000,
                 rounds: int = 5, directory: str | None = None) -> Iterator[Figure]:
    """Yield the outbox figures (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="vratnik-bench-outbox-", dir=directory) as tmp:
        root = Path(tmp)
        params: dict[str, object] = {"events": events, "event_bytes": len(EVENT)}
        rate, raw_single, latencies, written = _interleaved(root, "single", events, 1, rounds)
        yield Figure("outbox", "append_fsync_each", rate, "events/s", "higher", GOAL_SINGLE,
                     raw_single, "bare write+fdatasync", params)
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        yield Figure("outbox", "append_p99", p99, "ms", "lower", GOAL_P99_MS, params=params)
        if written is not None:
            logical = events // rounds * rounds * records.record_size(KIND, EVENT)
            yield Figure("outbox", "write_amplification", written / logical, "x", "lower",
                         params={**params, "note": "page-level, journal not counted"})

        rate, raw_batched, _lat, _w = _interleaved(root, "batched", events * 4, batch, rounds)
        yield Figure("outbox", "append_batched", rate, "events/s", "higher", GOAL_BATCHED,
                     raw_batched, "bare write+fdatasync", {**params, "batch": batch})

        cfg = OutboxConfig(max_bytes=1 << 30, max_events=10_000_000)
        with Outbox(root / "backlog", cfg) as box:
            step = 500
            for _ in range(open_events // step):
                box.append_many([(KIND, EVENT)] * step)
            start = time.perf_counter()
            seen = after = 0
            while page := box.pending(after, 256):
                seen += len(page)
                after = page[-1].seq
            read_rate = seen / (time.perf_counter() - start)
            size_mb = box.stats().bytes / 1e6
        start = time.perf_counter()
        with Outbox(root / "backlog", cfg) as box:
            open_s = time.perf_counter() - start
            acks = min(200, box.last_seq)
            start = time.perf_counter()
            for seq in range(1, acks + 1):
                box.ack(seq)
            ack_rate = acks / (time.perf_counter() - start)
        backlog: dict[str, object] = {"events": open_events, "megabytes": round(size_mb, 1)}
        yield Figure("outbox", "pending_read", read_rate, "events/s", "higher",
                     params={**backlog, "page": 256})
        yield Figure("outbox", "open_full_outbox", open_s, "s", "lower", GOAL_OPEN_S,
                     params=backlog)
        yield Figure("outbox", "ack", ack_rate, "acks/s", "higher", params={"acks": acks})
