"""The hub's sync service: broker link(s), worker, rollout, lists, presence, in one object.

``SyncService(sessions, settings, pins).start()`` connects (starting the embedded broker
when no URL is configured), loads and compiles every site, publishes the manifests
(rate-limited) and the retained ``hub_status``, and runs three threads: the worker
(hub.sync.worker), the rollout sender (hub.sync.rollout) and a timer that recompiles
each site every ``reconcile_interval`` seconds (new sites included). ``stop()`` says
``online: false``, disconnects and ends every thread it started.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.badges.pins import PinVault
from hub.broker.access import controller_rights, hub_rights
from hub.broker.embedded import EmbeddedBroker
from hub.broker.mosquitto import HUB_USER, accounts_from_db
from hub.dbtypes import utcnow
from hub.sites.models import Site
from hub.sync.link import SiteLink
from hub.sync.lists import ListService, ListUpdate
from hub.sync.models import HubPresence
from hub.sync.peers import Peer, Peers
from hub.sync.rollout import Rollout
from hub.sync.settings import BrokerAddress, SyncSettings
from hub.sync.txn import lock_for_writing
from hub.sync.waiters import Waiters
from hub.sync.worker import Outcome, Worker

log = logging.getLogger(__name__)

class SyncService:
    """Sync of every site in the database with its controllers."""

    def __init__(self, sessions: sessionmaker[Session], settings: SyncSettings,
                 pins: Callable[[], PinVault | None] = lambda: None) -> None:
        self.sessions = sessions
        self.settings = settings
        self.pins = pins
        self.peers = Peers(sessions, settings.prefix)
        self.lists = ListService(
            sessions, pins, horizon_days=settings.horizon_days,
            gone_keep_days=settings.gone_keep_days, keep_deltas=settings.keep_deltas,
            chunk_size=settings.chunk_size,
        )
        self.waiters = Waiters()
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.worker = Worker(self, self.inbox, settings.batch_max)
        self.rollout = Rollout(
            self._publish_manifest, self._publish_chunk, self.lists.snapshot,
            chunk_size=settings.chunk_size, manifests_per_second=settings.manifests_per_second,
            manifest_burst=settings.manifest_burst,
            bytes_per_second=settings.snapshot_bytes_per_second,
            burst_bytes=settings.snapshot_burst_bytes,
        )
        self.links: dict[str, SiteLink] = {}
        self.broker: EmbeddedBroker | None = None
        self.address: BrokerAddress | None = None
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        self.started = False

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> SyncService:
        """Start everything; raises (and leaves nothing running) if it cannot."""
        try:
            self.address = self.settings.address() or self._start_embedded()
            self.worker.start()
            self.rollout.start()
            self.refresh()
            self._stop.clear()
            self._timer = threading.Thread(target=self._tick, name="sync-timer", daemon=True)
            self._timer.start()
        except BaseException:
            self.stop()
            raise
        self.started = True
        log.info("sync service started (broker %s)", self.address)
        return self

    def stop(self) -> None:
        """Stop every thread and connection this service started."""
        self._stop.set()
        if self._timer is not None:
            self._timer.join(10.0)
            self._timer = None
        for link in list(self.links.values()):
            link.stop()
        self.links.clear()
        self.rollout.stop()
        self.worker.stop()
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        self.started = False

    def _start_embedded(self) -> BrokerAddress:
        settings = self.settings
        if not settings.embedded_accounts:
            self.broker = EmbeddedBroker(settings.embedded_host, settings.embedded_port).start()
            return BrokerAddress(settings.embedded_host, self.broker.port, tls=False)
        # Per-controller accounts (the passwords `vratnik hub broker-config` hands out) and
        # the same exact rights as the Mosquitto ACL; the hub logs in with its own account.
        with self.sessions() as session:
            accounts = accounts_from_db(session)
            session.commit()  # passwords and keys created on first use are stored
        hub_user = settings.username or HUB_USER
        hub_password = settings.password or secrets.token_urlsafe(24)
        passwords = {hub_user: hub_password}
        rights = {hub_user: hub_rights(settings.prefix)}
        for account in accounts:
            passwords[account.username] = account.password
            rights[account.username] = controller_rights(settings.prefix, account.site,
                                                         account.controller)
        self.broker = EmbeddedBroker(settings.embedded_host, settings.embedded_port,
                                     accounts=passwords, acl=rights).start()
        log.info("embedded broker: %s controller account(s) from the database", len(accounts))
        return BrokerAddress(settings.embedded_host, self.broker.port, tls=False,
                             username=hub_user, password=hub_password)

    def _tick(self) -> None:
        while not self._stop.wait(self.settings.reconcile_interval):
            try:
                self.refresh()
            except Exception:  # the next tick tries again
                log.exception("sync: periodic recompile failed")

    # -- sites ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompile every site (loading new ones and connecting their links) and roll
        out the lists that changed."""
        with self.sessions() as session:
            site_ids = list(session.scalars(select(Site.id).order_by(Site.id)))
        for site_id in site_ids:
            self.refresh_site(site_id)

    def refresh_site(self, site_id: int) -> list[ListUpdate]:
        """Recompile one site from the database; manifests of changed lists go out."""
        with self.sessions() as session:
            lock_for_writing(session)
            self.peers.load_site(session, site_id)
            site_code = session.scalar(select(Site.code).where(Site.id == site_id))
            counter = None
            if site_code is not None and site_code not in self.links:
                counter = self._next_start(session, site_id)
            session.commit()
        with self.sessions() as session:
            updates = self.lists.reconcile(session, site_id, utcnow())
            session.commit()
        self.lists.settle(site_id)
        if counter is not None and site_code is not None:
            self._connect(site_code, counter)
        for update in updates:
            self.rollout.manifest(update.controller_id)
        return updates

    @staticmethod
    def _next_start(session: Session, site_id: int) -> int:
        row = session.get(HubPresence, site_id)
        if row is None:
            row = HubPresence(site_id=site_id, session=0)
            session.add(row)
        row.session += 1
        session.flush()
        return row.session

    def _connect(self, site: str, start_counter: int) -> None:
        if self.address is None:
            raise RuntimeError("the sync service has no broker address")
        link = SiteLink(self.address, site, self.inbox, start_counter=start_counter,
                        client_id=self.settings.client_id, prefix=self.settings.prefix,
                        ca_file=self.settings.ca_file, keepalive=self.settings.keepalive)
        self.links[site] = link
        link.start()

    def on_connected(self, site: str) -> None:
        """A link (re)connected: the broker may have lost retained manifests; send all."""
        for peer in self.peers:
            if peer.site == site and peer.enabled:
                self.rollout.manifest(peer.controller_id)

    def wait_connected(self, timeout: float = 10.0) -> bool:
        """Whether every site link is connected within ``timeout`` seconds."""
        return all(link.connected.wait(timeout) for link in list(self.links.values()))

    # -- publishing ---------------------------------------------------------------------
    def publish(self, peer: Peer, channel: str, msg_type: str, fields: dict[str, object],
                retain: bool = False) -> bool:
        """Seal and publish a message to one controller; False if there is no link."""
        link = self.links.get(peer.site)
        if link is None:
            log.warning("no broker link for site %s", peer.site)
            return False
        topic, payload = self.peers.pack(peer, channel, msg_type, fields)
        return link.publish(topic, payload, qos=1, retain=retain)

    def _publish_manifest(self, controller_id: int) -> None:
        peer = self.peers.by_id(controller_id)
        fields = self.lists.manifest(controller_id)
        if peer is None or fields is None or not peer.enabled:
            return
        self.publish(peer, "manifest", "manifest", fields, retain=True)

    def _publish_chunk(self, controller_id: int, version: int, index: int, count: int,
                       data: bytes) -> None:
        peer = self.peers.by_id(controller_id)
        if peer is None or not peer.enabled:
            return
        self.publish(peer, "list/snap", "snapshot_chunk",
                     {"version": version, "index": index, "count": count, "data": data})

    def push_delta(self, peer: Peer, data: bytes) -> bool:
        """Send a delta at once (a fast card activation): not rate-limited."""
        return self.publish(peer, "list/delta", "delta", {"data": data})

    # -- after a committed worker batch ---------------------------------------------------
    def after_commit(self, outcome: Outcome) -> None:
        """Acks, answers to waiting API calls, list requests (all after the commit)."""
        for controller_id, result in outcome.acks.items():
            peer = self.peers.by_id(controller_id)
            if peer is not None and result.should_ack:
                self.publish(peer, "events/ack", "event_ack", {"upto": result.upto})
        for controller_id, answer in outcome.photo_acks:
            peer = self.peers.by_id(controller_id)
            if peer is not None:
                self.publish(peer, "photos/ack", "photo_ack", answer)
        for controller_id, version in outcome.applied:
            self.waiters.list_applied(controller_id, version)
        for controller_id, failed, detail in outcome.errors:
            self.waiters.list_error(controller_id, failed, detail)
        for req, status, detail in outcome.results:
            self.waiters.command_result(req, status, detail)
        for message in outcome.requests:
            self._answer(message.peer, message.fields)
        for controller_id in outcome.births:
            self.rollout.manifest(controller_id)

    def _answer(self, peer: Peer, fields: dict[str, Any]) -> None:
        if not peer.enabled:
            return
        answer = self.lists.answer(peer.controller_id, fields["have"], fields["want"],
                                   fields["resume_from"])
        for stored in answer.deltas:
            self.push_delta(peer, stored.data)
        if answer.snapshot:
            if answer.installs:
                self.lists.reset_layout(peer.controller_id)
            self.rollout.snapshot(peer.controller_id, answer.first_chunk)
