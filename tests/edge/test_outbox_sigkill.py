"""Kill a writer process at random instants, many times; prove nothing reported is lost.

The writer (``writer_main`` below, run in a subprocess) opens the outbox, appends events
(single appends and batches) and prints a line for each seq only after ``append`` or
``append_many`` returned, i.e. after the record was durable. The test SIGKILLs it after a
seeded random delay, starts the next writer on the same directory (which recovers the
outbox), and at the end proves:

* every event the writers reported as stored is there, with its exact payload;
* no event is stored twice; seqs are strictly increasing and never reused, across runs;
* every gap in the seqs is named by a marker event (a torn write or an eviction).

Variants: acks and pruning running concurrently with the writes (a second thread acks
what it reads, as the hub would), and a small outbox that evicts under the kills.
This module does not import pytest so that each writer process starts quickly.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import cbor2

from edge.store.errors import OutboxFullError
from edge.store.outbox import Event, Outbox, OutboxConfig

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("VRATNIK_SIGKILL_SEED", "20240602"))
ALARM_EVERY = 9  # every 9th event of a writer is an alarm ("door_forced")


# -- the writer process ------------------------------------------------------------------

def expected_payload(run: int, i: int) -> bytes:
    pad = bytes((run * 31 + i * 7 + k) % 256 for k in range((i * 13) % 180))
    return cbor2.dumps({"r": run, "i": i, "pad": pad})


def kind_of(i: int, mode: str) -> str:
    every = ALARM_EVERY if mode != "full" else 50  # the small outbox: fewer alarms
    return "door_forced" if i % every == 0 else "access"


def config_for(mode: str) -> OutboxConfig:
    if mode == "plain":
        return OutboxConfig(segment_bytes=64 * 1024, max_bytes=64 << 20)
    if mode == "acks":
        return OutboxConfig(segment_bytes=4096, max_bytes=1 << 20)
    # "full": a small outbox that evicts all the time
    return OutboxConfig(segment_bytes=4096, max_bytes=64 * 1024, reserve_bytes=1 << 20)


def writer_main(directory: str, run: int, mode: str, seed: int) -> None:
    """Append forever, reporting each seq after it is durable (run by the test, then killed)."""
    rng = random.Random(seed)
    out_lock = threading.Lock()

    def report(text: str) -> None:
        with out_lock:
            os.write(1, text.encode())  # one write per report: nothing half-printed

    box = Outbox(directory, config_for(mode))
    report(f"O {box.last_seq} {box.acked_seq} {box.status.level}\n")
    if mode == "acks":
        threading.Thread(target=_acker, args=(box, report), daemon=True).start()
    i = 0
    while True:
        n = 1 if rng.random() < 0.5 else rng.randint(2, 25)
        batch = [(kind_of(i + k, mode), expected_payload(run, i + k)) for k in range(n)]
        try:
            seqs = [box.append(*batch[0])] if n == 1 else box.append_many(batch)
        except OutboxFullError:  # the documented refusal: the caller is told
            report(f"R {n}\n")
            i += n
            continue
        report("".join(f"S {seq} {run} {i + k}\n" for k, seq in enumerate(seqs)))
        i += n


def _acker(box: Outbox, report: Callable[[str], None]) -> None:
    """Acknowledge what was read, like the hub: pending, then ack the page's last seq."""
    while True:
        page = box.pending(0, 40)
        if page:
            box.ack(page[-1].seq)
            report(f"A {page[-1].seq}\n")
        time.sleep(0.001)


# -- the test driver ---------------------------------------------------------------------

class Reported:
    """What the writers said before they died."""

    def __init__(self) -> None:
        self.stored: dict[int, tuple[int, int]] = {}  # seq -> (run, i)
        self.acked = 0
        self.last = 0  # the highest seq reported so far
        self.rejected = 0  # events refused with OutboxFullError (the "full" variant)
        self.runs_with_events = 0
        self.opened = 0
        self.recovered = 0  # opens that found a crash's leftovers (a torn record, ...)

    def summary(self, events: list[Event]) -> str:
        kinds = [e.kind for e in events]
        return (f"{self.opened} opens ({self.recovered} recovered leftovers), "
                f"{self.runs_with_events} runs appended, {len(self.stored)} events reported, "
                f"{len(events)} stored now, {kinds.count('outbox_lost')} torn-write markers, "
                f"{kinds.count('outbox_dropped')} eviction markers, {self.rejected} refused, "
                f"last ack reported {self.acked}")

    def take(self, run: int, text: str) -> None:
        count = 0
        for line in text.splitlines():
            tag, *fields = line.split()
            if tag == "S":
                seq, r, i = map(int, fields)
                assert r == run
                assert seq not in self.stored, f"seq {seq} handed out twice"
                assert seq > self.last, f"run {run} got seq {seq} after seq {self.last}"
                self.stored[seq] = (r, i)
                self.last = seq
                count += 1
            elif tag == "A":
                self.acked = max(self.acked, int(fields[0]))
            elif tag == "R":
                self.rejected += int(fields[0])
            elif tag == "O":
                self.opened += 1
                self.recovered += fields[2] != "ok"
        self.runs_with_events += count > 0


@contextmanager
def writer(directory: Path, run: int, mode: str) -> Iterator[subprocess.Popen[bytes]]:
    code = ("import sys; from tests.edge.test_outbox_sigkill import writer_main; "
            "writer_main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with subprocess.Popen([sys.executable, "-c", code, str(directory), str(run), mode,
                           str(SEED + run)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=ROOT, env=env) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()


