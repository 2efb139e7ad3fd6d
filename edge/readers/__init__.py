"""Card readers as plugins behind small ports: Wiegand, OSDP, serial ASCII, USB wedge.

Each plugin runs in its own thread and hands :class:`ReaderEvent` values to the sink
given to its constructor. ``registry.parse_reader_configs`` reads the ``[[readers]]``
tables of the agent's configuration; ``registry.build_reader`` builds a plugin with its
production port. docs/readers.md describes each plugin, its config and its port.
"""

from edge.readers.base import EventKind, EventSink, Reader, ReaderEvent
from edge.readers.errors import ReaderConfigError, ReaderError, ReaderPortError

__all__ = [
    "EventKind",
    "EventSink",
    "Reader",
    "ReaderConfigError",
    "ReaderError",
    "ReaderEvent",
    "ReaderPortError",
]
