"""A real PostgreSQL server for tests, and a fresh database per test session.

Where the server comes from, in order:
1. ``VRATNIK_TEST_PG_URL`` (an admin URL of a server the tests may create databases on);
2. ``postgresql://postgres@127.0.0.1:5432/postgres`` if something answers there;
3. a private server started here: ``initdb`` + ``pg_ctl`` from /usr/lib/postgresql/*/bin,
   run as the ``postgres`` OS user when we are root, on a free port with its unix socket
   in a temporary directory, stopped and removed at the end.
If none of these works the tests FAIL with the reason: PostgreSQL support is a feature,
and a skipped test would hide that it is untested.

Use from a conftest.py: ``from tests.pg import pg_server_url, pg_database_url`` makes
both fixtures available (session scope, one database per pytest-xdist worker).
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

ENV_URL = "VRATNIK_TEST_PG_URL"
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT = 3


def _answers(url: str) -> str | None:
    """None if a connection to ``url`` works, else the error text."""
    try:
        with psycopg.connect(_libpq(url), connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as err:
        return str(err).strip() or type(err).__name__
    return None


def _libpq(url: str) -> str:
    """A URL psycopg accepts (SQLAlchemy's ``+psycopg`` driver suffix removed)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PrivateServer:
    """A throw-away PostgreSQL cluster in a temporary directory."""

    def __init__(self) -> None:
        binaries = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/initdb"),
            key=lambda p: int(Path(p).parent.parent.name.split(".")[0]),
        )
        if not binaries:
            raise RuntimeError(
                "no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
            )
        self.bin = Path(binaries[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="vratnik-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(self.root, user="postgres")
            self.root.chmod(0o700)

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command, check=False, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.strip()}")

    def start(self) -> str:
        """Create and start the cluster; its admin URL (unix socket, trust auth)."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses='' -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.root / "server.log"), "-w", "start")
        return f"postgresql://postgres@/postgres?host={self.root}&port={self.port}"

    def stop(self) -> None:
        """Stop the server and remove its files."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """An admin URL of a PostgreSQL server, found or started; raises RuntimeError if neither."""
    configured = os.environ.get(ENV_URL)
    if configured:
        problem = _answers(configured)
        if problem is not None:
            raise RuntimeError(f"{ENV_URL}={configured!r} does not answer: {problem}")
        yield configured
        return
    if _answers(LOCAL_URL) is None:
        yield LOCAL_URL
        return
    try:
        server = PrivateServer()
        url = server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as err:
        raise RuntimeError(
            f"PostgreSQL is needed and none is reachable: set {ENV_URL}, run one on "
            f"127.0.0.1:5432, or install postgresql so a private one can start ({err})"
        ) from err
    try:
        yield url
    finally:
        server.stop()


@contextlib.contextmanager
def fresh_database(server_url: str, label: str = "t") -> Iterator[str]:
    """A new, uniquely named database on the server, dropped afterwards; yields its URL."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"vratnik_{label}_{worker}_{os.getpid()}_{secrets.token_hex(3)}".lower()
    with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(server_url).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """Admin URL of the real PostgreSQL server the tests use (fails, never skips)."""
    try:
        with postgres_server() as url:
            yield url
    except RuntimeError as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture(scope="session")
def pg_database_url(pg_server_url: str) -> Iterator[str]:
    """URL of an empty database created for this test session (or xdist worker)."""
    with fresh_database(pg_server_url) as url:
        yield url
