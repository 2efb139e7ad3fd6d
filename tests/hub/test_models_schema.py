"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from hub.db import alembic_config, downgrade, import_models, make_engine, upgrade
from tests import pg
from tests.pg import fresh_database


def head_revision() -> str | None:
    """The newest migration (upgrade goes there)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, import_models())
    assert differences == []


def test_every_model_table_exists(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(import_models().tables) <= tables
    assert "alembic_version" in tables


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_downgrade_to_base_and_upgrade_again(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    def round_trip(url: str) -> None:
        upgrade(url)
        downgrade(url, "base")
        engine = make_engine(url)
        try:
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        finally:
            engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                version = connection.execute(text("SELECT version_num FROM alembic_version"))
                assert version.scalar() == head_revision()
        finally:
            engine.dispose()

    if backend == "sqlite":
        round_trip(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    else:
        with fresh_database(request.getfixturevalue("pg_server_url"), "mig") as url:
            round_trip(url)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_keeps_existing_rows_and_gives_each_site_a_secret(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    def scenario(url: str) -> None:
        upgrade(url, "0001")
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                for code in ("a", "b"):
                    connection.execute(text(
                        "INSERT INTO sites (code, name, time_zone) VALUES (:c, :c, 'UTC')"
                    ), {"c": code})
                connection.execute(text(
                    "INSERT INTO person_groups (site_id, name, is_company, notes) "
                    "SELECT id, 'Factory', true, '' FROM sites WHERE code = 'a'"
                ))
            upgrade(url)  # 0002 rebuilds the sites table on SQLite
            with engine.connect() as connection:
                secrets_ = connection.execute(text("SELECT secret FROM sites")).scalars().all()
                groups = connection.execute(text("SELECT name FROM person_groups")).all()
                foreign_keys = (
                    connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
                    if backend == "sqlite" else 1
                )
        finally:
            engine.dispose()
        assert len(secrets_) == 2 and len(set(secrets_)) == 2
        assert all(len(bytes(s)) == 32 for s in secrets_)
        assert [tuple(g) for g in groups] == [("Factory",)]  # no cascade on the rebuild
        assert foreign_keys == 1

    if backend == "sqlite":
        scenario(f"sqlite:///{tmp_path / 'data.db'}")
    else:
        with fresh_database(request.getfixturevalue("pg_server_url"), "data") as url:
            scenario(url)


def test_private_postgres_server_when_none_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/pg.py starts its own server when neither the variable nor 127.0.0.1 answers."""
    monkeypatch.delenv(pg.ENV_URL, raising=False)
    monkeypatch.setattr(pg, "LOCAL_URL", "postgresql://postgres@127.0.0.1:1/postgres")
    with pg.postgres_server() as server_url, pg.fresh_database(server_url, "priv") as url:
        assert "host=" in server_url  # a unix socket in the private temp directory
        upgrade(url)
        engine = make_engine(url)
        try:
            assert "badges" in inspect(engine).get_table_names()
        finally:
            engine.dispose()


def test_unreachable_configured_postgres_is_a_clear_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(pg.ENV_URL, "postgresql://postgres@127.0.0.1:1/postgres")
    with pytest.raises(RuntimeError, match="does not answer"), pg.postgres_server():
        pass
