"""create_app wires configuration, migrations and a session per application context."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from hub.app import create_app, db_session, hub_state
from hub.badges import pins
from hub.config import HubConfig
from hub.sites.models import Site
from hub.sites.services import create_site


def test_create_app_migrates_and_gives_a_session(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'hub.db'}"
    app = create_app(HubConfig(database_url=url, instance_path=str(tmp_path / "instance")))
    state = hub_state(app)
    assert "persons" in inspect(state.engine).get_table_names()
    with app.app_context():
        session = db_session()
        assert db_session() is session  # one per application context
        create_site(session, code="s1", name="S1", time_zone="Europe/Rome")
        session.commit()
    with app.app_context():
        assert db_session().scalars(select(Site.code)).all() == ["s1"]
    state.engine.dispose()


def test_default_database_is_sqlite_in_instance_folder(tmp_path: Path) -> None:
    assert HubConfig().resolved_database_url(tmp_path) == f"sqlite:///{tmp_path / 'vratnik.db'}"


def test_config_from_environment() -> None:
    config = HubConfig.from_env({"VRATNIK_DATABASE_URL": "postgresql://h/db",
                                 "VRATNIK_MIGRATE_ON_START": "no"})
    assert config.database_url == "postgresql://h/db"
    assert config.migrate_on_start is False
    with pytest.raises(ValueError, match="yes/no"):
        HubConfig.from_env({"VRATNIK_SQL_ECHO": "maybe"})


def test_unsupported_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        create_app(HubConfig(database_url="mysql://u@h/db", migrate_on_start=False))


def test_pin_key_file_is_made_on_first_use_in_the_instance_folder(tmp_path: Path) -> None:
    app = create_app(HubConfig(database_url=f"sqlite:///{tmp_path / 'hub.db'}",
                               instance_path=str(tmp_path / "instance")))
    state = hub_state(app)
    key_file = tmp_path / "instance" / "pin.key"
    assert not key_file.exists()  # an app that never handles a PIN writes no key
    sealed = state.pins().seal(1, "1234")
    assert key_file.exists() and state.pins().open(1, sealed) == "1234"
    state.engine.dispose()


def test_configured_pin_key_is_used_and_checked_at_start(tmp_path: Path) -> None:
    key = pins.key_to_text(pins.generate_key())
    app = create_app(HubConfig(database_url=f"sqlite:///{tmp_path / 'hub.db'}", pin_key=key,
                               instance_path=str(tmp_path / "instance")))
    sealed = hub_state(app).pins().seal(5, "0000")
    assert pins.PinVault(pins.key_from_text(key)).open(5, sealed) == "0000"
    assert not (tmp_path / "instance" / "pin.key").exists()
    assert key not in repr(hub_state(app).config)
    hub_state(app).engine.dispose()
    with pytest.raises(pins.PinKeyError):
        create_app(HubConfig(database_url=f"sqlite:///{tmp_path / 'hub.db'}", pin_key="short"))
