"""A strict, minimal CBOR codec (RFC 8949) for the tag-free subset on our wire.

The subset: unsigned and negative integers up to 64 bits, byte strings, UTF-8 text
strings, arrays, maps with int or text keys, ``true``, ``false`` and ``null``.
Python values: ``int``, ``bytes``, ``str``, ``list``, ``dict``, ``bool``, ``None``
(``bytearray``/``memoryview`` and ``tuple`` are accepted when encoding).

Encoding is deterministic: every integer and length in its shortest form, definite
lengths only, and map entries sorted by their encoded key, shorter first, then bytewise
(the "length-first" canonical order of RFC 7049 section 3.9 / RFC 8949 section 4.2.3;
``cbor2.dumps(value, canonical=True)`` gives the same bytes, which the CPython tests
prove). Map order cannot follow the dict: MicroPython's dicts do not keep insertion
order, and hub and edge must produce the same bytes for the same value (content hashes,
MACs, committed vectors). For our short text keys this order is simply "shorter name
first, then alphabetical".

Decoding accepts exactly what the encoder can produce, so for any bytes either
``decode`` raises or ``encode(decode(data)) == data``. Everything else is rejected with
:class:`CborError`, naming what is wrong and at which byte offset: tags, floats and
simple values other than true/false/null, indefinite lengths, non-shortest integers and
lengths, map keys that are not int or text, duplicate or unsorted map keys, invalid
UTF-8 (also on MicroPython, whose own decoder is lax: see utf8.py), trailing bytes,
truncation, nesting deeper than ``max_depth`` and input longer than ``max_size``. A
declared length is checked against the bytes that remain before anything is allocated,
so a hostile header cannot make the decoder reserve memory, and every item consumes at
least one byte, so it cannot loop.

Runs unchanged on MicroPython (no typing at runtime, ``int.from_bytes`` with
positional arguments).
"""

import struct

from protocols.portable.errors import CborError
from protocols.portable.utf8 import STRICT_DECODER, well_formed

MAX_SIZE = 1 << 20  # default limit on the whole input, in bytes (1 MiB)
MAX_DEPTH = 16  # default limit on nested arrays/maps (a scalar at top level is depth 0)
UINT64_MAX = (1 << 64) - 1
NINT64_MIN = -(1 << 64)  # the most negative integer CBOR major type 1 can hold

# Smallest argument that may use each of the additional-info values 24..27; anything
# smaller had a shorter encoding and is rejected as non-canonical.
_MIN_ARG = (24, 0x100, 0x10000, 0x100000000)
_SIMPLE_NAMES = {20: False, 21: True, 22: None}


# ---------------------------------------------------------------------------- encoding


_BYTE = [bytes((i,)) for i in range(256)]  # every one-byte head, built once
_KEY_CACHE: dict[str, bytes] = {}  # encoded text map keys (messages reuse a few dozen)
_KEY_CACHE_MAX = 256


class _UnencodableError(CborError):
    """Internal: args are (path, reason); encode() turns it into one CborError message.

    The path ("[1]['a']") is built only when something fails, on the way up, so the
    common case pays nothing for the precise message.
    """


def _head(major: int, arg: int) -> bytes:
    """The initial byte(s) of an item: major type and its argument, shortest form."""
    mt = major << 5
    if arg < 24:
        return _BYTE[mt | arg]
    if arg < 0x100:
        return bytes((mt | 24, arg))
    if arg < 0x10000:
        return struct.pack(">BH", mt | 25, arg)
    if arg < 0x100000000:
        return struct.pack(">BI", mt | 26, arg)
    return struct.pack(">BQ", mt | 27, arg)


def _length_first(entry: tuple[bytes, object, object]) -> tuple[int, bytes]:
    """Sort key of a map entry: its encoded key, shorter first, then bytewise (RFC 8949 4.2.3)."""
    return len(entry[0]), entry[0]


def encode(value: object, max_depth: int = MAX_DEPTH) -> bytes:
    """The canonical CBOR encoding of ``value``; CborError for anything outside the subset."""
    out: list[bytes] = []
    try:
        _encode_into(value, out, max_depth)
    except _UnencodableError as err:
        raise CborError("value" + err.args[0] + " " + err.args[1]) from None
    return b"".join(out)


def _utf8(text: str) -> bytes:
    try:
        raw = text.encode("utf-8")
    except UnicodeError as err:
        raise _UnencodableError("", "is text that cannot be encoded as UTF-8: "
                                + str(err)) from None
    if not STRICT_DECODER and len(raw) != len(text) and not well_formed(raw):
        raise _UnencodableError("", "is text with characters UTF-8 cannot carry (surrogates)")
    return raw


