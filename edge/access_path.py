"""The card-to-relay path: a reader's card -> ``decide()`` -> the relay -> then the event.

The order is the design (docs/door.md)::

    reader thread: frame complete
        -> decide(card, reader, active list, now)   in memory, microseconds
        -> door.grant()                             the relay moves
        -> publish(access event)                    a queue put, never blocks
    other threads: outbox writer (fsync), camera, sync client

Nothing on this path touches the disk, the network or the camera, and nothing here waits
for a lock that a slow consumer holds: the door's own lock is only ever held for
in-memory work and a GPIO write. ``tests/edge/door/test_access_path.py`` blocks every
consumer and shows the relay still fires; ``vratnik bench door`` measures the path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from edge.core.decide import HORIZON_DENY, decide
from edge.core.reasons import GRANTED, UNKNOWN_CARD
from edge.door.clock import Clock, SystemClock
from edge.door.concentrator import Concentrator
from edge.door.events import ACCESS, TAMPER, DoorEvent, EventSink
from protocols.portable.accesslist import AccessList
from protocols.portable.cardkey import masked

log = logging.getLogger(__name__)


class AccessPath:
    """Decide and open for every reader head of one concentrator.

    ``current_list`` returns the active compiled list (the sync client's
    ``ActiveList.current``; None before any list is installed: every card is refused as
    unknown). ``publish`` is the fanout's non-blocking ``publish``.
    """

    def __init__(self, concentrator: Concentrator,
                 current_list: Callable[[], AccessList | None], publish: EventSink,
                 clock: Clock | None = None, after_horizon: int = HORIZON_DENY) -> None:
        self._concentrator = concentrator
        self._current_list = current_list
        self._publish = publish
        self._clock: Clock = clock or SystemClock()
        self._after_horizon = after_horizon

    def card(self, reader: int, card: int, pin: str | None = None) -> int:
        """Decide on ``card`` at ``reader``, open its door if granted, then report it.

        Returns the reason code (``edge.core.reasons``) for the reader's feedback:
        ``GRANTED``, ``PIN_REQUIRED`` (prompt and call again with ``pin``) or a denial.
        """
        mono = self._clock.monotonic()
        utc = self._clock.time()
        compiled = self._current_list()
        binding = self._concentrator.binding(reader)
        if compiled is None:
            reason = UNKNOWN_CARD
        else:
            reason = decide(card, reader, compiled, int(utc), pin,
                            after_horizon=self._after_horizon)
        if reason == GRANTED:
            if binding is not None:
                self._concentrator.doors[binding.door].grant()  # the relay moves here
            else:
                log.warning("reader %s granted %s but opens no door (no binding)",
                            reader, masked(card))
        data: dict[str, object] = {}
        if binding is not None:
            data["direction"] = binding.direction
        if compiled is None:
            data["no_list"] = True
        self._publish(DoorEvent(ACCESS, int(utc), mono,
                                door=binding.door if binding else None, reader=reader,
                                card=card, reason=reason, granted=reason == GRANTED,
                                data=data))
        return reason

    def tamper(self, reader: int, active: bool) -> None:
        """A reader head reports tamper (``active``) or its end: a ``tamper`` alarm event."""
        binding = self._concentrator.binding(reader)
        self._publish(DoorEvent(TAMPER, int(self._clock.time()), self._clock.monotonic(),
                                door=binding.door if binding else None, reader=reader,
                                data={"active": active}))
