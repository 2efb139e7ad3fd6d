"""Sealing what the edge sends and verifying what the hub sends (protocols.wire + auth).

The sealer's counter must never repeat, even after a crash: counters are reserved a
block ahead in the state file before they are used (docs/wire.md). The verifier holds
only the hub's key ids for this controller; a forged, altered or misplaced payload is
dropped and logged, a replay (also a QoS 1 duplicate or a retained message seen again)
is dropped quietly, since it was already acted on.
"""

from __future__ import annotations

import logging

from edge.sync.config import SyncConfig
from edge.sync.state import SyncState
from protocols.portable import wire
from protocols.portable.auth import ReplayError, Sealer, Verifier
from protocols.portable.errors import ProtocolError

log = logging.getLogger(__name__)

COUNTER_BLOCK = 1000  # counters reserved per state write
DETAIL_MAX = 200  # characters of a protocol error kept in the log


class Authenticator:
    """Thread-safe pack/unpack for one edge, with durable counters."""

    def __init__(self, config: SyncConfig, state: SyncState) -> None:
        self._prefix = config.prefix
        self._state = state
        with state.lock:
            start = state.ctr_reserved
            # Reserve before the first seal: counters from `start` on are ours from now.
            state.reserve_counters(start + COUNTER_BLOCK)
            self._sealer = Sealer(config.key_id, config.device_key, start)
            self._verifier = Verifier(config.verify_keys(), state.verifier_last)
            state.verifier_last = self._verifier.last  # one dict, saved with the state
        self.rejected = 0  # forged, altered, malformed or misplaced payloads
        self.replays = 0

    def pack(self, topic: str, msg_type: str, fields: dict[str, object]) -> bytes:
        """The sealed payload of a message for ``topic`` (uses up one counter)."""
        with self._state.lock:
            if self._sealer.next_ctr >= self._state.ctr_reserved:
                self._state.reserve_counters(self._sealer.next_ctr + COUNTER_BLOCK)
            return wire.pack(self._sealer, topic, msg_type, fields, self._prefix)

    def unpack(self, topic: str, payload: bytes) -> tuple[str, dict[str, object]] | None:
        """``(type, fields)`` of an authentic, new, valid payload; None when dropped."""
        with self._state.lock:
            try:
                result = wire.unpack(self._verifier, topic, payload, self._prefix)
            except ReplayError:
                self.replays += 1
                log.debug("dropped a replayed or duplicate message on %s", topic)
                return None
            except ProtocolError as err:
                self.rejected += 1
                # Hub-to-edge messages carry no card numbers outside opaque list data,
                # and the text is cut short: nothing sensitive reaches the log.
                log.warning("dropped a message on %s: %s: %s", topic, type(err).__name__,
                            str(err)[:DETAIL_MAX])
                return None
            self._state.dirty = True
            return result
