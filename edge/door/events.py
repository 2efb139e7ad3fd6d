"""What doors and the card-to-relay path report: one small event type, many kinds.

Kinds are the wire's lower-case words (docs/wire.md, ``event.kind``); the alarm kinds
``door_forced`` and ``door_held`` (and the readers' ``tamper``) are the ones the outbox
never evicts (docs/edge-store.md).

=====================  ====================================================================
``access``             a decision on a card (granted or not, ``reason`` from edge.core)
``door_opened``        the contact opened; ``authorised`` says whether it was allowed
``door_closed``        the contact closed
``door_forced``        opened while locked without a grant or exit request (alarm)
``door_held``          open longer than ``held_open_ms`` after an allowed opening (alarm)
``door_held_cleared``  the held-open door closed
``exit_button``        request to exit (REX)
``door_command``       a remote unlock / lock / pulse was carried out (``op``, ``req``)
``free_open_started``  a free-open window began: the door stays unlocked
``free_open_ended``    it ended: the door locks again
``door_fault``         the relay could not be driven (``detail``)
``tamper``             a reader head reports tamper (``active``)
=====================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ACCESS = "access"
DOOR_OPENED = "door_opened"
DOOR_CLOSED = "door_closed"
DOOR_FORCED = "door_forced"
DOOR_HELD = "door_held"
DOOR_HELD_CLEARED = "door_held_cleared"
EXIT_BUTTON = "exit_button"
DOOR_COMMAND = "door_command"
FREE_OPEN_STARTED = "free_open_started"
FREE_OPEN_ENDED = "free_open_ended"
DOOR_FAULT = "door_fault"
TAMPER = "tamper"
ALARM_KINDS = frozenset({DOOR_FORCED, DOOR_HELD, TAMPER})


@dataclass(frozen=True, slots=True)
class DoorEvent:
    """One event. ``ts`` is UTC seconds, ``mono`` the monotonic instant it happened."""

    kind: str
    ts: int
    mono: float
    door: int | None = None
    reader: int | None = None
    card: int | None = None
    reason: int | None = None
    granted: bool | None = None
    data: dict[str, object] = field(default_factory=dict)

    @property
    def alarm(self) -> bool:
        return self.kind in ALARM_KINDS

    def record(self) -> dict[str, object]:
        """The outbox payload: the wire ``event`` fields (all but ``seq``) plus ``data``."""
        out: dict[str, object] = dict(self.data)
        out.update(ts=self.ts, kind=self.kind, door=self.door, reader=self.reader,
                   card=self.card, reason=self.reason, granted=self.granted)
        return out


EventSink = Callable[[DoorEvent], None]
