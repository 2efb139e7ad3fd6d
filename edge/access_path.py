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
import threading
from collections.abc import Callable

from edge.core.decide import HORIZON_DENY, decide
from edge.core.reasons import GRANTED, PIN_REQUIRED, UNKNOWN_CARD
from edge.door.clock import Clock, SystemClock
from edge.door.concentrator import Concentrator
from edge.door.events import ACCESS, TAMPER, DoorEvent, EventSink
from edge.readers.base import EventKind, ReaderEvent
from protocols.portable.accesslist import AccessList
from protocols.portable.cardkey import KEYPAD, VALUE_MASK, card_key, masked
from protocols.portable.errors import ProtocolError

# Reader health reports become events of these kinds (``data.active`` / ``data.fault``).
READER_KINDS = {EventKind.POWER: "reader_power", EventKind.ONLINE: "reader_online",
                EventKind.OFFLINE: "reader_offline"}
PIN_WAIT_S = 20.0  # how long a card at a card + PIN reader waits for its PIN
Feedback = Callable[[int, bool], None]

log = logging.getLogger(__name__)


class AccessPath:
    """Decide and open for every reader head of one concentrator.

    ``current_list`` returns the active compiled list (the sync client's
    ``ActiveList.current``; None before any list is installed: every card is refused as
    unknown). ``publish`` is the fanout's non-blocking ``publish``. ``feedback(reader,
    granted)`` is the reader plugins' LED/buzzer call, made right after the relay moved.
    """

    def __init__(self, concentrator: Concentrator,
                 current_list: Callable[[], AccessList | None], publish: EventSink,
                 clock: Clock | None = None, after_horizon: int = HORIZON_DENY,
                 feedback: Feedback | None = None, pin_wait_s: float = PIN_WAIT_S) -> None:
        self._concentrator = concentrator
        self._current_list = current_list
        self._publish = publish
        self._clock: Clock = clock or SystemClock()
        self._after_horizon = after_horizon
        self._feedback = feedback
        self._pin_wait_s = pin_wait_s
        self._waiting: dict[int, tuple[int, float]] = {}  # reader -> (card, since): PIN due
        self._waiting_lock = threading.Lock()

    def handle(self, event: ReaderEvent) -> None:
        """The reader plugins' sink: cards, PINs, tamper and health, from reader threads.

        A card that needs a PIN waits ``pin_wait_s`` for the next PIN at the same reader;
        a PIN with no card waiting is a keypad code credential (``cardkey.KEYPAD``).
        """
        if event.kind == EventKind.CARD and event.card_key is not None:
            self.card(event.reader, event.card_key)
        elif event.kind == EventKind.PIN and event.pin is not None:
            self._pin(event.reader, event.pin)
        elif event.kind == EventKind.TAMPER:
            self.tamper(event.reader, bool(event.alarm))
        elif event.kind in READER_KINDS:
            binding = self._concentrator.binding(event.reader)
            data: dict[str, object] = {"detail": event.detail[:256]}
            if event.kind == EventKind.POWER:
                data["fault"] = bool(event.alarm)
            self._publish(DoorEvent(READER_KINDS[event.kind], int(self._clock.time()),
                                    self._clock.monotonic(),
                                    door=binding.door if binding else None,
                                    reader=event.reader, data=data))

    def _pin(self, reader: int, pin: str) -> None:
        now = self._clock.monotonic()
        with self._waiting_lock:
            waiting = self._waiting.pop(reader, None)
        if waiting is not None and now - waiting[1] <= self._pin_wait_s:
            self.card(reader, waiting[0], pin)
            return
        try:
            code = int(pin)
            key = card_key(KEYPAD, code) if code <= VALUE_MASK else None
        except (ValueError, ProtocolError):
            key = None
        if key is None:
            log.warning("reader %s: a PIN that is no keypad code was ignored", reader)
            return
        self.card(reader, key)

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
        if reason == PIN_REQUIRED:
            with self._waiting_lock:
                self._waiting[reader] = (card, mono)
        elif self._feedback is not None:
            try:
                self._feedback(reader, reason == GRANTED)
            except Exception:  # LEDs are a courtesy: never lose the event over them
                log.exception("reader %s: feedback failed", reader)
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
