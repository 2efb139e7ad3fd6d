"""``vratnik edge run`` as a subprocess: start it, read its log lines, swipe, signal it."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from edge.readers.wiegand_replay import card_edges
from protocols.portable import wiegand

T = TypeVar("T")
WAIT = 20.0


def wait_until(predicate: Callable[[], T | None], timeout: float = WAIT,
               what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def recording(card: int) -> bytes:
    """The edges of ``card``'s Wiegand frame as a recording file's text."""
    bits, value = wiegand.encode(*wiegand.fields_of_key(card))
    lines = [f"{t} D{line} {level}" for line, level, t in card_edges(bits, value)]
    return ("\n".join(lines) + "\n").encode()


class AgentProcess:
    """One run of the agent; its JSON log lines go to ``log_path``."""

    def __init__(self, config: Path, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vratnik", "edge", "run", "--config", str(config)],
            stdout=self._log, stderr=self._log, cwd=config.parent,
            env={**os.environ, **(env or {})})

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for raw in self.log_path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(raw))
            except ValueError:
                out.append({"msg": raw, "level": "raw"})  # never expected: shows in asserts
        return out

    def messages(self, msg: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("msg") == msg]

    def stored_seqs(self) -> list[int]:
        """Every seq the agent logged as durably stored."""
        return [int(line["seq"]) for line in self.messages("event stored")]

    def terminate(self, timeout: float = WAIT, sig: int = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def wait(self, timeout: float = WAIT) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def swipe(fifo: Path, card: int, timeout: float = 5.0) -> bool:
    """Write one recorded swipe into the reader's FIFO; False once nobody reads it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:
            if err.errno != errno.ENXIO or time.monotonic() > deadline:
                return False
            time.sleep(0.002)  # the feed is between two sessions: it opens again at once
            continue
        try:
            os.write(fd, recording(card))
            return True
        except OSError:
            return False
        finally:
            os.close(fd)
