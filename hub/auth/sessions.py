"""Browser sessions and API tokens: random secrets handed out once, kept as SHA-256.

A session ends when its user logs out, after ``idle_minutes`` without a request, after
``absolute_hours`` since the login, when the user is deactivated or his password or
allow-list changes. The timeouts are checked here, against the database, so a copied
cookie does not outlive them.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.auth.models import ApiToken, AuthSession, User
from hub.auth.passwords import token_digest
from hub.dbtypes import utcnow
from hub.errors import NotFound

TOKEN_BYTES = 32
API_TOKEN_PREFIX = "vrt_"  # noqa: S105 - marks our tokens, is not one
# last_seen / last_used are written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


def start_session(session: Session, user: User, ip: str, user_agent: str,
                  now: datetime | None = None) -> str:
    """A new session of ``user``: its token (goes into the cookie, nowhere else)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    at = now or utcnow()
    session.add(AuthSession(token_hash=token_digest(token), user_id=user.id, created_at=at,
                            last_seen_at=at, ip=ip[:64], user_agent=user_agent[:200]))
    user.last_login_at = at
    session.flush()
    return token


def resume_session(session: Session, token: str, *, idle: timedelta, absolute: timedelta,
                   now: datetime | None = None) -> User | None:
    """The active user of a session token, or None (unknown, timed out, or the user is
    inactive); a timed-out session is deleted."""
    at = now or utcnow()
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == token_digest(token)))
    if row is None:
        return None
    if at - row.last_seen_at > idle or at - row.created_at > absolute:
        session.delete(row)
        session.flush()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if at - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = at
        session.flush()
    return user


def end_session(session: Session, token: str) -> None:
    """Log a session out (nothing happens for an unknown token)."""
    session.execute(delete(AuthSession).where(AuthSession.token_hash == token_digest(token)))


def sessions_of(session: Session, user_id: int) -> list[AuthSession]:
    """The user's open sessions, newest first."""
    query = select(AuthSession).where(AuthSession.user_id == user_id)
    return list(session.scalars(query.order_by(AuthSession.created_at.desc())))


def create_token(session: Session, user_id: object, name: str,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new API token of the user: the row and the secret (shown once)."""
    user = check.get(session, User, user_id, "user")
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(user_id=user.id, name=check.name("name", name, 100),
                   token_hash=token_digest(secret), created_at=now or utcnow())
    session.add(row)
    session.flush()
    return row, secret


def resolve_token(session: Session, secret: str, now: datetime | None = None) -> User | None:
    """The active user of an API token, or None."""
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    at = now or utcnow()
    if row.last_used_at is None or at - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = at
        session.flush()
    return user


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """The user's API tokens (their secrets are not kept)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.id)))


def revoke_token(session: Session, user_id: int, token_id: object) -> None:
    """Delete one of the user's API tokens."""
    row = session.get(ApiToken, token_id) if isinstance(token_id, int) else None
    if row is None or row.user_id != user_id:
        raise NotFound("API token", token_id)
    session.delete(row)
    session.flush()
