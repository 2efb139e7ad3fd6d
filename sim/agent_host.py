"""A simulated controller's process: the real edge agent with the simulator's door wiring.

``python -m sim.agent_host --door-link SOCKET edge.toml`` does what
``vratnik edge run --config edge.toml`` does (load and check the configuration, start
:class:`edge.agent.core.Agent`, structured logs, SIGTERM/SIGINT stop it without losing
an event) with two differences:

* each door's I/O port is a :class:`sim.doorlink.LinkedDoorIO` instead of GPIO, so the
  simulator can open the door and press its exit button while the agent drives the relay;
* twice a second the agent's status (``Agent.status()``: outbox sequence numbers,
  acknowledgements, sync state) is written to ``status.json`` next to the configuration,
  so the simulator can tell when every stored event has reached the hub.

Readers (OSDP on a pseudo-terminal), camera, faces, store and sync are the agent's own,
from edge.toml. :func:`sim.agents.agent_command` is the one place that chooses this
program.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from edge.agent.core import Agent
from edge.config import AgentConfigError, load_config
from edge.config_hardware import DoorSettings
from edge.door.io import DoorIO
from edge.errors import EdgeError
from edge.logging_setup import setup_logging
from sim.doorlink import DoorLinkClient
from sim.errors import SimError

log = logging.getLogger("sim.agent_host")
STATUS_FILE = "status.json"
STATUS_EVERY_S = 0.5


def main(argv: list[str]) -> int:
    """Run the agent until SIGTERM or SIGINT; 0 after a clean stop, 2 on a bad config."""
    parser = argparse.ArgumentParser(prog="python -m sim.agent_host")
    parser.add_argument("--door-link", required=True, help="the simulator's door socket")
    parser.add_argument("config", type=Path, help="the agent's edge.toml")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except AgentConfigError as err:
        for problem in err.problems:
            print(f"{args.config}: {problem}", file=sys.stderr)
        return 2
    setup_logging(config.logging.format, config.logging.level)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        link = DoorLinkClient(args.door_link, config.controller,
                              [d.config.door for d in config.doors])
    except SimError as err:
        log.error("%s", err)
        return 1

    def door_io(settings: DoorSettings) -> DoorIO:
        return link.io(settings.config.door)

    agent = Agent(config, door_io=door_io, firmware="vratnik-edge (simulated doors)")
    try:
        agent.start()
    except (EdgeError, OSError) as err:
        log.error("the agent did not start: %s", err)
        link.close()
        return 1
    status_file = args.config.parent / STATUS_FILE
    while not stopping.wait(STATUS_EVERY_S):
        write_status(status_file, {**agent.status(), "running": True})
    report = agent.stop()
    link.close()
    write_status(status_file, {"running": False, "published": report.published,
                               "stored": report.stored, "refused": report.refused,
                               "last_seq": report.last_seq, "acked_seq": report.acked_seq,
                               "clean": report.clean})
    return 0 if report.clean else 1


def write_status(path: Path, status: dict[str, object]) -> None:
    """The agent's status for the simulator (atomically replaced; JSON)."""
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps({**status, "pid": os.getpid(), "at": time.time()},
                                  default=str), encoding="utf-8")
        tmp.replace(path)
    except OSError as err:  # a status file is a window, not a duty
        log.warning("cannot write %s: %s", path, err)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
