"""API test fixtures: ``app`` (one per database backend) -> ``client`` (one test's client).

The app is built once per backend (building it registers every blueprint and its OpenAPI
documentation); each test then gets a client whose requests share one connection inside a
transaction that is rolled back afterwards, so every test starts from an empty database
while the views still commit as they do in production (commits become savepoints).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.app import EXTENSION_KEY, create_app, hub_state
from hub.config import HubConfig
from tests.hub.auth_fixtures import authorise_as_admin


@pytest.fixture(scope="session")
def app(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A hub app on the migrated test database of one backend (PIN key in a temp folder)."""
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        HubConfig(database_url=db_url, migrate_on_start=False, instance_path=str(instance))
    )
    app.config["TESTING"] = True
    yield app
    hub_state(app).engine.dispose()


@pytest.fixture
def client(app: Flask, engine: Engine) -> Iterator[FlaskClient]:
    """A test client whose database work is rolled back after the test."""
    state = hub_state(app)
    with engine.connect() as connection:
        outer = connection.begin()
        sessions = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        app.extensions[EXTENSION_KEY] = dataclasses.replace(state, sessions=sessions)
        try:
            # The API requires a login: these tests act as the administrator (API token).
            yield authorise_as_admin(app.test_client(), sessions)
        finally:
            app.extensions[EXTENSION_KEY] = state
            outer.rollback()


@pytest.fixture
def db(client: FlaskClient, app: Flask) -> Iterator[Session]:
    """A session on the client's connection, to arrange and inspect rows directly."""
    session = hub_state(app).sessions()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def site(client: FlaskClient) -> str:
    """The code of a new site in Europe/Bratislava."""
    response = client.post(
        "/api/sites", json={"code": "factory", "name": "Factory", "time_zone": "Europe/Bratislava"}
    )
    assert response.status_code == 201, response.json
    return "factory"
