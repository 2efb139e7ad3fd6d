"""A private, real Mosquitto broker for tests: plain, or secured with TLS, passwords and ACLs.

Never port 1883 (the machine's own broker may hold it): each broker binds a free port on
127.0.0.1, in its own temporary directory with a generated config, and is killed at
teardown. Session-scoped fixtures are per pytest-xdist worker, so workers never share one.

Use from a conftest.py: ``from tests.mqtt import mosquitto, secured_mosquitto_factory``
makes the fixtures available:

* ``mosquitto`` (session): a plain broker, anonymous, ``broker.url`` = ``mqtt://127.0.0.1:N``;
* ``secured_mosquitto_factory`` (session): ``factory(accounts, hub_user=...)`` returns a
  started broker with TLS (a throw-away CA: ``broker.ca_file``), a password file and the
  production ACL file (hub.broker.mosquitto) in which every controller may touch only its
  own topics; usernames are ``<site>.<controller>`` as in production.

``MosquittoBroker`` can also be used directly (a context manager); ``restart()`` keeps the
port, for fault tests (broker restarted mid-snapshot or mid-event-stream).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.broker.mosquitto import HUB_USER, Account, password_hash
from hub.broker.mosquitto import acl_lines as production_acl_lines
from protocols.portable import topics

START_TIMEOUT = 10.0


def mosquitto_binary() -> str:
    """Path of the mosquitto executable; RuntimeError (a failing test, never a skip) if none."""
    for candidate in ("/usr/sbin/mosquitto", shutil.which("mosquitto")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("mosquitto is needed for the MQTT tests: apt-get install mosquitto")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class ControllerAccount:
    """A controller's broker account, named as in production: ``<site>.<controller>``."""

    site: str
    controller: str
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @property
    def username(self) -> str:
        return self.production().username

    def production(self) -> Account:
        """The same account as hub.broker.mosquitto (``vratnik hub broker-config``) sees it."""
        return Account(self.site, self.controller, self.password)


def acl_lines(accounts: Iterable[ControllerAccount], hub_user: str = HUB_USER,
              prefix: str = topics.DEFAULT_PREFIX) -> list[str]:
    """The production acl_file (hub.broker.mosquitto.acl_lines) for these accounts.

    Exact topics per controller, everything under ``prefix`` for the hub: the tests on
    a secured broker therefore check the ACL that production writes.
    """
    return production_acl_lines([a.production() for a in accounts], hub_user, prefix)


def write_password_file(path: Path, users: dict[str, str], use_tool: bool = True) -> None:
    """A Mosquitto password file for ``users`` (name -> password), hashed by mosquitto_passwd.

    Without the tool (or ``use_tool=False``) the hashes are written by the hub's
    ``password_hash`` (what ``vratnik hub broker-config`` writes).
    """
    tool = shutil.which("mosquitto_passwd") if use_tool else None
    if tool is None:
        path.write_text("".join(f"{u}:{password_hash(p)}\n" for u, p in users.items()))
        return
    path.write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
    subprocess.run([tool, "-U", str(path)], check=True, capture_output=True, timeout=30)


@dataclass(frozen=True)
class TlsFiles:
    """A throw-away CA and a server certificate for 127.0.0.1 / localhost."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_tls_files(directory: Path) -> TlsFiles:
    """Generate the CA and a server certificate signed by it (EC P-256, valid one day)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vratnik test CA")])
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.crt", directory / "server.crt", directory / "server.key")
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    files.key_file.chmod(0o600)
    return files


_RUNNING: set[MosquittoBroker] = set()


@atexit.register
def _kill_leftovers() -> None:  # a crashed test session must not leave brokers behind
    for broker in list(_RUNNING):
        broker.stop()


