"""A production Mosquitto configuration: accounts, exact per-controller ACLs, TLS.

``vratnik hub broker-config --out DIR`` writes:

* ``mosquitto.conf``: a TLS listener (certificate paths are options), no anonymous
  clients, the password and ACL files below, persistence;
* ``passwd``: one account per controller (``<site>.<controller>``) and one for the hub,
  hashed as Mosquitto 2 does (``$7$``, PBKDF2-SHA512);
* ``acl``: the hub may use everything under the prefix; a controller may write only the
  channels an edge publishes and read only the channels the hub publishes, each of its
  own topics (exact names: no wildcards, no ``pattern`` lines), plus its site's
  ``hub/status``, so one controller can neither read nor write another's topics;
* ``credentials.json`` (mode 0600): the clear passwords and device keys to provision the
  edges and the hub with. Re-running keeps the hub's password from an existing file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.models import Controller
from hub.broker.access import controller_rights, hub_rights
from hub.broker.errors import BrokerError
from hub.sites.models import Site
from hub.sync.keys import current_key, sync_row
from protocols.portable import topics

HUB_USER = "vratnik-hub"
PBKDF2_ITERATIONS = 1000
CREDENTIALS = "credentials.json"


@dataclass(frozen=True)
class Account:
    """A broker account of one controller."""

    site: str
    controller: str
    password: str
    kid: str = ""
    key: bytes = b""

    @property
    def username(self) -> str:
        # '.' cannot occur in ids, so "<site>.<controller>" is unambiguous across sites.
        return f"{self.site}.{self.controller}"


@dataclass(frozen=True)
class TlsOptions:
    """Where the broker finds its certificate, key and the CA (paths on the broker host)."""

    cafile: str
    certfile: str
    keyfile: str


def password_hash(password: str, iterations: int = PBKDF2_ITERATIONS) -> str:
    """Mosquitto 2's ``$7$`` hash: PBKDF2-SHA512 with a 12-byte salt."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return (f"$7${iterations}${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")


def acl_lines(accounts: Iterable[Account], hub_user: str = HUB_USER,
              prefix: str = topics.DEFAULT_PREFIX) -> list[str]:
    """The ``acl_file``: the hub under the prefix, each controller its exact topics."""
    publish, _subscribe = hub_rights(prefix)
    lines = [f"user {hub_user}", f"topic readwrite {publish[0]}", ""]
    for account in accounts:
        writes, reads = controller_rights(prefix, account.site, account.controller)
        lines.append(f"user {account.username}")
        lines += [f"topic write {topic}" for topic in writes]
        lines += [f"topic read {topic}" for topic in reads]
        lines.append("")
    return lines


def config_lines(directory: Path, *, port: int, bind: str, tls: TlsOptions | None,
                 extra: Sequence[str] = ()) -> list[str]:
    """``mosquitto.conf`` for the files in ``directory``."""
    lines = [
        "# Written by 'vratnik hub broker-config'; regenerate instead of editing.",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {directory / 'passwd'}",
        f"acl_file {directory / 'acl'}",
        "persistence true",
        f"persistence_location {directory / 'data'}/",
        # The broker is not durable storage (the edge's outbox is), but a deep queue rides
        # out a hub restart without the edges having to re-send.
        "max_queued_messages 10000",
        f"listener {port} {bind}",
    ]
    if tls is not None:
        lines += [f"cafile {tls.cafile}", f"certfile {tls.certfile}", f"keyfile {tls.keyfile}",
                  "tls_version tlsv1.2"]
    return lines + list(extra)


def accounts_from_db(session: Session) -> list[Account]:
    """Every controller of every site, with its broker password and device key (both are
    created on first use and stored)."""
    rows = session.execute(
        select(Controller.id, Controller.code, Site.code)
        .join(Site, Site.id == Controller.site_id)
        .order_by(Site.code, Controller.code)
    )
    accounts = []
    for controller_id, code, site_code in rows:
        row = sync_row(session, controller_id)
        key = current_key(session, controller_id)
        accounts.append(Account(site_code, code, row.broker_password, key.kid, key.key))
    return accounts


def _hub_password(directory: Path) -> str:
    try:
        existing = json.loads((directory / CREDENTIALS).read_text())
        password = existing["hub"]["password"]
        if isinstance(password, str) and password:
            return password
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return secrets.token_urlsafe(24)


def write_broker_config(session: Session, directory: Path, *, port: int = 8883,
                        bind: str = "0.0.0.0", tls: TlsOptions | None = None,  # noqa: S104
                        prefix: str = topics.DEFAULT_PREFIX, hub_user: str = HUB_USER,
                        extra: Sequence[str] = ()) -> list[Account]:
    """Write the four files into ``directory``; returns the controller accounts."""
    topics.check_prefix(prefix)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "data").mkdir(exist_ok=True)
    except OSError as err:
        raise BrokerError(f"cannot create {directory}: {err.strerror or err}") from err
    accounts = accounts_from_db(session)
    hub_password = _hub_password(directory)
    passwd = [f"{hub_user}:{password_hash(hub_password)}"]
    passwd += [f"{a.username}:{password_hash(a.password)}" for a in accounts]
    credentials = {
        "hub": {"username": hub_user, "password": hub_password},
        "controllers": {
            f"{a.site}/{a.controller}": {
                "username": a.username, "password": a.password, "kid": a.kid,
                "key": base64.b64encode(a.key).decode(),
            }
            for a in accounts
        },
    }
    _write(directory / "passwd", "\n".join(passwd) + "\n", secret=True)
    _write(directory / "acl", "\n".join(acl_lines(accounts, hub_user, prefix)) + "\n")
    _write(directory / CREDENTIALS, json.dumps(credentials, indent=2) + "\n", secret=True)
    conf = config_lines(directory, port=port, bind=bind, tls=tls, extra=extra)
    _write(directory / "mosquitto.conf", "\n".join(conf) + "\n")
    return accounts


def _write(path: Path, text: str, *, secret: bool = False) -> None:
    """Write atomically; secrets readable by the owner only."""
    temp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except OSError as err:
        raise BrokerError(f"cannot write {path}: {err.strerror or err}") from err
