"""Logging in: check the name, password and client address, and keep the login history.

:func:`authenticate` answers with the user or with why not (:class:`LoginFailure`); the
web form shows one message for every failure except a refused address (shown only after
a correct password), so a guesser learns nothing about which names exist.
:func:`record_login` writes the history as configured: nothing, failures only, or
everything (SPEC.md section 8).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.auth.directory import Directory, DirectoryError
from hub.auth.models import USERNAME_MAX, AuthSettings, AuthSource, LoginLog, LoginRecord, User
from hub.auth.networks import allowed
from hub.auth.passwords import Passwords
from hub.auth.users import find_user
from hub.dbtypes import utcnow

log = logging.getLogger(__name__)


class LoginFailure(StrEnum):
    """Why a login was refused (stored in the login history)."""

    UNKNOWN_USER = "unknown_user"
    BAD_PASSWORD = "bad_password"  # noqa: S105 - a reason, not a password
    NO_PASSWORD = "no_password"  # noqa: S105 - none set, passwordless logins are off
    INACTIVE = "inactive"
    ADDRESS = "address"  # not from the user's IP allow-list
    DIRECTORY = "directory_unavailable"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class LoginResult:
    """A user, or why there is none."""

    user: User | None
    failure: LoginFailure | None = None


def auth_settings(session: Session) -> AuthSettings:
    """The hub's login settings (the row is made with defaults on first use)."""
    row = session.get(AuthSettings, 1)
    if row is None:
        row = AuthSettings(id=1, login_log=LoginLog.EVERYTHING, idle_minutes=30,
                           absolute_hours=12, passwordless_login=False)
        session.add(row)
        session.flush()
    return row


def authenticate(session: Session, passwords: Passwords, directory: Directory | None,
                 username: str, password: str, ip: str | None) -> LoginResult:
    """Check a login. Every path verifies one password hash (or asks the directory), so
    the answer takes as long for unknown names as for known ones."""
    user = find_user(session, username)
    settings = auth_settings(session)
    if user is None:
        passwords.verify(None, password)
        return LoginResult(None, LoginFailure.UNKNOWN_USER)
    if user.auth_source is AuthSource.DIRECTORY and not user.is_admin:
        failure = _directory_check(directory, user, password)
    elif user.password_hash is None:
        passwords.verify(None, password)
        failure = None if settings.passwordless_login and password == "" else (
            LoginFailure.NO_PASSWORD)
    elif passwords.verify(user.password_hash, password):
        failure = None
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash(password)
    else:
        failure = LoginFailure.BAD_PASSWORD
    if failure is None and not user.active:
        failure = LoginFailure.INACTIVE
    if failure is None and not allowed(ip, [n.network for n in user.networks]):
        failure = LoginFailure.ADDRESS
    if failure is not None:
        return LoginResult(None, failure)
    return LoginResult(user)


def _directory_check(directory: Directory | None, user: User,
                     password: str) -> LoginFailure | None:
    if directory is None:
        log.warning("user %s logs in through the directory, which is not configured", user.id)
        return LoginFailure.DIRECTORY
    try:
        return None if directory.authenticate(user.username, password) else (
            LoginFailure.BAD_PASSWORD)
    except DirectoryError as err:
        log.warning("directory login of user %s failed: %s", user.id, err)
        return LoginFailure.DIRECTORY


def record_login(session: Session, *, username: str, user: User | None, ip: str | None,
                 user_agent: str, failure: LoginFailure | None,
                 at: datetime | None = None) -> LoginRecord | None:
    """Add a login attempt to the history if the settings ask for it; the row or None."""
    level = auth_settings(session).login_log
    if level is LoginLog.NOTHING or (level is LoginLog.FAILURES and failure is None):
        return None
    found = user if user is not None else find_user(session, username)
    row = LoginRecord(at=at or utcnow(), username=username.strip()[:USERNAME_MAX],
                      user_id=found.id if found is not None else None, ip=(ip or "")[:64],
                      user_agent=user_agent[:200], success=failure is None,
                      reason=failure.value if failure is not None else "")
    session.add(row)
    session.flush()
    return row


def login_history(session: Session, *, user_id: int | None = None, failures_only: bool = False,
                  before_id: int | None = None, limit: int = 100) -> list[LoginRecord]:
    """Login attempts, newest first, paged by id (``before_id``: older than that row)."""
    query = select(LoginRecord)
    if user_id is not None:
        query = query.where(LoginRecord.user_id == user_id)
    if failures_only:
        query = query.where(LoginRecord.success.is_(False))
    if before_id is not None:
        query = query.where(LoginRecord.id < before_id)
    return list(session.scalars(query.order_by(LoginRecord.id.desc()).limit(limit)))


def failures_since(session: Session, since: datetime) -> int:
    """How many logins failed since ``since`` (for the dashboard)."""
    query = select(func.count()).where(LoginRecord.success.is_(False), LoginRecord.at >= since)
    return session.scalar(query) or 0
