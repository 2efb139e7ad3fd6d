"""The controllers the hub talks to, each with its own keys and counters.

A :class:`Peer` holds one controller's ``Verifier`` (only that controller's key ids, so
a device can never speak for another: the topic picks the verifier) and the hub's
``Sealer`` for it. The sealer's counter is reserved in blocks in the database
(``SealCounter`` with topic ''), so a restarted hub continues above anything it may have
used; accepted counters are saved with each worker batch (:meth:`Peers.take_counters`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.models import Controller
from hub.sites.models import Site
from hub.sync import fastwire
from hub.sync.keys import OWN_COUNTER, active_keys, load_counters, save_counters
from protocols.portable import topics, wire
from protocols.portable.auth import Sealer, Verifier

log = logging.getLogger(__name__)

COUNTER_BLOCK = 1000  # hub sealing counters reserved per database write
UNKNOWN_RETRY = 30.0  # seconds before an unknown (site, controller) is looked up again

SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass
class Peer:
    """One controller: ids, its verifier and the hub's sealer for it."""

    controller_id: int
    site_id: int
    site: str
    code: str
    enabled: bool
    verifier: Verifier
    sealer: Sealer
    reserved: int  # the sealer may use counters below this without another reservation
    saved: dict[tuple[str, str], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Peers:
    """Every known controller, by (site code, controller code) and by database id."""

    def __init__(self, sessions: SessionFactory, prefix: str = topics.DEFAULT_PREFIX) -> None:
        self._sessions = sessions
        self.prefix = prefix
        self._by_name: dict[tuple[str, str], Peer] = {}
        self._by_id: dict[int, Peer] = {}
        self._unknown: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[Peer]:
        with self._lock:
            return iter(list(self._by_id.values()))

    def by_id(self, controller_id: int) -> Peer | None:
        return self._by_id.get(controller_id)

    def get(self, site: str, code: str) -> Peer | None:
        return self._by_name.get((site, code))

    def load_site(self, session: Session, site_id: int) -> list[Peer]:
        """(Re)load every controller of a site, keeping the live counters of known ones."""
        rows = session.execute(
            select(Controller.id, Controller.code, Controller.enabled, Site.code)
            .join(Site, Site.id == Controller.site_id)
            .where(Controller.site_id == site_id)
        )
        loaded = []
        for controller_id, code, enabled, site_code in rows:
            known = self._by_id.get(controller_id)
            if known is not None:
                known.enabled = enabled
                loaded.append(known)
                continue
            loaded.append(self._load(session, controller_id, site_id, site_code, code, enabled))
        return loaded

    def lookup(self, session: Session, site: str, code: str) -> Peer | None:
        """The peer of a topic's (site, controller); looked up in the database when new
        (a controller created after the hub started). None for an unknown one."""
        peer = self._by_name.get((site, code))
        if peer is not None:
            return peer
        missed = self._unknown.get((site, code))
        if missed is not None and time.monotonic() - missed < UNKNOWN_RETRY:
            return None
        row = session.execute(
            select(Controller.id, Controller.site_id, Controller.enabled)
            .join(Site, Site.id == Controller.site_id)
            .where(Site.code == site, Controller.code == code)
        ).first()
        if row is None:
            self._unknown[(site, code)] = time.monotonic()
            return None
        return self._load(session, row[0], row[1], site, code, row[2])

    def reload(self, session: Session, controller_id: int) -> Peer | None:
        """Reload a controller's keys (after a rotation), continuing its counters."""
        with self._lock:
            peer = self._by_id.pop(controller_id, None)
            if peer is not None:
                self._by_name.pop((peer.site, peer.code), None)
        if peer is None:
            return None
        self.save_now(session, peer)
        return self._load(session, controller_id, peer.site_id, peer.site, peer.code,
                          peer.enabled)

    def _load(self, session: Session, controller_id: int, site_id: int, site: str, code: str,
              enabled: bool) -> Peer:
        keys = active_keys(session, controller_id)
        counters = load_counters(session, controller_id)
        own = keys[0]
        start = max(1, counters.get((own.kid, OWN_COUNTER), 1))
        accepted = {slot: value for slot, value in counters.items() if slot[1] != OWN_COUNTER}
        reserved = start + COUNTER_BLOCK
        save_counters(session, controller_id, {(own.kid, OWN_COUNTER): reserved})
        peer = Peer(
            controller_id=controller_id, site_id=site_id, site=site, code=code, enabled=enabled,
            verifier=Verifier({k.kid: k.key for k in keys}, accepted),
            sealer=Sealer(own.kid, own.key, start), reserved=reserved, saved=dict(accepted),
        )
        with self._lock:
            self._by_name[(site, code)] = peer
            self._by_id[controller_id] = peer
            self._unknown.pop((site, code), None)
        return peer

    def topic(self, peer: Peer, channel: str) -> str:
        return topics.controller_topic(self.prefix, peer.site, peer.code, channel)

    def pack(self, peer: Peer, channel: str, msg_type: str,
             fields: dict[str, object]) -> tuple[str, bytes]:
        """``(topic, sealed payload)`` of a message to the controller."""
        topic = self.topic(peer, channel)
        with peer.lock:
            if peer.sealer.next_ctr >= peer.reserved:
                self._reserve(peer)
            payload = wire.pack(peer.sealer, topic, msg_type, fields, self.prefix)
        return topic, payload

    def _reserve(self, peer: Peer) -> None:
        reserved = peer.sealer.next_ctr + COUNTER_BLOCK
        with self._sessions() as session:
            save_counters(session, peer.controller_id, {(peer.sealer.kid, OWN_COUNTER): reserved})
            session.commit()
        peer.reserved = reserved

    def unpack(self, peer: Peer, topic: str, payload: bytes) -> tuple[str, dict[str, object]]:
        """Verify and decode a payload from the controller (its verifier only); raises the
        protocol's errors (AuthError, ReplayError, MessageError, ...)."""
        return fastwire.unpack(peer.verifier, topic, payload, self.prefix)

    @staticmethod
    def unsaved_counters(peer: Peer) -> dict[tuple[str, str], int]:
        """Accepted counters that changed since they were last saved."""
        return {
            slot: value for slot, value in peer.verifier.last.items()
            if peer.saved.get(slot) != value
        }

    @staticmethod
    def mark_saved(peer: Peer, counters: dict[tuple[str, str], int]) -> None:
        """Call after the transaction that saved ``counters`` committed."""
        peer.saved.update(counters)

    def save_now(self, session: Session, peer: Peer) -> None:
        """Save the peer's unsaved counters in ``session`` (marked saved at once: for
        callers that commit right away)."""
        counters = self.unsaved_counters(peer)
        save_counters(session, peer.controller_id, counters)
        self.mark_saved(peer, counters)
