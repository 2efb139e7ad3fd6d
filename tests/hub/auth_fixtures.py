"""Logged-in test clients for hub tests (the REST API and the web UI require a login).

``authorise_as_admin(client, sessions)`` makes the administrator (if the database has
none yet) and an API token for him, and sends that token with every request of
``client``; ``authorise_as(client, sessions, user_id)`` does the same for any user. Bearer
tokens need no CSRF token, so API tests post JSON as before.

``FAST_AUTH`` keeps Argon2 cheap and the login rate limits out of the way; tests of the
hashing parameters and of the limits set their own.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from hub.auth.config import AuthConfig
from hub.auth.models import AuthSource, User
from hub.auth.sessions import create_token
from hub.auth.users import admin_user

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
