"""``wire.unpack`` for the hub, with the CBOR decoding done by cbor2's C extension.

The hub decodes every event batch the site produces, and the portable pure-Python codec
(protocols/portable/cbor.py, which must also run on MicroPython) is most of the cost of
ingest. Here the same payload is decoded by ``cbor2`` and accepted only if it is
canonical and passes the same schema check (``messages.validate``): re-encoding the value
gives back exactly the same bytes (shortest heads, definite lengths, no duplicate keys:
cbor2 keeps the input's key order, so this is cheap) and every map's keys are in the
canonical length-first order (checked once per distinct key sequence). That is the strict
decoder's own contract ("either decoding fails or re-encoding gives the same bytes"), and
anything outside the subset (tags, floats, undefined) is a value no schema accepts.
Whenever the fast path does not accept, the strict decoder runs and raises its precise
error, so what is accepted and the error messages are the same as ``wire.unpack``'s. The
MAC is checked first, on the raw bytes, by the same ``auth.Verifier``.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

import cbor2

from protocols.portable import cbor, messages, topics
from protocols.portable import message_types as mt
from protocols.portable.auth import Verifier
from protocols.portable.errors import AuthError, MessageError
from protocols.portable.message_types import SCHEMAS, VERSION
from protocols.portable.names import is_name, is_word

_NAMES_CONTROLLER = ("birth", "death")
_FAST_ERRORS = (cbor2.CBORDecodeError, cbor2.CBOREncodeError, ValueError, TypeError,
                OverflowError, RecursionError, MessageError)


def decode(data: bytes, allowed: tuple[str, ...], max_size: int = cbor.MAX_SIZE
           ) -> tuple[str, dict[str, Any]]:
    """``messages.decode(data, allowed, max_size)``, faster on valid input."""
    if len(data) <= max_size:
        try:
            found = _fast(data, allowed)
        except _FAST_ERRORS:
            found = None
        if found is not None:
            return found
    msg_type, fields = messages.decode(data, allowed, max_size)  # the precise error, if any
    return msg_type, fields


_KEY_ORDERS: dict[tuple[object, ...], bool] = {}  # key sequence -> canonical?
_KEY_ORDERS_MAX = 4096


def _keys_canonical(keys: tuple[object, ...]) -> bool:
    known = _KEY_ORDERS.get(keys)
    if known is None:
        encoded = [k.encode() for k in keys if type(k) is str]
        known = len(encoded) == len(keys) and all(
            (len(a), a) < (len(b), b) for a, b in pairwise(encoded))
        if len(_KEY_ORDERS) < _KEY_ORDERS_MAX:
            _KEY_ORDERS[keys] = known
    return known


def _in_canonical_order(value: object) -> bool:
    """Every map's (text) keys in length-first order; int keys go the strict way."""
    if type(value) is dict:
        if not _keys_canonical(tuple(value)):
            return False
        items: Any = value.values()
    elif type(value) is list:
        items = value
    else:
        return True
    for item in items:
        kind = type(item)
        if (kind is dict or kind is list) and not _in_canonical_order(item):
            return False
    return True


def _fast(data: bytes, allowed: tuple[str, ...]) -> tuple[str, dict[str, Any]] | None:
    value = cbor2.loads(data)
    if type(value) is not dict or cbor2.dumps(value) != data \
            or not _in_canonical_order(value):
        return None
    version, msg_type = value.get("v"), value.get("t")
    if type(version) is not int or version != VERSION or msg_type not in SCHEMAS \
            or msg_type not in allowed:
        return None
    fields = {key: item for key, item in value.items() if key not in ("v", "t")}
    if not all(type(key) is str for key in fields):
        return None
    check = _FAST_CHECKS.get(msg_type)
    if check is None:
        messages.validate(msg_type, fields)
    elif not check(fields):
        return None  # the strict decoder says what is wrong
    return msg_type, fields


# -- the schema as predicates, for the message types every event passes through ---------
# Each predicate accepts exactly what messages._check_value accepts (same kinds, ranges,
# names and words); a False sends the payload to the strict decoder for the error.

Check = Callable[[object], bool]
_KNOWN_WORDS: set[tuple[str, int]] = set()  # (word, limit) already found valid
_KNOWN_MAX = 4096


def _word(limit: int, name: bool) -> Check:
    valid = is_name if name else is_word

    def check(value: object) -> bool:
        if type(value) is str and (value, limit) in _KNOWN_WORDS:
            return True
        if not valid(value, limit):
            return False
        if len(_KNOWN_WORDS) < _KNOWN_MAX and isinstance(value, str):
            _KNOWN_WORDS.add((value, limit))
        return True

    return check


def _predicate(spec: tuple[Any, ...]) -> Check:
    kind = spec[0]
    if kind == mt.INT:
        low, high = spec[1], spec[2]
        return lambda v: type(v) is int and low <= v <= high
    if kind == mt.NULLABLE:
        inner = _predicate(spec[1])
        return lambda v: v is None or inner(v)
    if kind == mt.BOOL:
        return lambda v: isinstance(v, bool)
    if kind == mt.TEXT:
        longest = spec[1]
        return lambda v: isinstance(v, str) and len(v) <= longest
    if kind in (mt.NAME, mt.WORD):
        return _word(spec[1], kind == mt.NAME)
    if kind == mt.ONE_OF:
        choices = spec[1]
        return lambda v: isinstance(v, str) and v in choices
    if kind == mt.BYTES:
        low, high = spec[1], spec[2]
        return lambda v: isinstance(v, bytes) and low <= len(v) <= high
    if kind == mt.LIST:
        item, low, high = _predicate(spec[1]), spec[2], spec[3]
        return lambda v: isinstance(v, list) and low <= len(v) <= high and all(
            item(x) for x in v)
    if kind == mt.RECORD:
        return _record(spec[1])
    raise ValueError(f"unknown field kind {kind!r} in message_types")


def _record(fields: tuple[tuple[str, tuple[Any, ...]], ...]) -> Check:
    checks = tuple((name, _predicate(spec)) for name, spec in fields)
    count = len(checks)

    def check(value: object) -> bool:
        if not isinstance(value, dict) or len(value) != count:
            return False
        # as many keys as fields and all of them present: nothing extra
        return all(name in value and valid(value[name]) for name, valid in checks)

    return check


def _event_batch() -> Check:
    record = _record(SCHEMAS["event_batch"])

    def check(fields: object) -> bool:
        if not record(fields):
            return False
        previous = 0
        for event in fields["events"]:  # type: ignore[index]
            if event["seq"] <= previous:  # strictly ascending (messages' cross-field rule)
                return False
            previous = event["seq"]
        return True

    return check


_FAST_CHECKS: dict[str, Check] = {
    "event": _record(SCHEMAS["event"]),
    "event_batch": _event_batch(),
}


def unpack(verifier: Verifier, topic: str, payload: bytes,
           prefix: str = topics.DEFAULT_PREFIX) -> tuple[str, dict[str, Any]]:
    """``wire.unpack`` for a controller's channel (never ``hub/status``)."""
    _site, controller, channel = topics.parse(topic, prefix)
    if channel == topics.HUB_STATUS:
        raise AuthError("hub/status is not a controller channel")
    data = verifier.verify(payload, topic)[2]
    msg_type, fields = decode(data, topics.message_types(channel))
    if msg_type in _NAMES_CONTROLLER and fields["ctl"] != controller:
        raise MessageError(msg_type + ".ctl: " + repr(fields["ctl"]) + " does not match the "
                           "topic's controller " + repr(controller))
    return msg_type, fields
