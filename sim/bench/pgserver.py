"""A PostgreSQL server for benchmarks: configured, found locally, or a private one started.

In order: ``VRATNIK_BENCH_PG_URL`` (or ``VRATNIK_TEST_PG_URL``), a server answering on
127.0.0.1:5432, else a throw-away cluster (``initdb`` + ``pg_ctl`` from
/usr/lib/postgresql/*/bin, as the ``postgres`` user when run as root) in a temporary
directory, removed afterwards. Each use gets a fresh database, dropped afterwards.
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
from psycopg import sql
from sqlalchemy.engine import make_url

ENV_URLS = ("VRATNIK_BENCH_PG_URL", "VRATNIK_TEST_PG_URL")
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class NoPostgresError(RuntimeError):
    """No PostgreSQL server could be found or started."""


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _private_server() -> Iterator[str]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise NoPostgresError("no initdb under /usr/lib/postgresql/*/bin "
                              "(apt-get install postgresql)")
    binaries = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="vratnik-bench-pg-"))
    as_postgres = os.geteuid() == 0  # initdb refuses to run as root
    if as_postgres:
        shutil.chown(root, user="postgres")

    def run(*args: str) -> None:
        command = [str(binaries / args[0]), *args[1:]]
        if as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                check=False)
        if result.returncode != 0:
            raise NoPostgresError(f"{args[0]} failed: {result.stderr.strip()}")

    data, port = root / "data", _free_port()
    try:
        run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync")
        run("pg_ctl", "-D", str(data), "-o", f"-p {port} -k {root} -c listen_addresses=''",
            "-l", str(root / "log"), "-w", "start")
        try:
            yield f"postgresql://postgres@/postgres?host={root}&port={port}"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a fresh database for one benchmark run (dropped afterwards)."""
    with contextlib.ExitStack() as stack:
        server = next((os.environ[n] for n in ENV_URLS if os.environ.get(n)), None)
        if server is None:
            server = LOCAL_URL if _answers(LOCAL_URL) else stack.enter_context(_private_server())
        name = f"vratnik_bench_{secrets.token_hex(4)}"
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield _with_database(server, name)
        finally:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                              .format(sql.Identifier(name)))


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)
