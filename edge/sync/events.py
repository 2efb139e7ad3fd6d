"""Events from the outbox to the hub, in seq order, kept until the hub acknowledges them.

The outbox (edge/store) is the only source: the sender reads ``pending`` events after
the highest seq it has published, sends them as ``event_batch`` messages of at most
``batch`` events with at most ``max_in_flight`` unacknowledged, and on ``event_ack
upto`` acknowledges the outbox (which prunes). Broker QoS is not trusted for no-loss:
with no ack progress for ``ack_timeout`` seconds, and on every new connection,
everything unacknowledged is sent again from the last ack (the hub inserts
idempotently on (controller, seq)); so is everything after ``upto`` when an ack repeats
the last one while later events are out (the hub's way of asking for a gap again).
An event sent late (recorded before the current connection, or sent again) is marked
``historical``.

A seq the outbox will never deliver (evicted when full, lost to a torn write; the outbox
stores a marker event naming them) is sent as a small ``outbox_gap`` event, so the hub's
"highest contiguous seq" moves past it with no rule of its own; the marker event itself
(``outbox_dropped`` / ``outbox_lost``) arrives in order and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from edge.store.errors import OutboxError
from edge.store.outbox import Event, Outbox
from edge.store.outbox_types import MARKER_KINDS
from edge.sync.outgoing import Outgoing
from protocols.portable import cbor, messages
from protocols.portable.errors import ProtocolError

log = logging.getLogger(__name__)

GAP_KIND = "outbox_gap"  # a seq that will never arrive (a marker event says why)
INVALID_KIND = "outbox_invalid"  # a stored record that is not a valid event any more
CHANNEL = "events"
_PAYLOAD_FIELDS = ("ts", "reader", "door", "card", "reason", "granted", "faces", "photo")
_U32 = 0xFFFFFFFF
REPLAY_MIN = 0.5  # seconds between two replays a repeated ack can cause


def event_payload(ts: int, reader: int | None, door: int | None, card: int | None,
                  reason: int, granted: bool, faces: int | None = None,
                  photo: str | None = None) -> bytes:
    """The outbox payload of an event: the wire's event fields but seq, kind, historical.

    Validated against the wire schema first (MessageError), so the outbox never holds an
    event the sender could not send.
    """
    fields: dict[str, object] = {"ts": ts, "reader": reader, "door": door, "card": card,
                                 "reason": reason, "granted": granted, "faces": faces,
                                 "photo": photo}
    messages.encode("event", {**fields, "seq": 1, "kind": "access", "historical": False})
    return cbor.encode(fields)


def wire_event(event: Event, historical: bool, now: int) -> dict[str, object]:
    """The ``event`` fields of a stored record (markers and damaged records included).

    The payload is a CBOR map with any of the wire's event fields but ``seq`` and
    ``historical`` (``event_payload`` writes one; the door layer's records carry more
    keys, which the wire has no room for and are left out). A missing or null field
    takes the wire's neutral value: ``reason`` 0, ``granted`` false, ``ts`` now.
    """
    try:
        value = cbor.decode(event.payload)
    except ProtocolError:
        value = None
    base: dict[str, object] = {"seq": event.seq, "ts": now, "reader": None, "door": None,
                               "card": None, "kind": event.kind, "reason": 0,
                               "granted": False, "faces": None, "photo": None,
                               "historical": historical}
    if not isinstance(value, dict):
        return {**base, "kind": INVALID_KIND, "historical": True}
    if event.kind in MARKER_KINDS:
        ts = value.get("ts")
        return {**base, "ts": ts if isinstance(ts, int) and 0 <= ts <= _U32 else now,
                "historical": True}
    fields = {**base, **{name: value[name] for name in _PAYLOAD_FIELDS
                         if value.get(name) is not None}}
    try:
        messages.encode("event", fields)
    except ProtocolError as err:
        # Not the card number: the error names the field only by path.
        log.warning("outbox record %s is not a valid event (%s); sent as %s",
                    event.seq, type(err).__name__, INVALID_KIND)
        return {**base, "kind": INVALID_KIND, "historical": True}
    return fields


def gap_event(seq: int, now: int) -> dict[str, object]:
    """A placeholder for a seq the outbox will never deliver."""
    return {"seq": seq, "ts": now, "reader": None, "door": None, "card": None,
            "kind": GAP_KIND, "reason": 0, "granted": False, "faces": None, "photo": None,
            "historical": True}


class EventSender:
    """Outbox -> ``event_batch`` messages; ``event_ack`` -> ``Outbox.ack``."""

    def __init__(self, outbox: Outbox, clock: Callable[[], float], batch: int = 256,
                 max_in_flight: int = 1024, ack_timeout: float = 10.0) -> None:
        self.outbox = outbox
        self._clock = clock
        self._batch = batch
        self._max_in_flight = max_in_flight
        self._ack_timeout = ack_timeout
        self.connected = False
        self._sent_upto = outbox.acked_seq  # highest seq published on this connection
        self._live_from = outbox.last_seq + 1  # seqs below were recorded before it
        self._resend_upto = 0  # seqs up to here are being sent again
        self._last_progress = 0.0
        self._last_replay = 0.0
        self.batches_sent = 0
        self.resends = 0

    @property
    def unacknowledged(self) -> int:
        """Events stored but not yet acknowledged by the hub."""
        return max(0, self.outbox.last_seq - self.outbox.acked_seq)

    def on_connect(self) -> None:
        """Everything unacknowledged goes again, from the last ack."""
        self.connected = True
        self._resend_upto = self._sent_upto
        self._sent_upto = self.outbox.acked_seq
        self._live_from = self.outbox.last_seq + 1
        self._last_progress = self._clock()

    def on_disconnect(self) -> None:
        self.connected = False

    def on_ack(self, fields: dict[str, object]) -> None:
        upto = fields["upto"]
        if not isinstance(upto, int):
            return
        last = self.outbox.last_seq
        if upto > last:
            log.error("the hub acknowledges seq %s but the outbox ends at %s: was this "
                      "controller's data directory reset? not acknowledging", upto, last)
            return
        if upto < self.outbox.acked_seq:
            return  # a late ack: nothing new
        if upto == self.outbox.acked_seq:
            # The hub acknowledges again what it already did while later events are out:
            # it found a gap above `upto` and asks for them again (hub.events.ingest).
            # Rate-limited, since a repeated ack also answers a duplicate batch.
            now = self._clock()
            if self._sent_upto > upto and now - self._last_replay >= REPLAY_MIN:
                log.info("the hub asks again for events after %s", upto)
                self._last_replay = now
                self._resend_upto = max(self._resend_upto, self._sent_upto)
                self._sent_upto = upto
                self._last_progress = now
            return
        try:
            self.outbox.ack(upto)
        except OutboxError as err:
            log.error("cannot acknowledge events up to %s: %s", upto, err)
            return
        self._sent_upto = max(self._sent_upto, upto)
        self._last_progress = self._clock()

    def tick(self) -> list[Outgoing]:
        """Resend after ``ack_timeout`` without progress, then send what fits."""
        if not self.connected:
            return []
        acked = self.outbox.acked_seq
        if self._sent_upto > acked and self._clock() - self._last_progress >= self._ack_timeout:
            log.info("no ack for events %s..%s within %ss: sending them again",
                     acked + 1, self._sent_upto, self._ack_timeout)
            self.resends += 1
            self._resend_upto = max(self._resend_upto, self._sent_upto)
            self._sent_upto = acked
            self._last_progress = self._clock()
        return self.pump()

    def pump(self) -> list[Outgoing]:
        """Batches for the events not yet sent, within the in-flight limit."""
        out: list[Outgoing] = []
        if not self.connected:
            return out
        now = int(self._clock())
        while True:
            room = self._max_in_flight - (self._sent_upto - self.outbox.acked_seq)
            if room <= 0:
                break
            limit = min(self._batch, room)
            try:
                stored = self.outbox.pending(after_seq=self._sent_upto, limit=limit)
            except OutboxError as err:
                log.error("cannot read the outbox: %s", err)
                break
            if not stored:
                break
            batch = self._batch_of(stored, limit, now)
            if self._sent_upto == self.outbox.acked_seq:
                self._last_progress = self._clock()  # the ack timer starts with the send
            self._sent_upto = _int(batch[-1]["seq"])
            out.append(Outgoing(CHANNEL, "event_batch", {"events": batch}))
            self.batches_sent += 1
        return out

    def _batch_of(self, stored: list[Event], limit: int, now: int) -> list[dict[str, object]]:
        batch: list[dict[str, object]] = []
        expected = max(self._sent_upto, self.outbox.acked_seq) + 1
        for event in stored:
            while expected < event.seq and len(batch) < limit:
                batch.append(gap_event(expected, now))
                expected += 1
            if len(batch) >= limit:
                break
            historical = event.seq < self._live_from or event.seq <= self._resend_upto
            batch.append(wire_event(event, historical, now))
            expected = event.seq + 1
        return batch


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0
