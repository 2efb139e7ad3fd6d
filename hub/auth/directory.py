"""Directory (LDAP / Active Directory) login behind a small port.

:class:`Directory` has one method: does this user name and password bind? The real
:class:`LdapDirectory` imports python-ldap only when it is used (the hub runs without it
unless a directory is configured); tests and the simulator use :class:`MemoryDirectory`.
Only the password is checked in the directory: the user's rights stay in the hub.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Protocol

from hub.auth.config import DirectoryConfig
from hub.errors import HubError

log = logging.getLogger(__name__)


class DirectoryError(HubError):
    """The directory could not be asked (down, TLS failure, python-ldap missing)."""


class Directory(Protocol):
    """Checks passwords of directory users."""

    def authenticate(self, username: str, password: str) -> bool:
        """True when ``username`` binds with ``password``; False when the directory says
        no; DirectoryError when it cannot be asked."""
        ...


class MemoryDirectory:
    """A directory held in memory: user name -> password (tests, demos)."""

    def __init__(self, users: dict[str, str] | None = None) -> None:
        self.users = dict(users or {})
        self.down = False
        self.asked: list[str] = []

    def authenticate(self, username: str, password: str) -> bool:
        """True when the stored password matches; DirectoryError while ``down``."""
        self.asked.append(username)
        if self.down:
            raise DirectoryError("the directory server is not reachable")
        return bool(password) and self.users.get(username) == password


def escape_rdn(value: str) -> str:
    """``value`` escaped for use inside a DN (RFC 4514), so a user name cannot inject DN
    syntax (``,``, ``+``, ``=``, quotes, leading ``#`` or spaces)."""
    out = []
    for index, char in enumerate(value):
        if char in ',+"\\<>;=' or (char == "#" and index == 0) or (
            char == " " and index in (0, len(value) - 1)
        ) or char == "\x00":
            out.append("\\" + (f"{ord(char):02x}" if char == "\x00" else char))
        else:
            out.append(char)
    return "".join(out)


class LdapDirectory:
    """A real LDAP server, asked by a simple bind as the user (python-ldap)."""

    def __init__(self, config: DirectoryConfig) -> None:
        self.config = config

    def _ldap(self) -> Any:
        try:
            return importlib.import_module("ldap")
        except ImportError as err:
            raise DirectoryError(
                "directory login is configured but python-ldap is not installed "
                "(pip install python-ldap)"
            ) from err

    def user_dn(self, username: str) -> str:
        """The DN (or principal name) to bind as."""
        return self.config.user_dn.replace("{username}", escape_rdn(username))

    def authenticate(self, username: str, password: str) -> bool:
        """Bind as the user; an empty password is refused first (LDAP would treat it as an
        anonymous bind and succeed)."""
        if not password:
            return False
        ldap = self._ldap()
        try:
            connection = ldap.initialize(self.config.url)
            connection.set_option(ldap.OPT_NETWORK_TIMEOUT, self.config.timeout)
            connection.set_option(ldap.OPT_TIMEOUT, self.config.timeout)
            connection.set_option(ldap.OPT_REFERRALS, 0)
            if self.config.ca_file:
                connection.set_option(ldap.OPT_X_TLS_CACERTFILE, self.config.ca_file)
                connection.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
            if self.config.start_tls:
                connection.start_tls_s()
            try:
                connection.simple_bind_s(self.user_dn(username), password)
            finally:
                connection.unbind_s()
        except ldap.INVALID_CREDENTIALS:
            return False
        except ldap.LDAPError as err:
            log.warning("directory login for a user failed: %s", type(err).__name__)
            raise DirectoryError(f"the directory could not be asked: {type(err).__name__}") \
                from err
        return True


def directory_for(config: DirectoryConfig | None) -> Directory | None:
    """The directory of the settings (None: directory login is not configured)."""
    return None if config is None else LdapDirectory(config)
