"""The sync client's small persisted state: session counter, MAC counters, last manifest.

One JSON file, ``sync-state.json`` in the data directory, replaced atomically (written
under a temporary name, fsynced, renamed, directory fsynced), so a crash leaves the old
or the new state. What it keeps and why:

* ``session``: the connection counter of birth and death. A value is saved *before* it
  is used, so a restart never repeats a session (the hub would take the new birth for
  an old one).
* ``ctr_reserved``: the sealer's counters are reserved a block at a time and the end of
  the block saved first; after a restart sealing continues from there (wire.md).
* ``verifier_last``: the last accepted counter per (key id, topic) of the hub's messages,
  so a replay is refused even across a restart. Saved lazily (see ``dirty``): a replay
  within the unsaved window can only repeat a message already acted on, and commands
  carry their own expiry.
* ``manifest``: the last manifest accepted, because after a restart the retained one is
  seen again with an old counter and dropped as a replay.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from edge.store.fsutil import fsync_dir, write_durable
from edge.sync.errors import SyncStateError

log = logging.getLogger(__name__)

STATE_FILE = "sync-state.json"
FORMAT = 1


@dataclass(frozen=True)
class Manifest:
    """What the hub says the edge should run."""

    version: int
    hash: bytes
    size: int
    chunk_size: int


class SyncState:
    """The state file of one edge (thread-safe; every setter marks the state dirty)."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / STATE_FILE
        # Shared with the Authenticator: the verifier's counters change under it too.
        self.lock = threading.RLock()
        self.session = 0
        self.ctr_reserved = 1
        self.verifier_last: dict[tuple[str, str], int] = {}
        self.manifest: Manifest | None = None
        self.dirty = False
        self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as err:
            raise SyncStateError(f"cannot read {self.path}: {err.strerror or err}") from err
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            self.session = int(data["session"])
            self.ctr_reserved = max(1, int(data["ctr_reserved"]))
            self.verifier_last = {(str(k), str(t)): int(c) for k, t, c in data["verifier_last"]}
            m = data.get("manifest")
            if m is not None:
                self.manifest = Manifest(int(m["version"]), bytes.fromhex(m["hash"]),
                                         int(m["size"]), int(m["chunk_size"]))
        except (ValueError, KeyError, TypeError) as err:
            # Written atomically, so this is damage, not a torn write. Sessions and
            # counters cannot be trusted: refuse to start rather than reuse them.
            raise SyncStateError(f"{self.path} is damaged ({err}); move it aside only after "
                                 "raising the key's counters at the hub") from err

    def save(self) -> None:
        """Write the state durably (atomic replace)."""
        with self.lock:
            data = {
                "format": FORMAT,
                "session": self.session,
                "ctr_reserved": self.ctr_reserved,
                "verifier_last": [[k, t, c] for (k, t), c in sorted(self.verifier_last.items())],
                "manifest": None if self.manifest is None else {
                    "version": self.manifest.version, "hash": self.manifest.hash.hex(),
                    "size": self.manifest.size, "chunk_size": self.manifest.chunk_size},
            }
            tmp = self.path.with_name(self.path.name + ".tmp")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                write_durable(tmp, json.dumps(data, indent=1).encode())
                os.replace(tmp, self.path)
                fsync_dir(self.path.parent)
            except OSError as err:
                raise SyncStateError(f"cannot write {self.path}: {err.strerror or err}") from err
            self.dirty = False

    def next_session(self) -> int:
        """A session number never used before, saved before it is returned."""
        with self.lock:
            self.session += 1
            self.save()
            return self.session

    def reserve_counters(self, upto: int) -> None:
        """Record (durably) that counters below ``upto`` may be in use."""
        with self.lock:
            self.ctr_reserved = upto
            self.save()

    def set_manifest(self, manifest: Manifest) -> None:
        with self.lock:
            self.manifest = manifest
            self.dirty = True
