"""The list the door decides from, and the only code that replaces it.

``ActiveList.current`` is read by the decision path from any thread; it is replaced by
one reference assignment, and only with a list that is complete, verified and already
saved (ListStore, atomic). A delta is applied to a copy, never to the list in use, so
``decide()`` can never see a half-applied delta.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from edge.store.errors import ListFileError
from edge.store.listfile import ListStatus, ListStore
from edge.sync.errors import SyncError
from protocols.portable.accesslist import (
    AccessList,
    apply_delta,
    decode_delta,
    decode_snapshot,
    encode_snapshot,
)
from protocols.portable.errors import AccessListError

log = logging.getLogger(__name__)


class ListUpdateError(SyncError):
    """A snapshot or delta that was not applied; ``code`` is the wire's list_error code."""

    def __init__(self, code: str, version: int | None, detail: str) -> None:
        super().__init__(detail)
        self.code = code  # base_mismatch, hash_mismatch, invalid, storage
        self.version = version
        self.detail = detail


@dataclass(frozen=True)
class Installed:
    """A list now active: its version and content hash."""

    version: int
    hash: bytes


def clone(lst: AccessList) -> AccessList:
    """A copy ``apply_delta`` and ``compact`` may change without touching ``lst``.

    The sorted card arrays are shared: ``compact()`` builds new arrays and assigns them,
    it never edits them, and ``apply_delta`` writes only the temporary area. Everything a
    delta or compaction edits in place (dicts, the profile maps, the terms table that
    ``compact`` appends to) is copied, so a card delta costs no copy of the card arrays.
    """
    new = AccessList(lst.version, site=lst.site, controller=lst.controller,
                     horizon_start=lst.horizon_start, horizon_end=lst.horizon_end,
                     salt=lst.salt)
    new.readers = dict(lst.readers)
    new.schedules = list(lst.schedules)  # the arrays are replaced by deltas, never edited
    new.profiles = [dict(p) for p in lst.profiles]  # a reader removal edits every profile
    new.keys = lst.keys
    new.card_profile = lst.card_profile
    new.card_terms = lst.card_terms
    new.valid_from = lst.valid_from[:]
    new.valid_to = lst.valid_to[:]
    new.flags = lst.flags[:]
    new.pins = dict(lst.pins)
    new.temp = dict(lst.temp)
    return new


class ActiveList:
    """The active compiled list of one controller, loaded from and saved to ``store``."""

    def __init__(self, store: ListStore, controller: str) -> None:
        self._store = store
        self._controller = controller
        loaded = store.load_access_list()
        self.load_status: ListStatus = loaded.status
        self._active: tuple[AccessList, bytes] | None = None
        if loaded.value is not None and loaded.stored is not None:
            self._active = (loaded.value, loaded.stored.content_hash)

    @property
    def current(self) -> AccessList | None:
        """The list to decide from (None before the first snapshot). Never half-applied."""
        active = self._active
        return None if active is None else active[0]

    @property
    def version(self) -> int | None:
        active = self._active
        return None if active is None else active[0].version

    @property
    def hash(self) -> bytes | None:
        active = self._active
        return None if active is None else active[1]

    def install_snapshot(self, data: bytes, expected_hash: bytes) -> Installed:
        """Verify, decode, save and activate a complete snapshot; ListUpdateError if not."""
        digest = hashlib.sha256(data).digest()
        if digest != expected_hash:
            raise ListUpdateError("hash_mismatch", None,
                                  f"snapshot hashes to {digest.hex()[:16]}..., the manifest "
                                  f"says {expected_hash.hex()[:16]}...")
        try:
            lst = decode_snapshot(data)
        except AccessListError as err:
            raise ListUpdateError("invalid", None, f"snapshot: {err}") from err
        self._check_controller(lst)
        try:
            self._store.save(data, lst.version, expected_hash)
        except ListFileError as err:
            raise ListUpdateError("storage", lst.version, str(err)) from err
        self._active = (lst, digest)
        log.info("installed list version %s from a snapshot (%s bytes)", lst.version, len(data))
        return Installed(lst.version, digest)

    def apply_delta(self, data: bytes) -> Installed | None:
        """Apply an encoded delta on its exact base; None for a stale duplicate.

        ListUpdateError ``base_mismatch`` when the active list is not the delta's base,
        ``invalid`` for a malformed delta or op, ``hash_mismatch`` when the result does
        not hash to the delta's ``hash``, ``storage`` when it cannot be saved. In every
        error case the active list is unchanged.
        """
        try:
            delta = decode_delta(data)
        except AccessListError as err:
            raise ListUpdateError("invalid", None, f"delta: {err}") from err
        active = self._active
        if active is None:
            raise ListUpdateError("base_mismatch", delta.version,
                                  f"delta {delta.base}->{delta.version} but no list is "
                                  "installed; a full snapshot is needed")
        lst = active[0]
        if delta.version <= lst.version:
            log.debug("ignored delta %s->%s: already at version %s",
                      delta.base, delta.version, lst.version)
            return None
        if delta.base != lst.version:
            raise ListUpdateError("base_mismatch", delta.version,
                                  f"delta {delta.base}->{delta.version} does not apply to "
                                  f"version {lst.version}; a full snapshot is needed")
        new = clone(lst)
        try:
            apply_delta(new, delta)
        except AccessListError as err:
            raise ListUpdateError("invalid", delta.version, f"delta: {err}") from err
        snapshot = encode_snapshot(new)  # compacts the copy first
        digest = hashlib.sha256(snapshot).digest()
        if delta.hash is not None and digest != delta.hash:
            raise ListUpdateError("hash_mismatch", delta.version,
                                  f"version {delta.version} after the delta hashes to "
                                  f"{digest.hex()[:16]}..., the hub's is "
                                  f"{delta.hash.hex()[:16]}...")
        try:
            self._store.save(snapshot, new.version)
        except ListFileError as err:
            raise ListUpdateError("storage", delta.version, str(err)) from err
        self._active = (new, digest)
        log.info("applied delta %s->%s (%s ops)", delta.base, delta.version, len(delta.ops))
        return Installed(new.version, digest)

    def _check_controller(self, lst: AccessList) -> None:
        if lst.controller != self._controller:
            raise ListUpdateError("invalid", lst.version,
                                  f"the snapshot is for controller {lst.controller!r}, "
                                  f"this is {self._controller!r}")