class MosquittoBroker:
    """One private Mosquitto process on a free port of 127.0.0.1.

    ``secure=True`` needs ``accounts`` (and uses ``hub_password`` for the hub user): TLS
    only, no anonymous clients, a password file and the ACL of :func:`acl_lines`.
    ``persistence`` keeps sessions and queued messages across ``restart()`` like a
    production broker; ``extra_config`` lines are appended to the config.
    """

    def __init__(self, directory: Path | None = None, *, secure: bool = False,
                 accounts: Sequence[ControllerAccount] = (), hub_user: str = HUB_USER,
                 hub_password: str | None = None, persistence: bool = True,
                 extra_config: Sequence[str] = ()) -> None:
        self._own_dir = directory is None
        self.directory = Path(tempfile.mkdtemp(prefix="vratnik-mqtt-")) if directory is None \
            else directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.secure = secure
        self.accounts = list(accounts)
        self.hub_user = hub_user
        self.hub_password = hub_password or secrets.token_urlsafe(12)
        self.persistence = persistence
        self.extra_config = list(extra_config)
        self.port = free_port()
        self.tls: TlsFiles | None = None
        self.config_file = self.directory / "mosquitto.conf"
        self.log_file = self.directory / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._write_config()

    # -- configuration ---------------------------------------------------------------
    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:PORT`` or ``mqtts://127.0.0.1:PORT`` (secured)."""
        return f"{'mqtts' if self.secure else 'mqtt'}://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def ca_file(self) -> Path:
        """The CA certificate clients must trust (secured brokers only)."""
        if self.tls is None:
            raise RuntimeError("this broker has no TLS listener")
        return self.tls.ca_file

    def password_of(self, username: str) -> str:
        """The password of a controller account or of the hub user."""
        if username == self.hub_user:
            return self.hub_password
        for account in self.accounts:
            if account.username == username:
                return account.password
        raise KeyError(username)

    def _write_config(self) -> None:
        lines = [
            f"listener {self.port} 127.0.0.1",
            "log_dest stderr",
            "log_type error", "log_type warning", "log_type notice", "log_type information",
            "connection_messages true",
            f"persistence {'true' if self.persistence else 'false'}",
            f"persistence_location {self.directory}/",
            "max_queued_messages 100000",
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # else mosquitto drops to a user who cannot read tmp
        if self.secure:
            if not self.accounts:
                raise ValueError("a secured broker needs at least one controller account")
            self.tls = make_tls_files(self.directory)
            users = {a.username: a.password for a in self.accounts}
            users[self.hub_user] = self.hub_password
            password_file = self.directory / "passwd"
            acl_file = self.directory / "acl"
            write_password_file(password_file, users)
            acl_file.write_text("\n".join(acl_lines(self.accounts, self.hub_user)) + "\n")
            lines += [
                f"cafile {self.tls.ca_file}", f"certfile {self.tls.cert_file}",
                f"keyfile {self.tls.key_file}", "tls_version tlsv1.2",
                "allow_anonymous false",
                f"password_file {password_file}", f"acl_file {acl_file}",
            ]
        else:
            lines.append("allow_anonymous true")
        lines += self.extra_config
        self.config_file.write_text("\n".join(lines) + "\n")

    # -- process -----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> MosquittoBroker:
        """Start the broker and wait until its port accepts connections."""
        if self.running:
            return self
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [mosquitto_binary(), "-c", str(self.config_file)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _RUNNING.add(self)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                _RUNNING.discard(self)
                raise RuntimeError(f"mosquitto exited at start: {self.log_tail()}")
            with contextlib.suppress(OSError), \
                    socket.create_connection((self.host, self.port), timeout=0.2):
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {self.port}: {self.log_tail()}")

    def stop(self, kill: bool = False) -> None:
        """Stop the broker: SIGTERM (it saves its persistence file) or ``kill``: SIGKILL."""
        process, self._process = self._process, None
        _RUNNING.discard(self)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def restart(self, kill: bool = False) -> None:
        """Stop and start again on the same port (clients see the connection drop)."""
        self.stop(kill=kill)
        self.start()

    def close(self) -> None:
        """Stop the broker and remove its directory if this object created it."""
        self.stop(kill=True)
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the broker's log, for failure messages."""
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> MosquittoBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


SecuredFactory = Callable[..., MosquittoBroker]


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[MosquittoBroker]:
    """A plain (anonymous, no TLS) private broker for this test session / xdist worker."""
    with MosquittoBroker() as broker:
        yield broker


@pytest.fixture(scope="session")
def secured_mosquitto_factory() -> Iterator[SecuredFactory]:
    """``factory(accounts, hub_user=..., **kwargs)`` -> a started TLS+password+ACL broker."""
    made: list[MosquittoBroker] = []

    def factory(accounts: Sequence[ControllerAccount], **kwargs: object) -> MosquittoBroker:
        broker = MosquittoBroker(secure=True, accounts=accounts, **kwargs)  # type: ignore[arg-type]
        made.append(broker)
        return broker.start()

    yield factory
    for broker in made:
        broker.close()
