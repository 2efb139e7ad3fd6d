"""The event outbox: durability, sequence numbers, acks, recovery and the capacity policy."""

from __future__ import annotations

import errno
import os
import shutil
import threading
import time
from pathlib import Path

import cbor2
import pytest

from edge.store import outbox as outbox_mod
from edge.store import records, segment
from edge.store.errors import AckError, OutboxClosedError, OutboxError, OutboxFullError
from edge.store.outbox import Event, Outbox, OutboxConfig

SMALL = OutboxConfig(max_bytes=64 * 1024, max_events=100_000, segment_bytes=8192,
                     reserve_bytes=8192, reserve_events=1000)


def payload(i: int, size: int = 100) -> bytes:
    return cbor2.dumps({"i": i, "pad": bytes(size)})


def seg_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("seg-*.log"))


def markers(events: list[Event], kind: str) -> list[dict[str, int]]:
    """The payloads of the marker events of ``kind``, without their timestamp (checked)."""
    found = [cbor2.loads(e.payload) for e in events if e.kind == kind]
    for fields in found:
        assert abs(fields.pop("ts") - time.time()) < 600
    return found


def all_events(box: Outbox) -> list[Event]:
    return box.pending(0, 10**9)


def test_append_returns_increasing_seqs_and_pending_returns_the_events(tmp_path: Path) -> None:
    with Outbox(tmp_path) as box:
        assert box.status.level == "ok"
        assert [box.append("access", payload(i)) for i in range(3)] == [1, 2, 3]
        assert box.append_many([("access", payload(3)), ("door_held", payload(4))]) == [4, 5]
        assert box.append_many([]) == []
        events = all_events(box)
    assert [(e.seq, e.kind, e.payload, e.kept) for e in events] == [
        (1, "access", payload(0), False), (2, "access", payload(1), False),
        (3, "access", payload(2), False), (4, "access", payload(3), False),
        (5, "door_held", payload(4), True)]


def test_events_and_seqs_survive_reopening(tmp_path: Path) -> None:
    with Outbox(tmp_path) as box:
        box.append_many([("access", payload(i)) for i in range(10)])
    with Outbox(tmp_path) as box:
        assert box.status.level == "ok"
        assert box.last_seq == 10
        assert [cbor2.loads(e.payload)["i"] for e in all_events(box)] == list(range(10))
        assert box.append("access", payload(10)) == 11


def test_pending_pages_through_segments_in_order(tmp_path: Path) -> None:
    with Outbox(tmp_path, SMALL) as box:
        box.append_many([("access", payload(i)) for i in range(60)])
        for i in range(60, 300):
            box.append("access", payload(i))
        assert len(seg_files(tmp_path)) > 3
        seen, after = [], 0
        while page := box.pending(after, 37):
            seen += [e.seq for e in page]
            after = page[-1].seq
        assert seen == list(range(1, 301))
        assert [e.seq for e in box.pending(150, 3)] == [151, 152, 153]
        assert box.pending(300, 10) == []


def test_ack_is_persisted_and_prunes_fully_acknowledged_segments(tmp_path: Path) -> None:
    with Outbox(tmp_path, SMALL) as box:
        for i in range(300):
            box.append("access", payload(i))
        files_before = len(seg_files(tmp_path))
        box.ack(250)
        assert box.acked_seq == 250
        assert [e.seq for e in box.pending(0, 100)] == list(range(251, 301))
        assert len(seg_files(tmp_path)) < files_before
        box.ack(100)  # a late, smaller ack changes nothing
        assert box.acked_seq == 250
        with pytest.raises(AckError, match="ack for seq 301, but the last stored event is seq 300"):
            box.ack(301)
    with Outbox(tmp_path, SMALL) as box:
        assert box.acked_seq == 250
        assert [e.seq for e in all_events(box)] == list(range(251, 301))


def test_seqs_continue_after_everything_was_acknowledged_and_pruned(tmp_path: Path) -> None:
    with Outbox(tmp_path, SMALL) as box:
        for i in range(200):
            box.append("access", payload(i))
        box.ack(200)
        box.append("access", payload(200))  # rotates: the old segments are all acked
        box.ack(201)
    (tmp_path / "acked").unlink()  # even without the ack file the seq does not repeat
    with Outbox(tmp_path, SMALL) as box:
        assert box.append("access", payload(0)) == 202


def test_a_damaged_ack_file_resends_instead_of_losing(tmp_path: Path) -> None:
    with Outbox(tmp_path) as box:
        box.append_many([("access", payload(i)) for i in range(5)])
        box.ack(3)
    (tmp_path / "acked").write_bytes(b"\xff" * 64)
    with Outbox(tmp_path) as box:
        assert box.status.level == "warning"
        assert "holds no valid acknowledgement" in box.status.message
        assert [e.seq for e in all_events(box)] == [1, 2, 3, 4, 5]


