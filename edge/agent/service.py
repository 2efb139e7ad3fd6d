"""The agent as a service: start, report, wait for SIGTERM or SIGINT, stop cleanly.

``run_service`` is what ``vratnik edge run`` does after the configuration is checked and
logging is set up. It tells systemd when the agent is ready (``Type=notify``) and when it
is stopping, logs a status line every ``logging.status_interval_s``, deletes photos past
their retention date, and on the first SIGTERM or SIGINT stops the agent in the order
``Agent.stop`` documents. Exit codes: 0 after a clean stop, 1 when the agent could not
start or did not stop cleanly (an event may be left unhandled; the log says which step).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType

from edge.agent.core import Agent
from edge.agent.notify import sd_notify
from edge.config import AgentConfig
from edge.errors import EdgeError
from edge.logging_setup import fields

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 20.0  # below the unit's TimeoutStopSec, so systemd never has to kill
HOUSEKEEPING_S = 30.0


def _log_thread_crash(args: threading.ExceptHookArgs) -> None:
    # One structured line instead of a bare traceback on stderr.
    name = args.thread.name if args.thread is not None else "?"
    error = args.exc_value if args.exc_value is not None else args.exc_type()
    log.error("thread %s died", name, exc_info=error)


def run_service(config: AgentConfig, *, stop_timeout: float = STOP_TIMEOUT_S,
                agent: Agent | None = None) -> int:
    """Run until SIGTERM or SIGINT; the process's exit code. Call from the main thread."""
    stop = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s received while stopping; still stopping", name)
            return
        received.append(name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    threading.excepthook = _log_thread_crash
    agent = agent or Agent(config)
    try:
        try:
            agent.start()
        except EdgeError as err:
            log.error("the agent cannot start: %s", err)
            return 1
        sd_notify(f"READY=1\nSTATUS=controller {config.controller} running")
        _serve(agent, config, stop)
        log.info("stopping on %s", received[0] if received else "request",
                 extra=fields(signal=received[0] if received else None))
        sd_notify("STOPPING=1")
        report = agent.stop(stop_timeout)
        return 0 if report.clean else 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(agent: Agent, config: AgentConfig, stop: threading.Event) -> None:
    interval = config.logging.status_interval_s
    next_status = time.monotonic() + interval
    while not stop.wait(min(HOUSEKEEPING_S, max(0.0, next_status - time.monotonic()))):
        now = time.monotonic()
        if now >= next_status:
            next_status = now + interval
            log.info("status", extra=fields(**agent.status()))
        if agent.photos is not None:
            agent.photos.housekeeping()
