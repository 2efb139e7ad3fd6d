"""Message authentication with a per-device key: HMAC-SHA256 and a sealed envelope.

MicroPython has ``hashlib.sha256`` but no ``hmac`` module, so HMAC is implemented here
(RFC 2104; the tests check it against RFC 4231 and CPython's ``hmac``).

A sealed message is the CBOR map ``{"v": 1, "kid": key id, "ctr": counter, "m": message
bytes, "mac": 16 bytes}``. The MAC is HMAC-SHA256 truncated to 16 bytes over the
canonical CBOR array ``["vratnik-mac", 1, context, kid, ctr, m]``. ``context`` is the
MQTT topic: it is not sent (the receiver knows it) but bound into the MAC, so a sealed
message cannot be moved to another topic, another controller or the other direction.

Replay: the sender's counter grows with every message it seals (the sender persists
it; see docs/wire.md). The receiver accepts a counter only above the last one it
accepted for the same key id and context; per context, because MQTT keeps order within
a topic but not across topics. A retained message or a QoS 1 duplicate seen again is a
replay too: it raises ReplayError (an AuthError) and the caller drops it quietly.
"""

import hashlib

from protocols.portable import cbor
from protocols.portable.errors import AuthError
from protocols.portable.names import is_name, name_problem

VERSION = 1
MAC_LEN = 16  # bytes of HMAC-SHA256 kept: RFC 2104 section 5 allows truncating to half
KEY_MIN = 16  # shortest key accepted, in bytes
COUNTER_MAX = (1 << 63) - 1  # fits a signed 64-bit SQL column
_BLOCK = 64  # SHA-256 block size
_DOMAIN = "vratnik-mac"
_FIELDS = ("v", "kid", "ctr", "m", "mac")