def test_a_torn_ack_slot_falls_back_to_the_previous_ack(tmp_path: Path) -> None:
    with Outbox(tmp_path) as box:
        box.append_many([("access", payload(i)) for i in range(5)])
        box.ack(2)
        box.ack(4)  # generation 2 -> slot 0
    with (tmp_path / "acked").open("r+b") as f:
        f.write(b"\0" * 20)  # tear the newest slot
    with Outbox(tmp_path) as box:
        assert box.acked_seq == 2
        assert [e.seq for e in all_events(box)] == [3, 4, 5]


def test_torn_tail_is_discarded_and_its_seq_never_reused(tmp_path: Path) -> None:
    with Outbox(tmp_path) as box:
        box.append_many([("access", payload(i)) for i in range(3)])
    active = seg_files(tmp_path)[-1]
    size = active.stat().st_size
    torn = records.encode(4, "access", payload(3), False)[:40]
    with active.open("ab") as f:
        f.write(torn)
    with Outbox(tmp_path) as box:
        assert box.status.level == "notice"
        assert "discarded 40 bytes of a record torn by a crash" in box.status.message
        events = all_events(box)
        assert [e.seq for e in events] == [1, 2, 3, 5]
        assert markers(events, "outbox_lost") == [{"first": 4, "last": 4, "reason": "torn"}]
        assert box.append("access", payload(9)) == 6
    assert active.stat().st_size > size  # the torn bytes are gone, the marker appended


def test_a_truncated_last_record_is_never_misread(tmp_path: Path) -> None:
    with Outbox(tmp_path) as box:
        box.append_many([("access", payload(i)) for i in range(3)])
    active = seg_files(tmp_path)[-1]
    os.truncate(active, active.stat().st_size - 1)
    with Outbox(tmp_path) as box:
        events = all_events(box)
        assert [e.seq for e in events] == [1, 2, 4]
        assert events[1].payload == payload(1)
        assert markers(events, "outbox_lost") == [{"first": 3, "last": 3, "reason": "torn"}]


def test_damage_inside_a_sealed_segment_loses_only_the_damaged_record(tmp_path: Path) -> None:
    with Outbox(tmp_path, SMALL) as box:
        for i in range(200):
            box.append("access", payload(i))
    first = seg_files(tmp_path)[0]
    data = bytearray(first.read_bytes())
    found, _ = records.scan(bytes(data), segment.HEADER_SIZE, 0)
    victim = found[10]
    data[victim.offset + 30] ^= 0xFF
    first.write_bytes(bytes(data))
    with Outbox(tmp_path, SMALL) as box:
        assert box.status.level == "warning"
        assert box.status.message.startswith("outbox storage damaged; " + first.name)
        assert f"lost seqs {victim.seq}..{victim.seq} (reported to the hub)" in box.status.message
        events = all_events(box)
        seqs = [e.seq for e in events]
        assert victim.seq not in seqs
        assert seqs[:200 - 1] == [s for s in range(1, 201) if s != victim.seq]
        assert markers(events, "outbox_lost") == [
            {"first": victim.seq, "last": victim.seq, "reason": "damaged"}]
    with Outbox(tmp_path, SMALL) as box:  # repaired: no second report
        assert box.status.level == "ok"
        assert len(markers(all_events(box), "outbox_lost")) == 1


def test_damage_at_the_end_of_a_sealed_segment_names_the_whole_gap(tmp_path: Path) -> None:
    with Outbox(tmp_path, SMALL) as box:
        for i in range(200):
            box.append("access", payload(i))
    first, second = seg_files(tmp_path)[:2]
    data = first.read_bytes()
    found, _ = records.scan(data, segment.HEADER_SIZE, 0)
    first.write_bytes(data[:found[-3].offset] + b"\x00" * (len(data) - found[-3].offset))
    with Outbox(tmp_path, SMALL) as box:
        lost = markers(all_events(box), "outbox_lost")
        assert lost == [{"first": found[-3].seq, "last": found[-1].seq, "reason": "damaged"}]
        assert segment.base_of(second.name) == found[-1].seq + 1


