"""A simulated controller's process: the real edge agent with the simulator's door wiring.

``python -m sim.agent_host --door-link SOCKET edge.toml`` does what
``vratnik edge run --config edge.toml`` does (load and check the configuration,
structured logs, then ``edge.agent.service.run_service``: start
:class:`edge.agent.core.Agent`, status lines, SIGTERM/SIGINT stop it without losing an
event) with two differences:

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
import sys
import threading
import time
from pathlib import Path

from edge.agent.core import Agent
from edge.agent.service import run_service
from edge.config import AgentConfigError, load_config
from edge.config_hardware import DoorSettings
from edge.door.io import DoorIO
from edge.logging_setup import setup_logging
from sim.doorlink import DoorLinkClient
from sim.errors import SimError

log = logging.getLogger("sim.agent_host")
STATUS_FILE = "status.json"
STATUS_EVERY_S = 0.5


def main(argv: list[str]) -> int:
    """Run the agent until SIGTERM or SIGINT (``edge.agent.service.run_service``, as
    ``vratnik edge run``); 0 after a clean stop, 1 if it failed, 2 on a bad config."""
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
    try:
        link = DoorLinkClient(args.door_link, config.controller,
                              [d.config.door for d in config.doors])
    except SimError as err:
        log.error("%s", err)
        return 1

    def door_io(settings: DoorSettings) -> DoorIO:
        return link.io(settings.config.door)

    agent = Agent(config, door_io=door_io, firmware="vratnik-edge (simulated doors)")
    status_file = args.config.parent / STATUS_FILE
    done = threading.Event()
    reporter = threading.Thread(target=_report, args=(agent, status_file, done),
                                name="sim-status", daemon=True)
    reporter.start()
    try:
        code = run_service(config, agent=agent)
    finally:
        done.set()
        reporter.join(5)
        link.close()
    write_status(status_file, {"running": False, "exit_code": code})
    return code


def _report(agent: Agent, path: Path, done: threading.Event) -> None:
    """Write the running agent's status every STATUS_EVERY_S until ``done``."""
    while not done.wait(STATUS_EVERY_S):
        if not agent.started:
            continue
        try:
            status = agent.status()
        except Exception as err:  # stopping: the store may be closing under us
            log.debug("no status: %s", err)
            continue
        if not done.is_set():
            write_status(path, {**status, "running": True})


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
