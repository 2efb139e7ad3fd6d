"""The hub and an edge as processes of their own, to be killed (SIGKILL) at any moment.

``python -m tests.sync_faults.runners hub SPEC_JSON``: a SyncService on the database and
broker named in the spec; prints ``ready`` once connected; SIGTERM stops it cleanly.

``python -m tests.sync_faults.runners edge SPEC_JSON``: an EdgeSync that records
``events`` events (``rate`` per second, 0: as fast as it can) and rewrites
``status_file`` (its SyncStatus as JSON) every 50 ms; SIGTERM stops it cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from edge.sync import EdgeSync, MemoryDoors, SyncConfig
from hub.db import make_engine, make_session_factory
from hub.sync.service import SyncService
from hub.sync.settings import SyncSettings


def _stop_on_term() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    return stop


def run_hub(spec: dict[str, Any]) -> None:
    stop = _stop_on_term()
    engine = make_engine(spec["database_url"])
    service = SyncService(make_session_factory(engine), SyncSettings(**spec["settings"]))
    service.start()
    if not service.wait_connected(20):
        raise SystemExit("hub: no broker")
    print("ready", flush=True)
    stop.wait()
    service.stop()
    engine.dispose()


def _write_status(edge: EdgeSync, path: Path) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(edge.status().as_dict(), default=str))
    os.replace(temp, path)


def run_edge(spec: dict[str, Any]) -> None:
    stop = _stop_on_term()
    edge = EdgeSync(SyncConfig(
        broker_url=spec["broker_url"], site=spec["site"], controller=spec["controller"],
        key_id=spec["kid"], device_key=bytes.fromhex(spec["key"]),
        data_dir=Path(spec["data_dir"]), reconnect_min=0.05, reconnect_max=0.5,
        ack_timeout=2.0, request_timeout=2.0, readers=((1, "sim"),)), MemoryDoors([1]))
    edge.start()
    status = Path(spec["status_file"])
    events, rate = int(spec.get("events", 0)), float(spec.get("rate", 0))
    start, recorded, last_status = time.monotonic(), 0, 0.0
    while not stop.is_set():
        now = time.monotonic()
        due = events if rate <= 0 else min(events, int((now - start) * rate))
        burst = 0
        while recorded < due and burst < 200:  # the status file stays fresh meanwhile
            edge.record_event("access", int(time.time()), reader=1, door=1, card=None,
                              reason=0, granted=True)
            recorded += 1
            burst += 1
        if now - last_status >= 0.05:
            _write_status(edge, status)
            last_status = now
        if burst < 200:
            stop.wait(0.005)
    edge.stop()
    _write_status(edge, status)


def main() -> None:
    role, spec_text = sys.argv[1:3]
    spec = json.loads(spec_text)
    if role == "hub":
        run_hub(spec)
    elif role == "edge":
        run_edge(spec)
    else:
        raise SystemExit(f"unknown role {role!r}: use hub or edge")


if __name__ == "__main__":
    main()
