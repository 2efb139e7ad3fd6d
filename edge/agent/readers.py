"""The agent's reader plugins: built from ``[[readers]]``, started, fed back to, stopped.

Each table is built by ``edge.readers.registry.build_reader`` with its production port,
except a replayed Wiegand reader whose ``replay_file`` is a FIFO: that one keeps its
replay source open and a :class:`edge.agent.replayfeed.FifoFeed` pushes what is written
to the pipe. A reader that cannot be built (its library or device missing) is logged
and left out, so the other readers and the doors keep working.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from edge.agent.replayfeed import FifoFeed, is_fifo
from edge.config_hardware import reader_ids
from edge.logging_setup import fields
from edge.readers.base import EventSink, Reader
from edge.readers.errors import ReaderError
from edge.readers.registry import ReaderConfig, build_reader
from edge.readers.wiegand import WiegandConfig, WiegandReader
from edge.readers.wiegand_replay import ReplayEdgeSource

log = logging.getLogger(__name__)


class ReaderSet:
    """The configured readers, by reader id."""

    def __init__(self, configs: Sequence[ReaderConfig]) -> None:
        self.configs = tuple(configs)
        self.readers: list[tuple[ReaderConfig, Reader]] = []
        self.failed: list[str] = []
        self.feeds: list[FifoFeed] = []
        self._by_id: dict[int, Reader] = {}

    def build(self, sink: EventSink) -> None:
        """Make every reader (not started); failures are logged and counted."""
        for n, config in enumerate(self.configs):
            try:
                reader = self._make(config, sink)
            except (ReaderError, OSError, ImportError) as err:
                self.failed.append(f"readers[{n}]")
                log.error("readers[%d] (%s) cannot be used: %s", n, config.kind, err,
                          extra=fields(reader_kind=config.kind))
                continue
            self.readers.append((config, reader))
            for rid in reader_ids(config):
                self._by_id[rid] = reader

    def _make(self, config: ReaderConfig, sink: EventSink) -> Reader:
        if isinstance(config, WiegandConfig) and config.source == "replay" \
                and config.replay_file is not None and is_fifo(Path(config.replay_file)):
            source = ReplayEdgeSource()
            self.feeds.append(FifoFeed(Path(config.replay_file), source, config.id))
            return WiegandReader(config, sink, source)
        return build_reader(config, sink)

    def ids(self) -> list[int]:
        return sorted(self._by_id)

    def feedback(self, reader: int, granted: bool) -> None:
        """LED and buzzer on the reader that read the card (the access path calls it)."""
        target = self._by_id.get(reader)
        if target is not None:
            target.feedback(reader, granted)

    def start(self) -> None:
        for _config, reader in self.readers:
            reader.start()
        for feed in self.feeds:
            feed.start()

    def stop(self) -> bool:
        """Stop the feeds and readers and join their threads; False if one did not stop."""
        clean = True
        for feed in self.feeds:
            feed.stop()
        for config, reader in self.readers:
            try:
                reader.stop()
            except ReaderError as err:
                clean = False
                log.error("reader %s (%s) did not stop: %s", reader_ids(config), config.kind,
                          err)
        return clean

    def running(self) -> dict[str, bool]:
        """Reader id(s) -> whether its thread runs (a crashed reader shows False)."""
        return {",".join(str(r) for r in reader_ids(config)):
                bool(getattr(reader, "running", True)) for config, reader in self.readers}