def _encode_int(value: int, out: list[bytes]) -> None:
    if value >= 0:
        if value > UINT64_MAX:
            raise _UnencodableError("", "is the integer " + str(value) + ", above 2**64-1")
        out.append(_head(0, value))
    else:
        if value < NINT64_MIN:
            raise _UnencodableError("", "is the integer " + str(value) + ", below -2**64")
        out.append(_head(1, -1 - value))


def _encode_into(value: object, out: list[bytes], depth: int) -> None:
    # Exact type checks first (the common case, and True/False are not ints here);
    # subclasses such as OrderedDict fall through to the isinstance checks below.
    if type(value) is int:
        if 0 <= value < 24:
            out.append(_BYTE[value])
        else:
            _encode_int(value, out)
    elif type(value) is str:
        raw = _utf8(value)
        out.append(_head(3, len(raw)))
        out.append(raw)
    elif type(value) is dict:
        _encode_map(value, out, depth)
    elif type(value) is list or type(value) is tuple:
        _encode_array(value, out, depth)
    elif type(value) is bytes:
        out.append(_head(2, len(value)))
        out.append(value)
    elif value is None:
        out.append(b"\xf6")
    elif value is True:
        out.append(b"\xf5")
    elif value is False:
        out.append(b"\xf4")
    elif isinstance(value, (bytearray, memoryview)):
        raw = bytes(value)
        out.append(_head(2, len(raw)))
        out.append(raw)
    elif isinstance(value, int):
        _encode_int(value, out)
    elif isinstance(value, str):
        _encode_into(str(value), out, depth)
    elif isinstance(value, (list, tuple)):
        _encode_array(value, out, depth)
    elif isinstance(value, dict):
        _encode_map(value, out, depth)
    else:
        raise _UnencodableError("", "has type " + type(value).__name__ + ", which the wire subset"
                           " cannot carry (int, bytes, text, list, dict, bool, None)")


def _encode_array(value: list[object] | tuple[object, ...], out: list[bytes], depth: int) -> None:
    if depth <= 0:
        raise _UnencodableError("", "nests arrays/maps deeper than the limit")
    out.append(_head(4, len(value)))
    i = 0
    try:
        for item in value:
            _encode_into(item, out, depth - 1)
            i += 1
    except _UnencodableError as err:
        raise _UnencodableError("[" + str(i) + "]" + err.args[0], err.args[1]) from None


def _encode_key(key: object) -> bytes:
    if type(key) is str:
        raw_key = _KEY_CACHE.get(key)
        if raw_key is None:
            raw = _utf8(key)
            raw_key = _head(3, len(raw)) + raw
            if len(_KEY_CACHE) < _KEY_CACHE_MAX:
                _KEY_CACHE[key] = raw_key
        return raw_key
    if isinstance(key, bool) or not isinstance(key, (int, str)):
        raise _UnencodableError("", "has a map key of type " + type(key).__name__
                           + "; only int and text keys are allowed")
    out: list[bytes] = []
    _encode_into(int(key) if isinstance(key, int) else str(key), out, 0)
    return b"".join(out)


def _encode_map(value: dict[object, object], out: list[bytes], depth: int) -> None:
    if depth <= 0:
        raise _UnencodableError("", "nests arrays/maps deeper than the limit")
    out.append(_head(5, len(value)))
    entries = [(_encode_key(key), key, item) for key, item in value.items()]
    if len(entries) > 1:
        # Dicts are unordered on MicroPython: sort so both runtimes give equal bytes.
        entries.sort(key=_length_first)
    key: object = None
    try:
        for entry in entries:
            key = entry[1]
            out.append(entry[0])
            _encode_into(entry[2], out, depth - 1)
    except _UnencodableError as err:
        raise _UnencodableError("[" + repr(key) + "]" + err.args[0], err.args[1]) from None


# ---------------------------------------------------------------------------- decoding


