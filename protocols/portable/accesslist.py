"""The compiled access list (docs/compiled-list.md): one import for all of it.

The parts live in small modules so a board can load only what it runs:

- ``accesslist_model``: :class:`AccessList`, ``lookup``, ``compact``, ``pin_hash``, constants
- ``accesslist_build``: :class:`AccessListBuilder` (the hub's compiler feeds it)
- ``accesslist_codec``: ``encode_snapshot``, ``decode_snapshot``, ``content_hash``
- ``accesslist_delta``: :class:`Delta`, ``encode_delta``, ``decode_delta``, ``apply_delta``
- ``accesslist_diff``: ``diff(old, new)`` (hub side)

Errors: ``AccessListError`` and its ``DeltaBaseError`` (protocols/portable/errors.py).
"""

from protocols.portable.accesslist_build import AccessListBuilder, normalize_windows
from protocols.portable.accesslist_codec import (
    MAX_SNAPSHOT,
    content_hash,
    decode_snapshot,
    encode_snapshot,
)
from protocols.portable.accesslist_delta import (
    OP_CARD,
    OP_CARD_REMOVE,
    OP_HORIZON,
    OP_PIN,
    OP_PROFILE,
    OP_READER,
    OP_READER_REMOVE,
    OP_SCHEDULE,
    Delta,
    apply_delta,
    decode_delta,
    encode_delta,
)
from protocols.portable.accesslist_diff import diff
from protocols.portable.accesslist_model import (
    CARD_WITHDRAWN,
    FORMAT,
    KEY_MAX,
    READER_PIN,
    TIME_MAX,
    AccessList,
    pin_hash,
)
from protocols.portable.errors import AccessListError, DeltaBaseError

__all__ = [
    "CARD_WITHDRAWN",
    "FORMAT",
    "KEY_MAX",
    "MAX_SNAPSHOT",
    "OP_CARD",
    "OP_CARD_REMOVE",
    "OP_HORIZON",
    "OP_PIN",
    "OP_PROFILE",
    "OP_READER",
    "OP_READER_REMOVE",
    "OP_SCHEDULE",
    "READER_PIN",
    "TIME_MAX",
    "AccessList",
    "AccessListBuilder",
    "AccessListError",
    "Delta",
    "DeltaBaseError",
    "apply_delta",
    "content_hash",
    "decode_delta",
    "decode_snapshot",
    "diff",
    "encode_delta",
    "encode_snapshot",
    "normalize_windows",
    "pin_hash",
]
