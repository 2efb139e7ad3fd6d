"""The rollout's token buckets and its sending order (no wall-clock assertions)."""

from __future__ import annotations

import threading

from hub.sync.rollout import Rollout, TokenBucket
from tests.hub.sync.conftest import eventually


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_meters_and_never_starves_a_big_request() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10.0, burst=5.0, clock=clock)
    for _ in range(5):
        assert bucket.wait_time(1) == 0
        bucket.take(1)
    assert bucket.wait_time(1) == 0.1  # the burst is spent: one token per 0.1 s
    clock.now = 0.35
    assert bucket.wait_time(3) == 0  # 3.5 tokens saved up
    bucket.take(3)
    # a request above the burst waits only until the bucket is full, then goes
    assert bucket.wait_time(50) == (5.0 - 0.5) / 10.0


def test_manifests_deduplicated_and_snapshots_take_turns() -> None:
    sent: list[tuple[str, int, int]] = []
    lock = threading.Lock()

    def manifest(controller_id: int) -> None:
        with lock:
            sent.append(("manifest", controller_id, -1))

    def chunk(controller_id: int, version: int, index: int, count: int, data: bytes) -> None:
        assert len(data) <= 4 and count == 3
        with lock:
            sent.append(("chunk", controller_id, index))

    snapshots = {1: (7, b"aaaabbbbcc"), 2: (9, b"xxxxyyyyzz")}
    rollout = Rollout(manifest, chunk, snapshots.get, chunk_size=4, manifests_per_second=1e6,
                      manifest_burst=1000, bytes_per_second=1e9, burst_bytes=10**6)
    # queued before the thread starts, so the order below is the queue's, not a race
    for controller_id in (1, 2, 1, 1):
        rollout.manifest(controller_id)
    rollout.snapshot(1)
    rollout.snapshot(2, first_chunk=1)
    rollout.start()
    try:
        eventually(lambda: rollout.idle and len(sent) == 7)
    finally:
        rollout.stop()
    assert sent[:2] == [("manifest", 1, -1), ("manifest", 2, -1)]  # once each
    chunks = sent[2:]
    assert chunks == [("chunk", 1, 0), ("chunk", 2, 1), ("chunk", 1, 1), ("chunk", 2, 2),
                      ("chunk", 1, 2)]  # the two transfers alternate, chunk by chunk
    assert rollout.sent_manifests == 2 and rollout.sent_chunks == 5


def test_a_slow_rate_holds_the_rest_back() -> None:
    sent: list[int] = []
    rollout = Rollout(sent.append, lambda *_a: None, lambda _c: None, chunk_size=4,
                      manifests_per_second=0.001, manifest_burst=2, bytes_per_second=1e9,
                      burst_bytes=10**6)
    for controller_id in range(1, 6):
        rollout.manifest(controller_id)
    rollout.start()
    try:
        eventually(lambda: len(sent) == 2)
        assert not rollout.idle  # three more wait for tokens (one every 1,000 s)
    finally:
        rollout.stop()
    assert sent == [1, 2]