def decode(data: object, max_size: int = MAX_SIZE, max_depth: int = MAX_DEPTH) -> object:
    """The value of one complete CBOR item in ``data`` (bytes); CborError when it is not valid."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)  # slices of bytes are bytes: what the caller gets for byte strings
    elif not isinstance(data, bytes):
        raise CborError("CBOR input must be bytes, got " + type(data).__name__)
    end = len(data)
    if end > max_size:
        raise CborError(
            "input is " + str(end) + " bytes, more than the limit of " + str(max_size)
        )
    if end == 0:
        raise CborError("empty input: expected a CBOR item at byte 0")
    value, pos = _decode_item(data, 0, end, max_depth)
    if pos != end:
        raise CborError("trailing data after the CBOR item: " + str(end - pos)
                        + " byte(s) starting at byte " + str(pos))
    return value


def _at(pos: int) -> str:
    return " at byte " + str(pos)


def _decode_item(data: bytes, pos: int, end: int, depth: int) -> tuple[object, int]:
    """Decode the item starting at ``pos``; returns (value, position after it)."""
    if pos >= end:
        raise CborError("truncated: expected a CBOR item" + _at(pos))
    start = pos
    initial = data[pos]
    major = initial >> 5
    info = initial & 0x1F
    pos += 1
    if major == 7:
        if info in _SIMPLE_NAMES:
            return _SIMPLE_NAMES[info], pos
        if 25 <= info <= 27:
            raise CborError("floating-point values are not allowed" + _at(start))
        if info == 31:
            raise CborError("unexpected 'break' (indefinite lengths are not allowed)" + _at(start))
        what = "undefined" if info == 23 else "simple value"
        raise CborError(what + " (initial byte " + hex(initial) + ") is not allowed;"
                        " only true, false and null are" + _at(start))
    if major == 6:
        raise CborError("CBOR tags are not allowed" + _at(start))
    if info < 24:
        arg = info
    elif info < 28:
        size = 1 << (info - 24)
        if pos + size > end:
            raise CborError("truncated: the item" + _at(start) + " needs " + str(size)
                            + " more header bytes")
        arg = data[pos] if size == 1 else int.from_bytes(data[pos:pos + size], "big")
        if arg < _MIN_ARG[info - 24]:
            raise CborError("non-canonical encoding: " + str(arg) + " written in " + str(size)
                            + " bytes" + _at(start) + " has a shorter form")
        pos += size
    elif info == 31:
        raise CborError("indefinite lengths are not allowed" + _at(start))
    else:
        raise CborError("reserved additional information " + str(info) + _at(start))

    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        if arg > end - pos:
            raise CborError("truncated: the string" + _at(start) + " declares " + str(arg)
                            + " bytes but only " + str(end - pos) + " remain")
        raw = data[pos:pos + arg]
        pos += arg
        if major == 2:
            return raw, pos
        return _decode_text(raw, start), pos
    if depth <= 0:
        raise CborError("arrays/maps nested deeper than the limit" + _at(start))
    if major == 4:
        # every item takes at least one byte: a larger count cannot be real
        if arg > end - pos:
            raise CborError("truncated: the array" + _at(start) + " declares " + str(arg)
                            + " items but only " + str(end - pos) + " bytes remain")
        items: list[object] = []
        for _ in range(arg):
            # Inline fast path (small unsigned ints) saves a call per item; same result.
            if pos < end and data[pos] < 24:
                items.append(data[pos])
                pos += 1
            else:
                item, pos = _decode_item(data, pos, end, depth - 1)
                items.append(item)
        return items, pos
    # major == 5: map; every entry takes at least two bytes
    if arg > (end - pos) >> 1:
        raise CborError("truncated: the map" + _at(start) + " declares " + str(arg)
                        + " entries but only " + str(end - pos) + " bytes remain")
    result: dict[object, object] = {}
    previous = b""
    for _ in range(arg):
        key_at = pos
        head = data[pos] if pos < end else 0
        key_end = pos + head - 0x5F  # after a text key shorter than 24 bytes
        if 0x60 <= head < 0x78 and key_end <= end:
            # Inline fast path: the usual short text key; same checks as below.
            key: object = _decode_text(data[pos + 1:key_end], key_at)
            pos = key_end
        else:
            key, pos = _decode_item(data, pos, end, depth - 1)
            if not isinstance(key, (int, str)) or isinstance(key, bool):
                raise CborError("map key of type " + type(key).__name__
                                + " is not allowed (only int and text)" + _at(key_at))
        if key in result:
            raise CborError("duplicate map key " + repr(key) + _at(key_at))
        raw_key = data[key_at:pos]
        if len(raw_key) < len(previous) or (len(raw_key) == len(previous) and raw_key < previous):
            raise CborError("map key " + repr(key) + _at(key_at) + " is out of canonical order"
                            " (keys sort shorter encoding first, then bytewise)")
        previous = raw_key
        if pos < end and data[pos] < 24:
            result[key] = data[pos]
            pos += 1
        else:
            result[key], pos = _decode_item(data, pos, end, depth - 1)
    return result, pos


def _decode_text(raw: bytes, start: int) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeError:
        raise CborError("invalid UTF-8 in the text string" + _at(start)) from None
    if not STRICT_DECODER and len(text) != len(raw) and not well_formed(raw):
        raise CborError("invalid UTF-8 in the text string" + _at(start))
    return text
