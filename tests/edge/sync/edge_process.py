"""Run an EdgeSync in its own process until killed (the SIGKILL liveness test).

Usage: python -m tests.edge.sync.edge_process BROKER_URL DATA_DIR CONTROLLER
Prints "online <session>" once the edge has announced itself.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from edge.sync import EdgeSync
from edge.sync.config import SyncConfig
from tests.edge.sync.helpers import KEY_ID, SITE, device_key


def main() -> None:
    url, data_dir, controller = sys.argv[1:4]
    edge = EdgeSync(SyncConfig(broker_url=url, site=SITE, controller=controller,
                               key_id=KEY_ID, device_key=device_key(controller),
                               data_dir=Path(data_dir), reconnect_min=0.05))
    edge.start()
    while not edge.status().online:
        time.sleep(0.01)
    print("online", edge.status().session, flush=True)
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    main()
