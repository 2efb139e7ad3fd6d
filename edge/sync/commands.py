"""Door commands from the hub: executed once, never at or after their expiry.

A ``command`` carries a request id and ``expires``. The check against the clock is made
right before the door moves, in the agent's worker thread, so a command that waited in
a queue (or in the broker during an outage) is refused as ``expired`` and not executed.
A request id seen before is not executed again: its first result is sent again (QoS 1
duplicates and the hub's retries look like this).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable

from edge.sync.doors import DoorPort, UnknownDoorError
from edge.sync.errors import DoorError
from edge.sync.outgoing import Outgoing

log = logging.getLogger(__name__)

REMEMBER = 1024  # request ids kept for de-duplication
CHANNEL = "cmd/result"


class CommandRunner:
    """Runs ``command`` messages against a :class:`DoorPort`."""

    def __init__(self, doors: DoorPort, clock: Callable[[], float]) -> None:
        self._doors = doors
        self._clock = clock
        self._done: OrderedDict[str, dict[str, object]] = OrderedDict()
        self.executed = 0
        self.expired = 0

    def run(self, fields: dict[str, object]) -> Outgoing:
        """Execute (or refuse) one command; the ``command_result`` to send."""
        req = str(fields["req"])
        done = self._done.get(req)
        if done is not None:
            log.info("command %s seen again: not executed twice", req)
            return Outgoing(CHANNEL, "command_result", done)
        result = self._execute(req, fields)
        self._done[req] = result
        while len(self._done) > REMEMBER:
            self._done.popitem(last=False)
        return Outgoing(CHANNEL, "command_result", result)

    def _execute(self, req: str, fields: dict[str, object]) -> dict[str, object]:
        op, door, expires, duration = (fields["op"], fields["door"], fields["expires"],
                                       fields["duration_ms"])
        if not (isinstance(door, int) and isinstance(expires, int)
                and isinstance(duration, int)):  # messages.decode checked them already
            return _result(req, "rejected", "malformed command")
        now = self._clock()
        if now >= expires:
            self.expired += 1
            log.warning("command %s (%s door %s) expired %.1f s ago: not executed",
                        req, op, door, now - expires)
            return _result(req, "expired", f"expired at {expires}, received at {int(now)}")
        try:
            if op == "unlock":
                self._doors.unlock(door, duration)
            elif op == "lock":
                self._doors.lock(door)
            elif op == "pulse":
                self._doors.pulse(door, duration)
            else:
                return _result(req, "rejected", f"unknown operation {op!r}")
        except UnknownDoorError as err:
            return _result(req, "rejected", str(err))
        except DoorError as err:
            log.warning("command %s (%s door %s) failed: %s", req, op, door, err)
            return _result(req, "failed", str(err))
        self.executed += 1
        log.info("command %s: %s door %s (%s ms)", req, op, door, duration)
        return _result(req, "ok", "")


def _result(req: str, status: str, detail: str) -> dict[str, object]:
    return {"req": req, "status": status, "detail": detail[:256]}
