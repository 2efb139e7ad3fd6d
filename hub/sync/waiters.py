"""API threads waiting (bounded) for an edge's answer: list applied, command result.

The worker resolves waiters only after its batch is committed, so an API call that saw
"applied" finds it in the database too. A waiter that times out simply stops waiting; a
late answer still updates the database.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Waiter:
    """One pending wait; ``outcome`` and ``detail`` are set when it resolves."""

    done: threading.Event = field(default_factory=threading.Event)
    outcome: str = ""
    detail: str = ""
    version: int | None = None

    def resolve(self, outcome: str, detail: str = "", version: int | None = None) -> None:
        if not self.done.is_set():
            self.outcome, self.detail, self.version = outcome, detail, version
            self.done.set()


class Waiters:
    """Waits for ``list_applied`` (per controller, at or above a version) and for
    ``command_result`` (per request id)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lists: dict[int, list[tuple[int, Waiter]]] = defaultdict(list)
        self._commands: dict[str, Waiter] = {}

    def expect_list(self, controller_id: int, version: int) -> Waiter:
        waiter = Waiter()
        with self._lock:
            self._lists[controller_id].append((version, waiter))
        return waiter

    def expect_command(self, req: str) -> Waiter:
        waiter = Waiter()
        with self._lock:
            self._commands[req] = waiter
        return waiter

    def list_applied(self, controller_id: int, version: int) -> None:
        """The edge runs ``version``: every wait for it or an older one is answered."""
        with self._lock:
            pending = self._lists.get(controller_id, [])
            done = [(v, w) for v, w in pending if v <= version]
            self._lists[controller_id] = [(v, w) for v, w in pending if v > version]
        for _v, waiter in done:
            waiter.resolve("applied", version=version)

    def list_error(self, controller_id: int, version: int | None, detail: str) -> None:
        """The edge could not apply a list: waits for that version (or all, when the
        version is unknown) are answered with the error."""
        with self._lock:
            pending = self._lists.get(controller_id, [])
            hit = [(v, w) for v, w in pending if version is None or v == version]
            self._lists[controller_id] = [p for p in pending if p not in hit]
        for _v, waiter in hit:
            waiter.resolve("error", detail, version)

    def command_result(self, req: str, status: str, detail: str) -> None:
        with self._lock:
            waiter = self._commands.pop(req, None)
        if waiter is not None:
            waiter.resolve(status, detail)

    def forget(self, waiters: Iterable[Waiter]) -> None:
        """Drop waits that ended (timed out) so they do not pile up."""
        gone = {id(w) for w in waiters}
        with self._lock:
            for controller_id, pending in list(self._lists.items()):
                kept = [(v, w) for v, w in pending if id(w) not in gone]
                if kept:
                    self._lists[controller_id] = kept
                else:
                    del self._lists[controller_id]
            for req in [r for r, w in self._commands.items() if id(w) in gone]:
                del self._commands[req]


def wait_all(waiters: Iterable[Waiter], timeout: float) -> None:
    """Wait until every waiter resolved or ``timeout`` seconds passed (one deadline)."""
    deadline = time.monotonic() + timeout
    for waiter in waiters:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        waiter.done.wait(left)