def _drain(stream: IO[bytes], chunks: list[bytes], opened: threading.Event) -> None:
    """Read the writer's reports as they come, so it never blocks on a full pipe."""
    while chunk := stream.read1(65536):  # type: ignore[attr-defined]
        chunks.append(chunk)
        opened.set()  # the first report is "O": the outbox is open and recovered


def kill_many(directory: Path, mode: str, kills: int, max_delay: float) -> Reported:
    """Start a writer, SIGKILL it at a random instant, ``kills`` times.

    A quarter of the kills come at any instant after the start (interpreter start-up,
    recovery of the previous run's leftovers); the rest come a random time after the
    outbox is open, while the writer appends, rotates, prunes and evicts.
    """
    rng = random.Random(SEED)
    reported = Reported()
    for run in range(kills):
        with writer(directory, run, mode) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            chunks: list[bytes] = []
            opened = threading.Event()
            drain = threading.Thread(target=_drain, args=(proc.stdout, chunks, opened))
            drain.start()
            if rng.random() < 0.25:
                time.sleep(rng.uniform(0.0, 0.25))
            else:
                opened.wait(timeout=30)
                time.sleep(rng.uniform(0.0, max_delay))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            drain.join()
            err = proc.stderr.read().decode()
            assert proc.returncode == -signal.SIGKILL, f"writer died on its own:\n{err}"
        reported.take(run, b"".join(chunks).decode())
    return reported


def read_all(directory: Path, mode: str) -> tuple[list[Event], int]:
    with Outbox(directory, config_for(mode)) as box:
        assert box.status.level in ("ok", "notice"), box.status.message
        return box.pending(0, 10**9), box.acked_seq


def marker_ranges(events: list[Event], kind: str) -> set[int]:
    covered: set[int] = set()
    for event in events:
        if event.kind == kind:
            fields = cbor2.loads(event.payload)
            covered.update(range(fields["first"], fields["last"] + 1))
    return covered


def check_events(events: list[Event], reported: Reported, acked: int, mode: str) -> None:
    """The properties every variant must have; see the module docstring."""
    seqs = [e.seq for e in events]
    assert seqs == sorted(set(seqs)), "seqs not strictly increasing"
    by_seq = {e.seq: e for e in events}
    identities: set[tuple[int, int]] = set()
    for event in events:
        if event.kind.startswith("outbox_"):
            continue
        fields = cbor2.loads(event.payload)
        identity = (fields["r"], fields["i"])
        assert identity not in identities, f"event {identity} stored twice"
        identities.add(identity)
        assert event.payload == expected_payload(*identity), f"payload of seq {event.seq} damaged"
        assert event.kind == kind_of(identity[1], mode)
    dropped = marker_ranges(events, "outbox_dropped")
    lost = marker_ranges(events, "outbox_lost")
    for seq, (run, i) in reported.stored.items():
        if seq <= acked:
            continue  # acknowledged by the hub, may be pruned
        if seq in by_seq:
            fields = cbor2.loads(by_seq[seq].payload)
            assert (fields["r"], fields["i"]) == (run, i), f"seq {seq} holds another event"
        else:
            assert seq in dropped and kind_of(i, mode) == "access", (
                f"reported seq {seq} ({kind_of(i, mode)}, run {run}) is lost")
            assert mode == "full"
    assert not lost & set(reported.stored), "a reported seq was declared lost"
    if seqs:
        gaps = set(range(max(acked + 1, seqs[0]), seqs[-1] + 1)) - set(seqs)
        assert gaps <= dropped | lost, f"unexplained gaps: {sorted(gaps - dropped - lost)[:10]}"


def test_sigkill_at_random_instants_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    reported = kill_many(tmp_path, "plain", kills=40, max_delay=0.2)
    events, acked = read_all(tmp_path, "plain")
    print(reported.summary(events))
    assert acked == 0
    check_events(events, reported, acked, "plain")
    # the kills hit a writer that was busy, not only interpreters starting up
    assert reported.runs_with_events >= 20, reported.runs_with_events
    assert len(reported.stored) >= 2000
    stored_ids = {(r, i) for r, i in reported.stored.values()}
    present = {(cbor2.loads(e.payload)["r"], cbor2.loads(e.payload)["i"])
               for e in events if e.kind != "outbox_lost"}
    assert stored_ids <= present


def test_sigkill_while_acks_prune_segments_concurrently(tmp_path: Path) -> None:
    reported = kill_many(tmp_path, "acks", kills=16, max_delay=0.3)
    events, acked = read_all(tmp_path, "acks")
    print(reported.summary(events))
    assert acked >= reported.acked, "an ack reported as persisted was lost"
    assert reported.acked > 0
    check_events(events, reported, acked, "acks")
    # pruning kept up: the files hold little beyond the unacknowledged tail
    on_disk = sum(p.stat().st_size for p in tmp_path.glob("seg-*.log"))
    assert on_disk < 4096 * (3 + len(events) // 20), on_disk
    assert all(e.seq > acked for e in events)


def test_sigkill_while_the_full_outbox_evicts(tmp_path: Path) -> None:
    reported = kill_many(tmp_path, "full", kills=14, max_delay=0.3)
    events, acked = read_all(tmp_path, "full")
    print(reported.summary(events))
    check_events(events, reported, acked, "full")
    assert marker_ranges(events, "outbox_dropped"), "the outbox never filled up"
    alarms = {seq for seq, (_r, i) in reported.stored.items() if kind_of(i, "full") != "access"}
    assert alarms <= {e.seq for e in events}, "an alarm was evicted"
