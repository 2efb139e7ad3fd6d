"""PINs at rest: encrypted with the hub's PIN key, opened only to compile access lists.

Why not a hash: the compiled list carries ``sha256(salt + card key + PIN digits)[:8]``
with a salt of the *list* (docs/compiled-list.md), so the compiler needs the digits. A
4-6 digit PIN behind any stored hash is found by trying all 10**6 values, so hashing would
add no protection anyway; encryption with a key kept outside the database (AES-256-GCM,
bound to the badge id so a sealed PIN cannot be moved to another badge) means a database
dump or backup alone reveals no PIN. PINs are never logged and never exported.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.errors import HubError, Invalid

KEY_BYTES = 32
NONCE_BYTES = 12
VERSION = b"\x01"
PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 12
KEY_FILE_NAME = "pin.key"


class PinKeyError(HubError):
    """The PIN key is missing, malformed, or not the key the PINs were sealed with."""


def validate_pin(pin: object) -> str:
    """``pin`` if it is 4-12 ASCII digits, else Invalid (the message never repeats the PIN)."""
    if not isinstance(pin, str) or not pin.isascii() or not pin.isdigit():
        raise Invalid("pin", "a PIN is 4 to 12 digits 0-9")
    if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        raise Invalid("pin", f"a PIN has {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits")
    return pin


class PinVault:
    """Seals and opens badge PINs with one 32-byte key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise PinKeyError(f"the PIN key must be {KEY_BYTES} bytes, got {len(key)}")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "PinVault(<key hidden>)"

    def seal(self, badge_id: int, pin: str) -> bytes:
        """The encrypted PIN of badge ``badge_id`` (version, nonce, ciphertext + tag)."""
        digits = validate_pin(pin)
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, digits.encode("ascii"), _aad(badge_id))
        return VERSION + nonce + sealed

    def open(self, badge_id: int, sealed: bytes) -> str:
        """The PIN digits; PinKeyError if the key or badge does not match."""
        if len(sealed) <= 1 + NONCE_BYTES or sealed[:1] != VERSION:
            raise PinKeyError(f"badge {badge_id}: the stored PIN is not in a known format")
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            plain = self._aead.decrypt(nonce, body, _aad(badge_id))
        except InvalidTag as err:
            raise PinKeyError(
                f"badge {badge_id}: its PIN was sealed with another PIN key (or for another "
                "badge); set the PIN again or configure the original key"
            ) from err
        return plain.decode("ascii")


def _aad(badge_id: int) -> bytes:
    return b"vratnik-pin:" + str(badge_id).encode("ascii")


def generate_key() -> bytes:
    """A new random PIN key."""
    return secrets.token_bytes(KEY_BYTES)


def key_from_text(text: str) -> bytes:
    """Decode a base64 PIN key (as in ``VRATNIK_PIN_KEY``)."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise PinKeyError("the PIN key is not valid base64") from err
    if len(key) != KEY_BYTES:
        raise PinKeyError(f"the PIN key must decode to {KEY_BYTES} bytes, got {len(key)}")
    return key


def key_to_text(key: bytes) -> str:
    """The base64 text of a PIN key."""
    return base64.b64encode(key).decode("ascii")


def load_or_create_key_file(path: str | Path) -> bytes:
    """The key stored in ``path``; a new one (file mode 0600) if the file does not exist."""
    target = Path(path)
    if target.exists():
        return key_from_text(target.read_text(encoding="ascii"))
    target.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_from_text(target.read_text(encoding="ascii"))
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key_to_text(key) + "\n")
    return key
