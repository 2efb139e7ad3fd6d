"""Database setup: the declarative base, engines, sessions and migrations.

SQLite (WAL journal, foreign keys on) is the embedded default; PostgreSQL is reached through
psycopg 3 (``postgresql://`` URLs are rewritten to ``postgresql+psycopg://``). The schema is
created only by Alembic migrations (``upgrade(url)``), never by ``create_all``, so every
database, test databases included, is built the way production ones are.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Every feature package whose models.py defines tables. Alembic's autogenerate and the
# schema test need all of them imported so Base.metadata is complete.
MODEL_MODULES = (
    "hub.sites.models",
    "hub.people.models",
    "hub.badges.models",
    "hub.access.models",
    "hub.schedules.models",
    "hub.policies.models",
    "hub.sync.models",
    "hub.events.models",
    "hub.auth.models",
    "hub.rights.models",
    "hub.ui.models",
    "hub.photos.models",
)

# Deterministic constraint names, so migrations can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every hub model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def import_models() -> MetaData:
    """Import every model module and return the complete metadata."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata


def normalize_url(url: str | URL) -> URL:
    """The URL with PostgreSQL pointed at psycopg 3 (``postgresql://`` and ``postgres://``)."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, echo=echo)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://"
        )
    return create_engine(parsed, echo=echo, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin: without
        # this, pysqlite defers BEGIN and SAVEPOINTs (begin_nested) silently do nothing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # Foreign keys are off by default in SQLite, per connection.
            cursor.execute("PRAGMA foreign_keys=ON")
            # WAL: readers never block the writer (the hub reads while it ingests events).
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that has read can become a writer only if nobody committed
        # since its read; otherwise SQLite fails the write at once ("database is locked"),
        # without waiting for busy_timeout. A transaction that will write therefore takes
        # the write lock at BEGIN, where busy_timeout does wait (readers are never blocked
        # in WAL). Read-only transactions stay deferred, so long reads block no writer.
        if connection.get_execution_options().get(WRITES_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


# Execution option: this connection's transactions will write (SQLite: BEGIN IMMEDIATE).
WRITES_OPTION = "vratnik_writes"


def writing(engine: Engine) -> Engine:
    """``engine`` for transactions that will write: on SQLite each begins by taking the write
    lock (waiting up to the busy timeout), so a read-then-write cannot fail half-way because
    another writer committed in between. Elsewhere the option is ignored."""
    return engine.execution_options(**{WRITES_OPTION: True})


def make_session_factory(engine: Engine, *, writes: bool = False) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit. ``writes``: every
    transaction of these sessions takes SQLite's write lock first (:func:`writing`)."""
    return sessionmaker(bind=writing(engine) if writes else engine, expire_on_commit=False)


def writing_session(factory: sessionmaker[Session]) -> Session:
    """A session of ``factory`` whose transactions will write (:func:`writing`). A factory
    bound to a connection (a test's outer transaction) is used as it is."""
    bind = factory.kw.get("bind")
    if isinstance(bind, Engine):
        return factory(bind=writing(bind))
    return factory()


def alembic_config(url: str | URL) -> AlembicConfig:
    """Alembic configured in code (no alembic.ini): our migrations, the given database."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    rendered = normalize_url(url).render_as_string(hide_password=False)
    # ConfigParser interpolation treats % specially; passwords may contain it.
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (creating every table on a new one)."""
    _migrate(url, lambda config: command.upgrade(config, revision))
    log.info("database migrated to %s", revision)


def downgrade(url: str | URL, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base`` drops everything)."""
    _migrate(url, lambda config: command.downgrade(config, revision))
    log.info("database migrated down to %s", revision)


def _migrate(url: str | URL, action: Callable[[AlembicConfig], None]) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # SQLite changes a table by copying it and dropping the old one; with foreign
                # keys on, that drop would delete (ON DELETE CASCADE) every row that refers to
                # it. The pragma only works outside a transaction, hence the raw connection.
                _raw_sqlite(connection, "PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    config = alembic_config(url)
                    config.attributes["connection"] = connection
                    action(config)
                    if sqlite:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(
                                f"migration left {len(broken)} rows with dangling foreign keys, "
                                f"first in table {broken[0][0]!r}; nothing was changed"
                            )
            finally:
                if sqlite:
                    _raw_sqlite(connection, "PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()


def _raw_sqlite(connection: Any, statement: str) -> None:
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def atomic(service: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    """Run a service inside a SAVEPOINT: if it raises half-way (a bad second field after a
    good first one), none of its changes stay in the session."""

    @functools.wraps(service)
    def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with session.begin_nested():
            return service(session, *args, **kwargs)

    return run
