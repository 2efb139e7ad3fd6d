"""Settings of login, sessions and the directory, read from ``VRATNIK_*`` variables.

Everything has a safe default: a secret key file made in the instance folder on first
start, Argon2id with argon2-cffi's RFC 9106 parameters, login rate limits, cookies that
are ``Secure`` whenever the request came over HTTPS. Settings an administrator changes at
run time (login history level, session timeouts) are in the database (AuthSettings).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from argon2 import DEFAULT_HASH_LENGTH, DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM
from argon2 import DEFAULT_TIME_COST as ARGON2_TIME_COST


@dataclass(frozen=True)
class DirectoryConfig:
    """An LDAP / Active Directory server that checks the passwords of directory users.

    ``user_dn`` is a template with ``{username}`` (escaped as an RDN value), e.g.
    ``uid={username},ou=people,dc=example,dc=org`` or, for Active Directory,
    ``{username}@corp.example.com`` (a user principal name binds too).
    """

    url: str
    user_dn: str
    start_tls: bool = False
    ca_file: str | None = None
    timeout: float = 5.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("ldap://", "ldaps://", "ldapi://")):
            raise ValueError(f"the directory URL must start with ldap://, ldaps:// or ldapi://, "
                             f"got {self.url!r}")
        if "{username}" not in self.user_dn:
            raise ValueError("the directory user DN template must contain {username}")


@dataclass(frozen=True)
class AuthConfig:
    """Login and session settings of one hub process."""

    # Signs session cookies and CSRF tokens; None: the file "secret.key" in the instance
    # folder (made on first start). Several hub processes must share one key.
    secret_key: str | None = None
    # Session cookies marked Secure: None (auto) when the request came over HTTPS,
    # True always (behind a TLS proxy without X-Forwarded-Proto), False never.
    secure_cookies: bool | None = None
    # Argon2id parameters (argon2-cffi's defaults, RFC 9106 "low memory").
    argon2_time_cost: int = ARGON2_TIME_COST
    argon2_memory_kib: int = DEFAULT_MEMORY_COST
    argon2_parallelism: int = DEFAULT_PARALLELISM
    argon2_hash_length: int = DEFAULT_HASH_LENGTH
    # Login attempts allowed per client address, and per user name (Flask-Limiter syntax).
    login_rate_per_address: str = "20 per minute;200 per hour"
    login_rate_per_user: str = "5 per minute;30 per hour"
    # Where the rate limiter counts ("memory://" is per process; several processes need a
    # shared store such as "redis://host:6379").
    ratelimit_storage: str = "memory://"
    # Reverse proxies in front of the hub whose X-Forwarded-For/-Proto are trusted (0: none).
    proxy_hops: int = 0
    # Creates the administrator with this password at start if there is none yet (demos,
    # first installs); `vratnik hub admin-password` is the interactive way.
    admin_password: str | None = None
    directory: DirectoryConfig | None = None

    def __repr__(self) -> str:
        # Secrets never reach logs or tracebacks.
        return (f"AuthConfig(secret_key={'<set>' if self.secret_key else None}, "
                f"secure_cookies={self.secure_cookies!r}, proxy_hops={self.proxy_hops!r}, "
                f"directory={self.directory!r})")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AuthConfig:
        """Settings from VRATNIK_SECRET_KEY, _SECURE_COOKIES, _LOGIN_RATE_PER_ADDRESS,
        _LOGIN_RATE_PER_USER, _RATELIMIT_STORAGE, _PROXY_HOPS, _ADMIN_PASSWORD and
        _LDAP_URL, _LDAP_USER_DN, _LDAP_START_TLS, _LDAP_CA_FILE."""
        source = os.environ if env is None else env
        defaults = cls()
        directory = None
        if source.get("VRATNIK_LDAP_URL"):
            directory = DirectoryConfig(
                url=source["VRATNIK_LDAP_URL"],
                user_dn=source.get("VRATNIK_LDAP_USER_DN", ""),
                start_tls=_flag(source.get("VRATNIK_LDAP_START_TLS")) or False,
                ca_file=source.get("VRATNIK_LDAP_CA_FILE") or None,
            )
        return cls(
            secret_key=source.get("VRATNIK_SECRET_KEY") or None,
            secure_cookies=_flag(source.get("VRATNIK_SECURE_COOKIES")),
            login_rate_per_address=source.get("VRATNIK_LOGIN_RATE_PER_ADDRESS")
            or defaults.login_rate_per_address,
            login_rate_per_user=source.get("VRATNIK_LOGIN_RATE_PER_USER")
            or defaults.login_rate_per_user,
            ratelimit_storage=source.get("VRATNIK_RATELIMIT_STORAGE") or "memory://",
            proxy_hops=int(source.get("VRATNIK_PROXY_HOPS") or 0),
            admin_password=source.get("VRATNIK_ADMIN_PASSWORD") or None,
            directory=directory,
        )


def _flag(value: str | None) -> bool | None:
    """yes/no text, None when unset or "auto"."""
    if value is None or value.strip().lower() in {"", "auto"}:
        return None
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected yes, no or auto, got {value!r}")
