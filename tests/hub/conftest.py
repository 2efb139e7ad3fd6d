"""Hub test fixtures: every database test runs on SQLite AND on a real PostgreSQL.

Layers: ``db_url`` (a database migrated by Alembic, once per backend and session) ->
``engine`` -> ``session`` (one test's session inside a transaction that is rolled back, so
tests do not see each other's rows; services may commit, which only releases a savepoint)
-> ``site`` (a site with the built-in classes).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.db import make_engine, upgrade
from hub.sites.models import Site
from hub.sites.services import create_site
from tests.pg import pg_database_url, pg_server_url

__all__ = ["pg_database_url", "pg_server_url"]  # fixtures used through the names below

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a database whose schema the migrations created (sqlite file or postgresql)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'hub.db'}"
    else:
        url = str(request.getfixturevalue("pg_database_url"))
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the migrated test database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def site(session: Session) -> Site:
    """A site in Europe/Bratislava with the built-in classes."""
    return create_site(session, code="factory", name="Factory", time_zone="Europe/Bratislava")
