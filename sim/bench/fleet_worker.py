"""One process of the ``bench sim`` fleet: a share of the N edge sync clients.

``python -m sim.bench.fleet_worker SPEC.json`` starts one ``edge.sync.EdgeSync`` per
controller in the spec, prints ``{"connected": c, "in_sync": s}`` on a line whenever the
counts change (and every second), and stops every client when its standard input closes
or it gets SIGTERM. The fleet is split over processes because paho-mqtt waits on its
socket with ``select()``, which cannot watch a file descriptor above 1023: one process
holds a few hundred edges at most (each has its socket and its store's files), as on a
real controller it holds one.
"""

from __future__ import annotations

import base64
import json
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType

from edge.sync import EdgeSync, MemoryDoors, SyncConfig

REPORT_EVERY_S = 1.0
POLL_S = 0.1


def main(argv: list[str]) -> int:
    """Run the spec's edges until stdin closes or SIGTERM."""
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    def until_stdin_closes() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=until_stdin_closes, daemon=True).start()
    folder = Path(spec["folder"])
    edges = [EdgeSync(SyncConfig(
        broker_url=spec["broker_url"], site=spec["site"], controller=code, key_id=kid,
        device_key=base64.b64decode(key), data_dir=folder / code, reconnect_min=0.5,
        reconnect_max=5.0, keepalive=60, readers=((1, "osdp"), (2, "osdp"))),
        MemoryDoors([1])) for code, kid, key in spec["edges"]]
    for edge in edges:
        edge.start()
    last: tuple[int, int] | None = None
    waited = 0.0
    while not stop.wait(POLL_S):
        statuses = [edge.status() for edge in edges]
        counts = (sum(s.connected for s in statuses), sum(s.in_sync for s in statuses))
        waited += POLL_S
        if counts != last or waited >= REPORT_EVERY_S:
            print(json.dumps({"connected": counts[0], "in_sync": counts[1]}), flush=True)
            last, waited = counts, 0.0
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(lambda edge: edge.stop(), edges))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