def test_an_interrupted_segment_creation_is_finished(tmp_path: Path) -> None:
    with Outbox(tmp_path) as box:
        box.append_many([("access", payload(i)) for i in range(3)])
    (tmp_path / segment.name_for(4)).write_bytes(b"VRTNK")  # killed mid-header
    (tmp_path / (segment.name_for(1) + ".tmp")).write_bytes(b"half a rewrite")
    with Outbox(tmp_path) as box:
        assert box.status.level == "notice"
        assert "creation was interrupted" in box.status.message
        assert "leftover of an interrupted rewrite" in box.status.message
        assert box.append("access", payload(3)) == 4
        assert [e.seq for e in all_events(box)] == [1, 2, 3, 4]
    assert not list(tmp_path.glob("*.tmp"))


def test_normal_events_evict_the_oldest_non_alarms_with_a_marker(tmp_path: Path) -> None:
    with Outbox(tmp_path, SMALL) as box:
        alarms = []
        for i in range(2000):
            kind = "door_forced" if i % 25 == 0 else "access"
            seq = box.append(kind, payload(i))
            if kind == "door_forced":
                alarms.append(seq)
        stats = box.stats()
        assert stats.bytes <= SMALL.max_bytes + SMALL.reserve_bytes
        assert stats.dropped > 0
        events = all_events(box)
    seqs = {e.seq for e in events}
    assert set(alarms) <= seqs  # no alarm was evicted
    dropped = markers(events, "outbox_dropped")
    assert sum(m["n"] for m in dropped) == stats.dropped
    covered = {s for m in dropped for s in range(m["first"], m["last"] + 1)}
    missing = set(range(1, stats.last_seq + 1)) - seqs
    assert missing <= covered  # every gap is named by a marker
    assert all(m["reason"] == "full" for m in dropped)
    # the newest events survive, the oldest non-alarms went first
    assert set(range(stats.last_seq - 50, stats.last_seq + 1)) <= seqs
    assert 2 not in seqs
    # markers are written before the events they announce are removed, in seq order
    assert [m["first"] for m in dropped] == sorted(m["first"] for m in dropped)


def test_acknowledged_events_are_reclaimed_before_any_eviction(tmp_path: Path) -> None:
    with Outbox(tmp_path, SMALL) as box:
        for i in range(2000):
            box.append("access", payload(i))
            if i % 100 == 99:
                box.ack(box.last_seq - 50)  # the hub keeps up, 50 events behind
        assert box.stats().dropped == 0
        assert [e.seq for e in all_events(box)] == list(range(1951, 2001))


def test_when_alarms_fill_everything_the_refusal_is_explicit(tmp_path: Path) -> None:
    cfg = OutboxConfig(max_bytes=16384, max_events=100_000, segment_bytes=4096,
                       reserve_bytes=4096, reserve_events=10)
    with Outbox(tmp_path, cfg) as box:
        n = 0
        while box.stats().bytes + 200 < cfg.max_bytes:
            box.append("tamper", payload(n))
            n += 1
        with pytest.raises(OutboxFullError, match="unacknowledged alarms and markers fill it"):
            box.append("access", payload(-1))
        while True:  # alarms may use the reserve
            try:
                box.append("tamper", payload(n))
            except OutboxFullError:
                break
            n += 1
        assert cfg.max_bytes < box.stats().bytes <= cfg.max_bytes + cfg.reserve_bytes
        stats = box.stats()
        assert stats.rejected == 2
        assert stats.dropped == 0
        # every accepted alarm is still there, and the first refusal is on record
        events = all_events(box)
        assert [e.kind for e in events].count("tamper") == n
        assert markers(events, "outbox_rejected") == [{"n": 1, "reason": "full"}]
        box.ack(box.last_seq)
        seq = box.append("access", payload(-2))
        events = all_events(box)
    assert [e.kind for e in events] == ["outbox_rejected", "access"]
    assert markers(events, "outbox_rejected") == [{"n": 1, "reason": "full"}]
    assert events[1].seq == seq


def test_event_count_limit_applies_too(tmp_path: Path) -> None:
    cfg = OutboxConfig(max_bytes=1 << 20, max_events=100, segment_bytes=4096,
                       reserve_bytes=0, reserve_events=5)
    with Outbox(tmp_path, cfg) as box:
        for i in range(500):
            box.append("access", payload(i, 10))
        stats = box.stats()
        assert stats.events <= 100 + 5
        assert stats.dropped > 0


