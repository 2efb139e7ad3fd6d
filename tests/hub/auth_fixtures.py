"""Logged-in test clients for hub tests (the REST API and the web UI require a login).

``authorise_as_admin(client, sessions)`` makes the administrator (if the database has
none yet) and an API token for him, and sends that token with every request of
``client``; ``authorise_as(client, sessions, user_id)`` does the same for any user. Bearer
tokens need no CSRF token, so API tests post JSON as before.

``web_app`` / ``web_sessions`` / ``browser`` are fixtures of the web UI (import them into a
conftest.py); ``Browser`` logs in through the form and sends CSRF tokens like a browser.

``FAST_AUTH`` keeps Argon2 cheap and the login rate limits out of the way; tests of the
hashing parameters and of the limits set their own.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from hub.app import EXTENSION_KEY, create_app, hub_state
from hub.auth.config import AuthConfig
from hub.auth.models import AuthSource, User
from hub.auth.passwords import Passwords
from hub.auth.sessions import create_token
from hub.auth.users import admin_user, create_user, set_password
from hub.config import HubConfig
from hub.rights.services import RightsForm, set_rights

FAST_AUTH = AuthConfig(
    secret_key="test-secret-key-not-for-production",
    argon2_time_cost=1,
    argon2_memory_kib=8,
    argon2_parallelism=1,
    login_rate_per_address="10000 per minute",
    login_rate_per_user="10000 per minute",
)


def admin_in(session: Session) -> User:
    """The administrator (made without a password if there is none: tokens need none)."""
    admin = admin_user(session)
    if admin is None:
        admin = User(username="admin", display_name="Administrator", is_admin=True,
                     active=True, auth_source=AuthSource.LOCAL)
        session.add(admin)
        session.flush()
    return admin


def use_token(client: FlaskClient, token: str) -> FlaskClient:
    """Send ``Authorization: Bearer <token>`` with every request of ``client``."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def token_for(sessions: sessionmaker[Session], user_id: int | None = None) -> str:
    """A new API token of the user (default: the administrator, made if missing)."""
    with sessions() as session:
        target = user_id if user_id is not None else admin_in(session).id
        _row, secret = create_token(session, target, "tests")
        session.commit()
    return secret


def authorise_as_admin(client: FlaskClient, sessions: sessionmaker[Session]) -> FlaskClient:
    """``client`` acting as the administrator."""
    return use_token(client, token_for(sessions))


def authorise_as(client: FlaskClient, sessions: sessionmaker[Session],
                 user_id: int) -> FlaskClient:
    """``client`` acting as the user ``user_id``."""
    return use_token(client, token_for(sessions, user_id))


# -- the web UI: an app per database backend, browsers (test clients) that log in -----------

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client that logs in through the login form and sends CSRF tokens with its
    form posts, as a browser does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._token: str | None = None

    def login(self, username: str, password: str, *, status: int = 302) -> TestResponse:
        """Log in through the form; asserts the answer's status (302: logged in)."""
        page = self.client.get("/login")
        response = self.client.post("/login", data={
            "username": username, "password": password, "csrf_token": _token_in(page)})
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        self._token = None
        return response

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        """A GET."""
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        """A form POST with the session's CSRF token."""
        if self._token is None:
            self._token = _token_in(self.client.get("/account"))
        return self.client.post(url, data={**(data or {}), "csrf_token": self._token}, **kwargs)


def _token_in(page: TestResponse) -> str:
    found = CSRF_PATTERN.search(page.get_data(as_text=True))
    assert found is not None, f"no CSRF token on the page (status {page.status_code})"
    return found.group(1)


@pytest.fixture(scope="session")
def web_app(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A hub app with the web UI on the migrated test database of one backend."""
    instance = tmp_path_factory.mktemp("web-instance")
    app = create_app(HubConfig(database_url=db_url, migrate_on_start=False,
                               instance_path=str(instance), auth=FAST_AUTH))
    app.config["TESTING"] = True
    yield app
    hub_state(app).engine.dispose()


@pytest.fixture
def web_sessions(web_app: Flask, engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on one connection whose work is rolled back after the test; the app's
    requests use them too (their commits become savepoints)."""
    state = hub_state(web_app)
    with engine.connect() as connection:
        outer = connection.begin()
        sessions = sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                                expire_on_commit=False)
        web_app.extensions[EXTENSION_KEY] = dataclasses.replace(state, sessions=sessions)
        try:
            yield sessions
        finally:
            web_app.extensions[EXTENSION_KEY] = state
            outer.rollback()


@pytest.fixture
def browser(web_app: Flask, web_sessions: sessionmaker[Session]) -> Browser:
    """A browser not logged in yet."""
    return Browser(web_app.test_client())


def make_user(sessions: sessionmaker[Session], username: str, password: str | None = None,
              *, admin: bool = False, **rights: Any) -> int:
    """A user (the administrator with ``admin``) with a password and ``rights``
    (hub.rights.services.RightsForm fields); his id."""
    with sessions() as session:
        if admin:
            user = admin_in(session)
        else:
            user = create_user(session, username=username,
                               person_id=rights.pop("person_id", None),
                               site_id=rights.pop("site_id", None))
            if rights:
                set_rights(session, user.id, RightsForm(**rights), actor="tests")
        if password is not None:
            set_password(session, Passwords(FAST_AUTH), user.id, password)
        session.commit()
        return user.id
