"""``vratnik hub migrate|import|export`` against real databases (an SQLite file and a fresh
PostgreSQL database), through the top-level ``vratnik`` command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.pg import fresh_database
from vratnik.cli import cli


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database the commands may commit to."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'hub.db'}"
        return
    with fresh_database(request.getfixturevalue("pg_server_url"), "cli") as url:
        yield url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["hub", *args])
    return result.exit_code, result.output


def test_import_then_export_is_byte_identical(
    database: str, tmp_path: Path, factory_text: str
) -> None:
    source = tmp_path / "factory.json"
    source.write_text(factory_text, encoding="utf-8")
    code, output = run("import", "--database", database, str(source))
    assert code == 0, output
    assert "site 'factory' imported" in output
    exported = tmp_path / "again.json"
    code, output = run("export", "--database", database, str(exported))
    assert code == 0, output
    assert exported.read_text(encoding="utf-8") == factory_text
    # Importing the same site twice is refused and changes nothing.
    code, output = run("import", "--database", database, str(source))
    assert code == 1
    assert "nothing was imported" in output and "site.code: a site with code 'factory'" in output
    code, output = run("export", "--database", database, "--site", "elsewhere", "-")
    assert code == 1 and "site 'elsewhere' does not exist" in output


def test_bad_file_is_refused_with_its_line(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'hub.db'}"
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": 1,\n "site": [}', encoding="utf-8")
    code, output = run("import", "--database", database, str(broken))
    assert code == 1 and "line 2, column 11" in output
    code, output = run("import", "--database", database, str(tmp_path / "missing.json"))
    assert code == 1 and "cannot be read" in output


def test_migrate_creates_the_sqlite_folder(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'fresh' / 'var' / 'hub.db'}"
    code, output = run("migrate", "--database", database)
    assert code == 0, output
    assert (tmp_path / "fresh" / "var" / "hub.db").exists()
    code, output = run("export", "--database", database, "-")
    assert code == 1 and "no site to export" in output
