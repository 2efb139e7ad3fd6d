"""Sync messages: a versioned CBOR envelope with strict validation of every field.

On the wire every message is one CBOR map ``{"v": 1, "t": "<type>", ...fields}``; the
fields of each type are in message_types.SCHEMAS and docs/wire.md. In Python a message
is ``(msg_type, fields)`` with ``fields`` a plain dict (no classes: cheap on a board).

``encode`` and ``decode`` validate the same way: an unknown version or type, a missing
or extra field, a value of the wrong type or out of range, or fields that contradict
each other raise MessageError naming the field (``"event_batch.events[3].reader: ..."``).
Bytes that are not valid CBOR raise CborError. Both derive from ProtocolError.
"""

from protocols.portable import cbor
from protocols.portable.errors import MessageError
from protocols.portable.message_types import (
    BOOL,
    BYTES,
    INT,
    LIST,
    NAME,
    NULLABLE,
    ONE_OF,
    RECORD,
    SCHEMAS,
    TEXT,
    TYPES,
    VERSION,
    WORD,
)
from protocols.portable.names import is_name, is_word, name_problem

__all__ = ["TYPES", "VERSION", "decode", "encode", "validate"]

_MISSING = object()


def encode(msg_type: str, fields: dict[str, object]) -> bytes:
    """The wire bytes of a message; MessageError when ``fields`` do not fit its schema."""
    validate(msg_type, fields)
    envelope: dict[str, object] = {"v": VERSION, "t": msg_type}
    for name, value in fields.items():
        envelope[name] = value
    return cbor.encode(envelope)


def decode(data: bytes, allowed: tuple[str, ...] | None = None,
           max_size: int = cbor.MAX_SIZE) -> tuple[str, dict[str, object]]:
    """``(msg_type, fields)`` of the message in ``data``.

    ``allowed`` (optional) lists the types the caller accepts here (for example the
    types of one topic); any other type is a MessageError. Raises CborError for bytes
    that are not CBOR of our subset and MessageError for a value that is not a message.
    """
    value = cbor.decode(data, max_size)
    if not isinstance(value, dict):
        raise MessageError("a message must be a CBOR map, got " + _kind_of(value))
    if "v" not in value:
        raise MessageError("the message has no version field 'v'")
    version = value["v"]
    if version != VERSION or type(version) is not int:
        raise MessageError("unsupported message version " + repr(version)
                           + "; this side speaks version " + str(VERSION))
    msg_type = value.get("t")
    if not isinstance(msg_type, str):
        raise MessageError("the message type 't' must be text, got " + _kind_of(msg_type))
    if msg_type not in SCHEMAS:
        raise MessageError("unknown message type " + repr(msg_type))
    if allowed is not None and msg_type not in allowed:
        raise MessageError("message type " + repr(msg_type) + " is not expected here (expected "
                           + " or ".join(allowed) + ")")
    fields: dict[str, object] = {}
    for key in value:
        if not isinstance(key, str):
            raise MessageError(msg_type + ": unknown field " + repr(key))
        if key not in ("v", "t"):
            fields[key] = value[key]
    validate(msg_type, fields)
    return msg_type, fields


def validate(msg_type: str, fields: dict[str, object]) -> None:
    """Check ``fields`` against the schema of ``msg_type``; MessageError names what is wrong."""
    schema = SCHEMAS.get(msg_type) if isinstance(msg_type, str) else None
    if schema is None:
        raise MessageError("unknown message type " + repr(msg_type))
    if not isinstance(fields, dict):
        raise MessageError(msg_type + ": fields must be a dict, got " + _kind_of(fields))
    _check_record(schema, fields, msg_type)
    check = _CROSS_CHECKS.get(msg_type)
    if check is not None:
        check(fields, msg_type)


