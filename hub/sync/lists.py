"""Every controller's desired access list, kept current and ready to serve.

Per site, a :class:`~hub.compiler.incremental.CompiledSite` (fed by
:func:`hub.compiler.load.load_site_rules`) holds each controller's list as the edge
holds it. Per controller, :class:`ControllerList` has the version, content hash,
canonical snapshot and the recent deltas. Changes come two ways:

* :meth:`ListService.apply`: one change (a card activated, a person edited), compiled
  incrementally into small deltas for exactly the controllers it touches;
* :meth:`ListService.reconcile`: the whole site recompiled from the database (at start,
  periodically, after structural edits, and each day for the horizon); the result is
  diffed against what each controller has, so versions continue across hub restarts.

After a change the new snapshot is encoded and stored (:meth:`settle`, off the fast
path). Each controller's copy keeps its slots as the edge does (hub.sync.liststore);
:meth:`reset_layout` starts it again from the snapshot when the edge installs one.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.models import Controller
from hub.badges.pins import PinVault
from hub.compiler.changes import Change
from hub.compiler.compile import CompileOptions
from hub.compiler.deltas import ListKeeper
from hub.compiler.incremental import CompiledSite, compile_frozen
from hub.compiler.load import load_site_rules
from hub.sites.models import Site
from hub.sync.liststore import (
    StoredDelta,
    add_delta,
    canonical,
    load_deltas,
    load_snapshots,
    restore,
    save_snapshot,
)
from hub.sync.txn import lock_for_writing
from protocols.portable.accesslist import (
    Delta,
    decode_snapshot,
    encode_delta,
    encode_snapshot,
)
from protocols.portable.message_types import CHUNK_MAX

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass
class ControllerList:
    """The list one controller should run."""

    controller_id: int
    code: str
    version: int
    content_hash: bytes
    snapshot: bytes  # snapshot of ``version`` (stale while ``dirty``)
    deltas: deque[StoredDelta]
    dirty: bool = False  # changed since the last settle: the snapshot is not encoded yet


@dataclass(frozen=True)
class ListUpdate:
    """A controller's list moved to ``version``; ``delta`` is None when only a snapshot
    will do (a controller's first list)."""

    controller_id: int
    code: str
    version: int
    content_hash: bytes
    delta: StoredDelta | None


@dataclass(frozen=True)
class Answer:
    """What to send for a ``list_request``: deltas in order, or a snapshot from a chunk."""

    deltas: tuple[StoredDelta, ...] = ()
    snapshot: bool = False
    first_chunk: int = 0
    # the edge will install the snapshot (it has another version): its slots become the
    # snapshot's (an edge that has this version already ignores the chunks)
    installs: bool = False

    @property
    def nothing(self) -> bool:
        return not self.deltas and not self.snapshot


@dataclass
class SiteLists:
    """One site's compiled lists."""

    site_id: int
    code: str
    compiled: CompiledSite
    controllers: dict[str, ControllerList]
    horizon_start: int
    lock: threading.RLock
    journal: list[Change] | None = None  # changes applied while a reconcile compiles
    by_id: dict[int, str] = field(default_factory=dict)


def day_start(now: dt.datetime) -> int:
    """UTC midnight of ``now``: the horizon moves once a day, not at every recompile."""
    midnight = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(midnight.timestamp())


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class ListService:
    """The desired lists of every loaded site."""

    def __init__(self, sessions: SessionFactory, pins: Callable[[], PinVault | None], *,
                 horizon_days: int = 35, gone_keep_days: int = 35, keep_deltas: int = 64,
                 chunk_size: int = 64 * 1024) -> None:
        self._sessions = sessions
        self._pins = pins
        self.horizon_days = horizon_days
        self.gone_keep_days = gone_keep_days
        self.keep_deltas = keep_deltas
        self.chunk_size = chunk_size
        self._sites: dict[int, SiteLists] = {}
        self._locks: dict[int, threading.RLock] = {}
        self._controllers: dict[int, SiteLists] = {}
        self._guard = threading.Lock()

    # -- lookups ------------------------------------------------------------------------
    def site(self, site_id: int) -> SiteLists | None:
        return self._sites.get(site_id)

    def sites(self) -> list[SiteLists]:
        return list(self._sites.values())

    def state(self, controller_id: int) -> tuple[SiteLists, ControllerList] | None:
        site = self._controllers.get(controller_id)
        if site is None:
            return None
        code = site.by_id.get(controller_id)
        state = site.controllers.get(code) if code is not None else None
        return None if state is None else (site, state)

    def _lock(self, site_id: int) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(site_id, threading.RLock())

    # -- whole-site compilation ------------------------------------------------------------
    def reconcile(self, session: Session, site_id: int, now: dt.datetime) -> list[ListUpdate]:
        """Recompile the site from the database; the controllers whose list changed.

        The slow compile runs without the site's lock; changes applied meanwhile are
        replayed onto the new compilation before it replaces the old one.
        """
        lock = self._lock(site_id)
        with lock:
            current = self._sites.get(site_id)
            if current is not None:
                current.journal = []
        try:
            site_row = session.get(Site, site_id)
            if site_row is None:
                self._forget(site_id)
                return []
            rules = load_site_rules(session, site_id, pins=self._pins())
            horizon = day_start(now)
            options = CompileOptions(horizon_start=horizon, horizon_days=self.horizon_days,
                                     gone_keep_days=self.gone_keep_days, secret=site_row.secret)
            # compiled with the collector paused, then frozen: a big site's millions of
            # objects stay out of every later collection, so no GC pause hits an
            # activation's latency (docs/compiler.md). gc.freeze() also freezes whatever
            # cyclic garbage exists at that moment (any thread's), which would then never
            # be freed: each recompile first thaws the last freeze and collects it, one
            # full collection per recompile instead of a leak.
            gc.unfreeze()
            gc.collect()
            fresh = compile_frozen(rules, options)
            ids = {
                code: ident for code, ident in session.execute(
                    select(Controller.code, Controller.id).where(Controller.site_id == site_id))
            }
        except BaseException:
            with lock:
                if current is not None:
                    current.journal = None
            raise
        session.commit()  # end the reading transaction; the writing one waits for the lock
        lock_for_writing(session)
        with lock:
            current = self._sites.get(site_id)
            journal = (current.journal or []) if current is not None else []
            for change in journal:
                fresh.apply(change)
            updates, states = self._adopt(session, current, fresh, ids)
            site = SiteLists(site_id, site_row.code, fresh, states, horizon, lock,
                             by_id={s.controller_id: s.code for s in states.values()})
            self._sites[site_id] = site
            with self._guard:
                for state in states.values():
                    self._controllers[state.controller_id] = site
        if updates:
            log.info("site %s: %s controller list(s) changed on recompile", site_row.code,
                     len(updates))
        return updates

    def _adopt(self, session: Session, current: SiteLists | None, fresh: CompiledSite,
               ids: dict[str, int]) -> tuple[list[ListUpdate], dict[str, ControllerList]]:
        """Make ``fresh`` continue each controller's list: the delta from what the edges
        were told (or the database remembers) to the new content."""
        updates: list[ListUpdate] = []
        states: dict[str, ControllerList] = {}
        known = {} if current is None else current.controllers
        missing = [ids[c] for c in fresh.keepers if c not in known and c in ids]
        stored = load_snapshots(session, missing)
        for code, keeper in fresh.keepers.items():
            controller_id = ids.get(code)
            if controller_id is None:
                continue
            state = known.get(code)
            if state is not None and current is not None:
                self._settle_one(session, current, state)
                held = current.compiled.keepers[code]
            elif controller_id in stored:
                deltas = load_deltas(session, controller_id)
                lst, data = restore(stored[controller_id], deltas)
                held = ListKeeper(lst)
                state = ControllerList(controller_id, code, lst.version, _sha(data), data,
                                       deque(deltas[-self.keep_deltas:], self.keep_deltas))
            else:
                lst, data = canonical(keeper.current)
                fresh.keepers[code] = ListKeeper(lst)
                state = ControllerList(controller_id, code, lst.version, _sha(data), data,
                                       deque(maxlen=self.keep_deltas))
                save_snapshot(session, controller_id, lst.version, state.content_hash, data,
                              self.keep_deltas)
                states[code] = state
                updates.append(ListUpdate(controller_id, code, lst.version, state.content_hash,
                                          None))
                continue
            delta = held.replace_with(keeper.current)
            fresh.keepers[code] = held
            states[code] = state
            if delta is not None:
                updates.append(self._record(session, state, delta))
        return updates, states

    def _forget(self, site_id: int) -> None:
        with self._guard:
            site = self._sites.pop(site_id, None)
            if site is not None:
                for controller_id in site.by_id:
                    self._controllers.pop(controller_id, None)

    # -- single changes ----------------------------------------------------------------------
    def apply(self, session: Session, site_id: int, change: Change) -> list[ListUpdate]:
        """Compile one change into deltas for the controllers it touches and record them
        in ``session`` (the caller commits, publishes, then calls :meth:`settle`)."""
        with self._lock(site_id):
            site = self._sites.get(site_id)
            if site is None:
                raise LookupError(f"site {site_id} is not loaded by the sync service")
            for state in site.controllers.values():
                self._settle_one(session, site, state)
            deltas = site.compiled.apply(change)
            if site.journal is not None:
                site.journal.append(change)
            return [self._record(session, site.controllers[code], delta)
                    for code, delta in sorted(deltas.items()) if code in site.controllers]

    def _record(self, session: Session, state: ControllerList, delta: Delta) -> ListUpdate:
        data = encode_delta(delta)
        stored = StoredDelta(delta.base, delta.version, data)
        add_delta(session, state.controller_id, stored)
        state.version = delta.version
        state.content_hash = delta.hash or b""
        state.deltas.append(stored)
        state.dirty = True
        return ListUpdate(state.controller_id, state.code, delta.version, state.content_hash,
                          stored)

    def settle(self, site_id: int) -> None:
        """Encode and store the snapshots of changed lists."""
        with self._lock(site_id):
            site = self._sites.get(site_id)
            if site is None or not any(s.dirty for s in site.controllers.values()):
                return
            with self._sessions() as session:
                lock_for_writing(session)
                for state in site.controllers.values():
                    self._settle_one(session, site, state)
                session.commit()

    def _settle_one(self, session: Session, site: SiteLists, state: ControllerList) -> None:
        if not state.dirty:
            return
        data = encode_snapshot(site.compiled.keepers[state.code].current)
        state.snapshot, state.dirty = data, False
        if _sha(data) != state.content_hash:  # the compiler's hash and ours must agree
            log.error("controller %s: list %s hashes differently from its delta", state.code,
                      state.version)
            state.content_hash = _sha(data)
        save_snapshot(session, state.controller_id, state.version, state.content_hash, data,
                      self.keep_deltas)

    def reset_layout(self, controller_id: int) -> None:
        """The controller is about to install the current snapshot: from now on its deltas
        name the slots of that snapshot as decoded."""
        found = self.state(controller_id)
        if found is None:
            return
        site, state = found
        with site.lock:
            if state.dirty:
                self.settle(site.site_id)
            lst = decode_snapshot(state.snapshot)
            site.compiled.keepers[state.code] = ListKeeper(lst)

    # -- serving --------------------------------------------------------------------------------
    def manifest(self, controller_id: int) -> dict[str, object] | None:
        """The ``manifest`` message fields for the controller (None: not loaded)."""
        found = self.state(controller_id)
        if found is None:
            return None
        site, state = found
        with site.lock:
            if state.dirty:
                self.settle(site.site_id)
            return {"version": state.version, "hash": state.content_hash,
                    "size": len(state.snapshot), "chunk_size": self.chunk_size}

    def answer(self, controller_id: int, have: int | None, want: str,
               resume_from: int) -> Answer:
        """What a ``list_request`` should get: nothing (up to date), the deltas from
        ``have``, or the snapshot from chunk ``resume_from``."""
        found = self.state(controller_id)
        if found is None:
            return Answer()
        site, state = found
        with site.lock:
            if want == "delta" and have is not None:
                if have == state.version:
                    return Answer()
                chain = self._chain(state, have)
                if chain is not None:
                    return Answer(deltas=tuple(chain))
                return Answer(snapshot=True, installs=True)
            return Answer(snapshot=True, first_chunk=resume_from,
                          installs=resume_from == 0 and have != state.version)

    @staticmethod
    def _chain(state: ControllerList, have: int) -> list[StoredDelta] | None:
        chain: list[StoredDelta] = []
        at = have
        for stored in state.deltas:
            if stored.base == at and stored.version > at:
                if len(stored.data) > CHUNK_MAX:
                    return None
                chain.append(stored)
                at = stored.version
        return chain if at == state.version and chain else None

    def snapshot(self, controller_id: int) -> tuple[int, bytes] | None:
        """``(version, canonical snapshot)`` the controller should run."""
        found = self.state(controller_id)
        if found is None:
            return None
        site, state = found
        with site.lock:
            if state.dirty:
                self.settle(site.site_id)
            return state.version, state.snapshot