def test_bad_input_is_rejected_with_a_clear_message(tmp_path: Path) -> None:
    with Outbox(tmp_path) as box:
        with pytest.raises(OutboxError, match=r"lower-case word of 1\.\.32 characters"):
            box.append("", b"")
        for bad in ("přístup", "Access", "door.forced", "a" * 33):
            with pytest.raises(OutboxError, match=r"\[a-z0-9_\] \(as on the wire\)"):
                box.append(bad, b"")
        with pytest.raises(OutboxError, match="reserved for the outbox's own markers"):
            box.append("outbox_dropped", b"")
        with pytest.raises(OutboxError, match="payload must be bytes"):
            box.append("access", "text")  # type: ignore[arg-type]
        with pytest.raises(OutboxError, match="exceeds the 65536-byte limit"):
            box.append("access", bytes(65537))
        with pytest.raises(OutboxError, match="at least two segments"):
            Outbox(tmp_path / "x", OutboxConfig(max_bytes=5000, segment_bytes=4096))
        assert box.last_seq == 0  # nothing consumed a seq


def test_closed_outbox_refuses_work(tmp_path: Path) -> None:
    box = Outbox(tmp_path)
    box.append("access", b"\xa0")
    box.close()
    with pytest.raises(OutboxClosedError, match="closed"):
        box.append("access", b"\xa0")
    with pytest.raises(OutboxClosedError):
        box.pending()


def test_a_failed_write_stores_nothing_and_consumes_no_seq(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Outbox(tmp_path) as box:
        box.append("access", payload(0))

        def disk_full(fd: int, data: bytes) -> None:
            os.write(fd, bytes(data)[:7])
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(outbox_mod, "write_all", disk_full)
        with pytest.raises(OutboxError, match="No space left on device; nothing was stored"):
            box.append("access", payload(1))
        monkeypatch.undo()
        assert box.append("access", payload(2)) == 2
    with Outbox(tmp_path) as box:
        assert box.status.level == "ok"
        assert [cbor2.loads(e.payload)["i"] for e in all_events(box)] == [0, 2]


def test_an_unrecoverable_write_error_stops_the_outbox(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    box = Outbox(tmp_path)

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(outbox_mod, "datasync", broken)
    with pytest.raises(OutboxClosedError, match="the outbox stopped and must be reopened"):
        box.append("access", payload(0))
    monkeypatch.undo()
    with pytest.raises(OutboxClosedError):
        box.append("access", payload(1))
    box.close()


def test_threads_share_one_outbox(tmp_path: Path) -> None:
    got: list[list[int]] = []
    with Outbox(tmp_path, SMALL) as box:
        def writer(t: int) -> None:
            got.append([box.append("access", payload(t * 1000 + i, 20)) for i in range(100)])

        def acker() -> None:
            for _ in range(50):
                if box.last_seq > 10:
                    box.ack(box.last_seq - 10)

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
        threads.append(threading.Thread(target=acker))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(s for seqs in got for s in seqs) == list(range(1, 401))
        assert all(seqs == sorted(seqs) for seqs in got)
        tail = all_events(box)
        assert [e.seq for e in tail] == list(range(box.acked_seq + 1, 401))


def test_a_tear_at_every_byte_of_the_last_batch_is_recovered(tmp_path: Path) -> None:
    """What a power cut mid-write can leave: prefixes of the last batch's bytes (every
    byte of the frame headers, then every 5th byte, and each record boundary +-1)."""
    src = tmp_path / "src"
    with Outbox(src) as box:
        box.append_many([("access", payload(i, 20)) for i in range(3)])
        before = seg_files(src)[-1].stat().st_size
        box.append_many([("access", payload(3, 20)), ("tamper", payload(4, 5))])
        after = seg_files(src)[-1].stat().st_size
    record_ends = {before + len(records.encode(4, "access", payload(3, 20), False)): 4,
                   after: 5}
    boundary = min(record_ends)
    cuts = {*range(before, before + 24), *range(before, after + 1, 5),
            *range(boundary - 1, boundary + 24), after - 1, after}
    for cut in sorted(cuts):
        work = tmp_path / f"cut{cut}"
        shutil.copytree(src, work)
        os.truncate(seg_files(work)[-1], cut)
        with Outbox(work) as box:
            events = all_events(box)
            complete = max([3] + [seq for end, seq in record_ends.items() if end <= cut])
            stored = [e for e in events if not e.kind.startswith("outbox_")]
            assert [e.seq for e in stored] == list(range(1, complete + 1)), cut
            assert [e.payload for e in stored[:3]] == [payload(i, 20) for i in range(3)]
            lost = markers(events, "outbox_lost")
            torn = cut not in (before, *record_ends)
            assert lost == ([{"first": complete + 1, "last": complete + 1, "reason": "torn"}]
                            if torn else [])
            assert box.status.level == ("notice" if torn else "ok")
            next_seq = box.append("access", b"\xa0")
            assert next_seq == complete + 1 + (2 if torn else 0)
        shutil.rmtree(work)