def _kind_of(value: object) -> str:
    """The CBOR-level name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a map"
    return type(value).__name__


def _check_record(spec_fields: tuple, fields: dict, where: str) -> None:  # type: ignore[type-arg]
    for name, spec in spec_fields:
        value = fields.get(name, _MISSING)
        if value is _MISSING:
            raise MessageError(where + ": missing field '" + name + "'")
        _check_value(spec, value, where, name)
    if len(fields) != len(spec_fields):  # every schema field is there, so some key is extra
        names = [name for name, _spec in spec_fields]
        for key in fields:
            if key not in names:
                raise MessageError(where + ": unknown field " + repr(key))


def _path(parent: str, name: str) -> str:
    return parent + "." + name if name else parent


def _check_value(spec: tuple, value: object,  # type: ignore[type-arg]
                 parent: str, name: str) -> None:
    # The field path is built only when needed: this runs for every field of every message.
    kind = spec[0]
    if kind == INT:
        if type(value) is int and spec[1] <= value <= spec[2]:
            return
        where = _path(parent, name)
        if type(value) is not int:
            raise MessageError(where + ": expected an integer, got " + _kind_of(value))
        raise MessageError(where + ": " + str(value) + " is out of range "
                           + str(spec[1]) + ".." + str(spec[2]))
    if kind == NULLABLE:
        if value is not None:
            _check_value(spec[1], value, parent, name)
        return
    where = _path(parent, name)
    if kind == BOOL:
        if not isinstance(value, bool):
            raise MessageError(where + ": expected a bool, got " + _kind_of(value))
    elif kind == TEXT:
        if not isinstance(value, str):
            raise MessageError(where + ": expected text, got " + _kind_of(value))
        if len(value) > spec[1]:
            raise MessageError(where + ": text of " + str(len(value))
                               + " characters is longer than " + str(spec[1]))
    elif kind == NAME:
        if not is_name(value, spec[1]):
            raise MessageError(where + ": " + name_problem(value, spec[1]))
    elif kind == WORD:
        if not is_word(value, spec[1]):
            raise MessageError(where + ": " + repr(value) + " is not a lower-case word"
                               " [a-z0-9_] of 1.." + str(spec[1]) + " characters")
    elif kind == ONE_OF:
        if not isinstance(value, str) or value not in spec[1]:
            raise MessageError(where + ": " + repr(value) + " is not one of "
                               + ", ".join(spec[1]))
    elif kind == BYTES:
        if not isinstance(value, bytes):
            raise MessageError(where + ": expected bytes, got " + _kind_of(value))
        if not spec[1] <= len(value) <= spec[2]:
            if spec[1] == spec[2]:
                limit = "exactly " + str(spec[1])
            else:
                limit = str(spec[1]) + ".." + str(spec[2])
            raise MessageError(where + ": " + str(len(value)) + " bytes, expected " + limit)
    elif kind == LIST:
        if not isinstance(value, list):
            raise MessageError(where + ": expected an array, got " + _kind_of(value))
        if not spec[2] <= len(value) <= spec[3]:
            raise MessageError(where + ": " + str(len(value)) + " items, expected "
                               + str(spec[2]) + ".." + str(spec[3]))
        for i, item in enumerate(value):
            _check_value(spec[1], item, where + "[" + str(i) + "]", "")
    elif kind == RECORD:
        if not isinstance(value, dict):
            raise MessageError(where + ": expected a map, got " + _kind_of(value))
        _check_record(spec[1], value, where)
    else:  # a bug in message_types, not bad input
        raise MessageError(where + ": schema has unknown field kind " + repr(kind))


# ------------------------------------------------------------ rules across fields


def _check_list_request(fields: dict, where: str) -> None:  # type: ignore[type-arg]
    if fields["want"] == "delta" and fields["have"] is None:
        raise MessageError(where + ".have: a delta needs the version the edge has, got null")
    if fields["want"] == "delta" and fields["resume_from"] != 0:
        raise MessageError(where + ".resume_from: must be 0 when asking for a delta")


def _check_snapshot_chunk(fields: dict, where: str) -> None:  # type: ignore[type-arg]
    if fields["index"] >= fields["count"]:
        raise MessageError(where + ".index: chunk " + str(fields["index"])
                           + " is not below the chunk count " + str(fields["count"]))


def _check_event_batch(fields: dict, where: str) -> None:  # type: ignore[type-arg]
    previous = 0
    for i, event in enumerate(fields["events"]):
        if event["seq"] <= previous:
            raise MessageError(where + ".events[" + str(i) + "].seq: " + str(event["seq"])
                               + " does not follow " + str(previous)
                               + " (a batch is in strictly ascending seq order)")
        previous = event["seq"]


def _check_command(fields: dict, where: str) -> None:  # type: ignore[type-arg]
    op = fields["op"]
    duration = fields["duration_ms"]
    if op == "pulse" and duration == 0:
        raise MessageError(where + ".duration_ms: a pulse needs a duration above 0")
    if op == "lock" and duration != 0:
        raise MessageError(where + ".duration_ms: must be 0 for lock, got " + str(duration))


def _check_photo_chunk(fields: dict, where: str) -> None:  # type: ignore[type-arg]
    if fields["index"] >= fields["count"]:
        raise MessageError(where + ".index: chunk " + str(fields["index"])
                           + " is not below the chunk count " + str(fields["count"]))
    if (fields["index"] == 0) != (fields["meta"] is not None):
        raise MessageError(where + ".meta: a map with chunk 0 and null with every other chunk")
    if fields["count"] > fields["size"]:
        raise MessageError(where + ".count: " + str(fields["count"]) + " chunks for "
                           + str(fields["size"]) + " bytes")
    for i, box in enumerate(fields["meta"]["boxes"] if fields["meta"] else []):
        if box[4] > 1000:
            raise MessageError(where + ".meta.boxes[" + str(i) + "][4]: score "
                               + str(box[4]) + " is out of range 0..1000")


def _check_photo_ack(fields: dict, where: str) -> None:  # type: ignore[type-arg]
    if fields["done"] and fields["next"] == 0:
        raise MessageError(where + ".done: a photo cannot be done with no chunk stored")


_CROSS_CHECKS = {
    "photo_chunk": _check_photo_chunk,
    "photo_ack": _check_photo_ack,
    "list_request": _check_list_request,
    "snapshot_chunk": _check_snapshot_chunk,
    "event_batch": _check_event_batch,
    "command": _check_command,
}
