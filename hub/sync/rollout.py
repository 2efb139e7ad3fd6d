"""Rate-limited list rollouts: manifests and snapshot chunks go out at a steady pace.

A recompile can change every controller's list at once, and a broker restart makes
every edge ask for what it missed. Sending all of that in one burst would flood the
broker's queues (Mosquitto drops past ``max_queued_messages``) and the edges' links, so
two token buckets meter it: manifests per second, and snapshot bytes per second over all
edges. Transfers take turns chunk by chunk, so one large snapshot does not hold up the
others. Fast card activations do not wait here: they are a few small deltas.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("a token bucket needs a positive rate and burst")
        self.rate, self.burst = rate, burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def wait_time(self, amount: float) -> float:
        """Seconds until ``amount`` tokens are there (0: now). A request larger than the
        burst is allowed once the bucket is full, so it cannot starve."""
        self._refill()
        need = min(amount, self.burst)
        return 0.0 if self._tokens >= need else (need - self._tokens) / self.rate

    def take(self, amount: float) -> None:
        self._refill()
        self._tokens -= amount


@dataclass
class Transfer:
    """A snapshot being sent to one controller, chunk by chunk."""

    version: int
    data: bytes
    next_index: int
    count: int


PublishManifest = Callable[[int], None]
PublishChunk = Callable[[int, int, int, int, bytes], None]
SnapshotOf = Callable[[int], "tuple[int, bytes] | None"]


class Rollout:
    """The sender thread of manifests and snapshot chunks."""

    def __init__(self, publish_manifest: PublishManifest, publish_chunk: PublishChunk,
                 snapshot_of: SnapshotOf, *, chunk_size: int, manifests_per_second: float,
                 manifest_burst: int, bytes_per_second: float, burst_bytes: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._publish_manifest = publish_manifest
        self._publish_chunk = publish_chunk
        self._snapshot_of = snapshot_of
        self.chunk_size = chunk_size
        self._manifest_bucket = TokenBucket(manifests_per_second, manifest_burst, clock)
        self._byte_bucket = TokenBucket(bytes_per_second, max(burst_bytes, chunk_size), clock)
        self._manifests: OrderedDict[int, None] = OrderedDict()
        self._transfers: OrderedDict[int, Transfer | int] = OrderedDict()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.sent_manifests = 0
        self.sent_chunks = 0

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sync-rollout", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def manifest(self, controller_id: int) -> None:
        """Publish the controller's current manifest soon (once, however often asked)."""
        with self._cond:
            self._manifests[controller_id] = None
            self._cond.notify()

    def snapshot(self, controller_id: int, first_chunk: int = 0) -> None:
        """Send the controller's current snapshot from ``first_chunk`` (replacing a
        transfer in progress: the edge asked again, from where it is)."""
        with self._cond:
            self._transfers.pop(controller_id, None)
            self._transfers[controller_id] = first_chunk  # resolved to data when sent
            self._cond.notify()

    @property
    def idle(self) -> bool:
        with self._cond:
            return not self._manifests and not self._transfers

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                job, wait = self._next_job()
                if job is None:
                    self._cond.wait(wait)
                    continue
            try:
                job()
            except Exception:  # a failed publish must not end the sender
                log.exception("list rollout step failed")

    def _next_job(self) -> tuple[Callable[[], None] | None, float | None]:
        """The next thing to send now, or how long to wait (None: until notified)."""
        waits: list[float] = []
        if self._manifests:
            wait = self._manifest_bucket.wait_time(1)
            if wait == 0:
                self._manifest_bucket.take(1)
                controller_id, _ = self._manifests.popitem(last=False)
                return lambda: self._send_manifest(controller_id), None
            waits.append(wait)
        if self._transfers:
            controller_id, transfer = next(iter(self._transfers.items()))
            if isinstance(transfer, int):
                found = self._snapshot_of(controller_id)
                if found is None:
                    del self._transfers[controller_id]
                    return (lambda: None), None
                version, data = found
                count = max(1, -(-len(data) // self.chunk_size))
                transfer = Transfer(version, data, min(transfer, count - 1), count)
                self._transfers[controller_id] = transfer
            size = len(transfer.data[transfer.next_index * self.chunk_size:]
                       [:self.chunk_size])
            wait = self._byte_bucket.wait_time(size)
            if wait == 0:
                self._byte_bucket.take(size)
                return self._chunk_job(controller_id, transfer), None
            waits.append(wait)
        return None, (min(waits) if waits else None)

    def _chunk_job(self, controller_id: int, transfer: Transfer) -> Callable[[], None]:
        index = transfer.next_index
        start = index * self.chunk_size
        data = transfer.data[start:start + self.chunk_size]
        transfer.next_index += 1
        # take turns: this transfer goes to the back, or is done
        del self._transfers[controller_id]
        if transfer.next_index < transfer.count:
            self._transfers[controller_id] = transfer

        def send() -> None:
            self._publish_chunk(controller_id, transfer.version, index, transfer.count, data)
            self.sent_chunks += 1

        return send

    def _send_manifest(self, controller_id: int) -> None:
        self._publish_manifest(controller_id)
        self.sent_manifests += 1