class ReplayError(AuthError):
    """A correctly authenticated message whose counter was already used (replayed)."""


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` under ``key`` (RFC 2104), 32 bytes."""
    return _Hmac(key).digest(message)


def digest_equal(a: bytes, b: bytes) -> bool:
    """Compare two MACs in time that depends only on their length (not on where they differ)."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0


class _Hmac:
    """HMAC-SHA256 with the key's inner and outer pads computed once."""

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key + b"\x00" * (_BLOCK - len(key))
        self._inner = bytes(b ^ 0x36 for b in key)
        self._outer = bytes(b ^ 0x5C for b in key)

    def digest(self, message: bytes) -> bytes:
        inner = hashlib.sha256(self._inner)
        inner.update(message)
        outer = hashlib.sha256(self._outer)
        outer.update(inner.digest())
        return outer.digest()


def _check_key(key: object) -> bytes:
    if not isinstance(key, bytes) or len(key) < KEY_MIN:
        raise AuthError("a device key must be at least " + str(KEY_MIN) + " bytes")
    return key


def mac_input(kid: str, ctr: int, message: bytes, context: str = "") -> bytes:
    """The bytes the MAC covers (see the module docstring)."""
    return cbor.encode([_DOMAIN, VERSION, context, kid, ctr, message])


def _check_header(kid: object, ctr: object, message: object, context: object) -> None:
    if not is_name(kid):
        raise AuthError("sealed envelope: key id " + name_problem(kid))
    if type(ctr) is not int or not 1 <= ctr <= COUNTER_MAX:
        raise AuthError("sealed envelope: counter must be an integer 1..2**63-1, got "
                        + repr(ctr))
    if not isinstance(message, bytes):
        raise AuthError("sealed envelope: the message must be bytes, got "
                        + type(message).__name__)
    if not isinstance(context, str):
        raise AuthError("the context (topic) must be text, got " + type(context).__name__)


def seal(key: bytes, kid: str, ctr: int, message: bytes, context: str = "") -> bytes:
    """The sealed envelope of ``message`` (use :class:`Sealer` to manage the counter)."""
    _check_header(kid, ctr, message, context)
    mac = _Hmac(_check_key(key)).digest(mac_input(kid, ctr, message, context))[:MAC_LEN]
    return cbor.encode({"v": VERSION, "kid": kid, "ctr": ctr, "m": message, "mac": mac})


def unseal(data: bytes, max_size: int = cbor.MAX_SIZE) -> tuple[str, int, bytes, bytes]:
    """``(kid, ctr, message, mac)`` of a sealed envelope, NOT yet verified.

    Only for choosing the key; :func:`verify` is what makes the message trustworthy.
    CborError for bytes that are not CBOR, AuthError for a map that is not an envelope.
    """
    value = cbor.decode(data, max_size)
    if not isinstance(value, dict):
        raise AuthError("sealed envelope: expected a map")
    for name in _FIELDS:
        if name not in value:
            raise AuthError("sealed envelope: missing field '" + name + "'")
    if len(value) != len(_FIELDS):
        for key in value:
            if key not in _FIELDS:
                raise AuthError("sealed envelope: unknown field " + repr(key))
    if value["v"] != VERSION or type(value["v"]) is not int:
        raise AuthError("sealed envelope: unsupported version " + repr(value["v"]))
    kid, ctr, message, mac = value["kid"], value["ctr"], value["m"], value["mac"]
    _check_header(kid, ctr, message, "")
    if not isinstance(mac, bytes) or len(mac) != MAC_LEN:
        raise AuthError("sealed envelope: the MAC must be " + str(MAC_LEN) + " bytes")
    return kid, ctr, message, mac


def verify(data: bytes, key: bytes, last_ctr: int = 0, context: str = "",
           max_size: int = cbor.MAX_SIZE) -> tuple[str, int, bytes]:
    """``(kid, ctr, message)`` of a sealed envelope whose MAC is right under ``key``.

    AuthError when the MAC is wrong (forged or altered, or sealed for another context);
    ReplayError when it is right but ``ctr <= last_ctr``. The caller stores the returned
    counter as its new ``last_ctr`` (or uses :class:`Verifier`, which does).
    """
    return _verify(_Hmac(_check_key(key)), unseal(data, max_size), last_ctr, context)


def _verify(hmac: _Hmac, sealed: tuple[str, int, bytes, bytes], last_ctr: int,
            context: str) -> tuple[str, int, bytes]:
    kid, ctr, message, mac = sealed
    if not isinstance(context, str):
        raise AuthError("the context (topic) must be text, got " + type(context).__name__)
    expected = hmac.digest(mac_input(kid, ctr, message, context))[:MAC_LEN]
    if not digest_equal(expected, mac):
        raise AuthError("message authentication failed for key '" + kid + "' (counter "
                        + str(ctr) + "): forged, altered, or sealed for another topic")
    if ctr <= last_ctr:
        raise ReplayError("replayed message: counter " + str(ctr) + " of key '" + kid
                          + "' is not above the last accepted " + str(last_ctr))
    return kid, ctr, message


class Sealer:
    """Seals outgoing messages under one key, counting up from ``next_ctr``.

    The owner persists ``next_ctr`` (or a block ahead of it) so a restart never reuses a
    counter: the receiver would drop those messages as replays.
    """

    def __init__(self, kid: str, key: bytes, next_ctr: int = 1) -> None:
        _check_header(kid, next_ctr, b"", "")
        self.kid = kid
        self.next_ctr = next_ctr
        self._hmac = _Hmac(_check_key(key))

    def seal(self, message: bytes, context: str = "") -> bytes:
        """The sealed envelope of ``message`` for ``context``; uses up one counter."""
        ctr = self.next_ctr
        _check_header(self.kid, ctr, message, context)
        mac = self._hmac.digest(mac_input(self.kid, ctr, message, context))[:MAC_LEN]
        self.next_ctr = ctr + 1
        return cbor.encode({"v": VERSION, "kid": self.kid, "ctr": ctr, "m": message,
                            "mac": mac})


class Verifier:
    """Verifies incoming sealed messages against known keys, remembering counters.

    ``keys`` maps key id to key (several during a key rotation). ``last`` maps
    ``(kid, context)`` to the last accepted counter; pass the persisted one back in.
    """

    def __init__(self, keys: dict[str, bytes], last: dict[tuple[str, str], int] | None = None,
                 max_size: int = cbor.MAX_SIZE) -> None:
        self._keys = {}
        for kid, key in keys.items():
            if not is_name(kid):
                raise AuthError("key id " + name_problem(kid))
            self._keys[kid] = _Hmac(_check_key(key))
        self.last = dict(last) if last else {}
        self.max_size = max_size

    def verify(self, data: bytes, context: str = "") -> tuple[str, int, bytes]:
        """``(kid, ctr, message)`` when authentic and new; AuthError / ReplayError otherwise."""
        sealed = unseal(data, self.max_size)
        kid = sealed[0]
        hmac = self._keys.get(kid)
        if hmac is None:
            raise AuthError("unknown key id '" + kid + "'")
        slot = (kid, context)
        result = _verify(hmac, sealed, self.last.get(slot, 0), context)
        self.last[slot] = result[1]
        return result
