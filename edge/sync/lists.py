"""Keeping the active list at the hub's manifest: requests, snapshots, deltas, reports.

The logic only; it returns the messages to send (:class:`Outgoing`) and the agent
publishes them. Rules (docs/sync.md):

* The retained ``manifest`` says which version and hash the edge should run. Behind it,
  or exactly at it (a reconnect: only what came since is wanted), the edge asks for a
  delta from its version (``want: delta``); with no list, or ahead of the manifest, or
  at its version with another hash, for a snapshot.
* A ``delta`` is applied only on its exact base (ActiveList); a stale one (not newer
  than the active list) is ignored, a wrong base is reported (``list_error
  base_mismatch``) and followed by a snapshot request.
* ``snapshot_chunk``s are assembled in order (SnapshotAssembler, resumable); the whole
  is installed only when its hash matches the manifest of its version.
* Every list that becomes active is reported with ``list_applied``.
* A request unanswered for ``request_timeout`` seconds while still behind is repeated;
  an identical request is not repeated sooner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from edge.sync.activelist import ActiveList, Installed, ListUpdateError
from edge.sync.errors import SyncStateError
from edge.sync.outgoing import Outgoing
from edge.sync.snapshot import SnapshotAssembler
from edge.sync.state import Manifest, SyncState

log = logging.getLogger(__name__)

APPLIED = "list/applied"
REQUEST = "list/req"


class ListSync:
    """The list side of the edge's sync (used by the agent's one worker thread)."""

    def __init__(self, active: ActiveList, assembler: SnapshotAssembler, state: SyncState,
                 clock: Callable[[], float], request_timeout: float) -> None:
        self.active = active
        self.assembler = assembler
        self.state = state
        self._clock = clock
        self._timeout = request_timeout
        self._last_request: tuple[dict[str, object], float] | None = None
        self._last_progress = 0.0
        self._completed: tuple[int, bytes] | None = None  # a snapshot awaiting its manifest
        self.errors = 0

    # -- state -------------------------------------------------------------------------
    @property
    def manifest(self) -> Manifest | None:
        return self.state.manifest

    def in_sync(self) -> bool:
        """The active list is the manifest's (version and hash)."""
        manifest = self.manifest
        return manifest is not None and self.active.version == manifest.version \
            and self.active.hash == manifest.hash

    # -- events ------------------------------------------------------------------------
    def on_connect(self) -> list[Outgoing]:
        """Ask for what was missed while away (always sent on a new connection)."""
        self._last_request = None
        return self._request(force=True)

    def on_manifest(self, fields: dict[str, object]) -> list[Outgoing]:
        manifest = Manifest(_int(fields["version"]), _bytes(fields["hash"]),
                            _int(fields["size"]), _int(fields["chunk_size"]))
        self.state.set_manifest(manifest)
        out: list[Outgoing] = []
        progress = self.assembler.progress
        if progress is not None and progress.version != manifest.version:
            log.info("dropping the partial snapshot of version %s: the hub now wants %s",
                     progress.version, manifest.version)
            self.assembler.discard()
        if self._completed is not None:
            version, data = self._completed
            self._completed = None
            if version == manifest.version:
                return self._install(version, data)
        if not self.in_sync():
            out += self._request()
        return out

    def on_chunk(self, fields: dict[str, object]) -> list[Outgoing]:
        version, index = _int(fields["version"]), _int(fields["index"])
        manifest = self.manifest
        if manifest is not None and version < manifest.version:
            return []  # chunks of a superseded version still in flight
        if manifest is not None and version == manifest.version and self.in_sync():
            return []  # a repeat of a snapshot already installed
        try:
            outcome = self.assembler.add(version, index, _int(fields["count"]),
                                         _bytes(fields["data"]))
        except SyncStateError as err:
            self.assembler.discard()
            return [self._error(ListUpdateError("storage", version, str(err)))]
        if outcome.kind in ("stored", "duplicate"):
            if outcome.kind == "stored":
                self._last_progress = self._clock()
            return []
        if outcome.kind == "need":
            return self._send_request(self._snapshot_request(outcome.resume_from))
        data = outcome.data if outcome.data is not None else b""
        if manifest is None or manifest.version != version:
            # Installed only against the manifest's hash: wait for the manifest.
            self._completed = (version, data)
            self.assembler.discard()
            return []
        return self._install(version, data)

    def on_delta(self, fields: dict[str, object]) -> list[Outgoing]:
        try:
            installed = self.active.apply_delta(_bytes(fields["data"]))
        except ListUpdateError as err:
            out = [self._error(err)]
            if err.code in ("base_mismatch", "hash_mismatch"):
                # The list we have cannot lead to the hub's: start over from a snapshot.
                out += self._send_request(self._snapshot_request(0), force=True)
            return out
        if installed is None:
            return []
        self._last_progress = self._clock()
        self.assembler.discard()  # a partial snapshot of an older version is moot now
        return [self._applied(installed)]

    def tick(self) -> list[Outgoing]:
        """Repeat a request that went unanswered while the list is still behind."""
        if self.in_sync() or self._last_request is None:
            return []
        since = max(self._last_request[1], self._last_progress)
        if self._clock() - since < self._timeout:
            return []
        return self._request(force=True)

    # -- helpers -----------------------------------------------------------------------
    def _install(self, version: int, data: bytes) -> list[Outgoing]:
        manifest = self.manifest
        self.assembler.discard()
        if manifest is None or manifest.version != version:
            return self._request(force=True)
        try:
            installed = self.active.install_snapshot(data, manifest.hash)
        except ListUpdateError as err:
            err.version = version
            return [self._error(err), *self._send_request(self._snapshot_request(0))]
        self._last_progress = self._clock()
        return [self._applied(installed)]

    def _request(self, force: bool = False) -> list[Outgoing]:
        manifest = self.manifest
        have = self.active.version
        if self.assembler.progress is not None:
            fields = self._snapshot_request(self.assembler.resume_point())
        elif have is None:
            fields = self._snapshot_request(0)
        elif manifest is None or have < manifest.version or self.in_sync():
            # In sync with the last manifest (a reconnect): ask only for what came after it.
            # The hub answers nothing when the edge is current, deltas when it moved on;
            # asking for a snapshot here would make it resend the whole list every time.
            fields = {"have": have, "want": "delta", "resume_from": 0}
        else:  # ahead of the hub, or same version with another hash
            fields = self._snapshot_request(0)
        return self._send_request(fields, force)

    def _snapshot_request(self, resume_from: int) -> dict[str, object]:
        return {"have": self.active.version, "want": "snapshot", "resume_from": resume_from}

    def _send_request(self, fields: dict[str, object], force: bool = False) -> list[Outgoing]:
        now = self._clock()
        last = self._last_request
        if not force and last is not None and last[0] == fields and now - last[1] < self._timeout:
            return []
        self._last_request = (fields, now)
        log.info("list_request want=%s have=%s resume_from=%s",
                 fields["want"], fields["have"], fields["resume_from"])
        return [Outgoing(REQUEST, "list_request", fields)]

    def _applied(self, installed: Installed) -> Outgoing:
        return Outgoing(APPLIED, "list_applied",
                        {"version": installed.version, "hash": installed.hash})

    def _error(self, err: ListUpdateError) -> Outgoing:
        self.errors += 1
        log.warning("list update failed (%s): %s", err.code, err.detail)
        return Outgoing(APPLIED, "list_error",
                        {"version": err.version, "code": err.code, "detail": err.detail[:256]})


def _int(value: object) -> int:
    if not isinstance(value, int):  # messages.decode checked it; this tells mypy
        raise SyncStateError(f"expected an integer, got {type(value).__name__}")
    return value


def _bytes(value: object) -> bytes:
    if not isinstance(value, bytes):
        raise SyncStateError(f"expected bytes, got {type(value).__name__}")
    return value
