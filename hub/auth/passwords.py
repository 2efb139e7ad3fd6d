"""Password hashing with Argon2id (argon2-cffi) and random passwords.

Hashes are PHC strings (``$argon2id$v=19$m=...``): the parameters travel with each hash,
so raising them later re-hashes a password at its owner's next login
(:meth:`Passwords.needs_rehash`). Checking a name that has no hash still costs one
verification (against a fixed dummy hash), so the login's timing does not tell which
user names exist.
"""

from __future__ import annotations

import hashlib
import secrets
import string

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hub.auth.config import AuthConfig
from hub.errors import Invalid

PASSWORD_MIN = 10
PASSWORD_MAX = 256  # Argon2 takes any length; a bound keeps hashing cost predictable
GENERATED_LENGTH = 16
# No look-alikes (0/O, 1/l/I): generated passwords are read out or written down.
GENERATED_ALPHABET = "".join(
    c for c in string.ascii_letters + string.digits if c not in "0O1lI"
)


class Passwords:
    """Hashes and verifies passwords with one set of Argon2id parameters."""

    def __init__(self, config: AuthConfig) -> None:
        self._hasher = PasswordHasher(
            time_cost=config.argon2_time_cost,
            memory_cost=config.argon2_memory_kib,
            parallelism=config.argon2_parallelism,
            hash_len=config.argon2_hash_length,
            type=Type.ID,
        )
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        """The Argon2id hash of an acceptable password (see :func:`check_new_password`)."""
        return self._hasher.hash(check_new_password(password))

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; None (no password) never matches but
        costs the same time."""
        if len(password) > PASSWORD_MAX:
            return False
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True


def check_new_password(password: object) -> str:
    """``password`` if it is long enough to be set, else Invalid saying what is needed."""
    if not isinstance(password, str):
        raise Invalid("password", "must be text")
    if len(password) < PASSWORD_MIN:
        raise Invalid("password", f"use at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise Invalid("password", f"use at most {PASSWORD_MAX} characters")
    if not password.strip():
        raise Invalid("password", "must not be only spaces")
    return password


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password of ``length`` letters and digits (about 5.8 bits each)."""
    return "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(length))


def token_digest(token: str) -> str:
    """The SHA-256 hex of a session or API token: what the database keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
