"""Hub users, their sessions and API tokens, and the login history (SPEC.md sections 7, 8).

A user is an account of the web UI and REST API. Exactly one user is the administrator
(full rights); every other user has the rights of :mod:`hub.rights`. A user may be a
person of a site (``person_id``): "self" and "own department" in the rights mean that
person and that person's group.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base
from hub.dbtypes import EnumText, UTCDateTime, enum_check

USERNAME_MAX = 64
TOKEN_HASH_CHARS = 64  # sha256 hex


class AuthSource(StrEnum):
    """Where a user's password is checked."""

    LOCAL = "local"  # the Argon2 hash in users.password_hash
    DIRECTORY = "directory"  # a bind to the LDAP / Active Directory server


class LoginLog(StrEnum):
    """What the login history records (SPEC.md section 8)."""

    NOTHING = "nothing"
    FAILURES = "failures"
    EVERYTHING = "everything"


class User(Base):
    """An account of the hub's web UI and REST API."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(enum_check("auth_source", AuthSource), name="auth_source_known"),
        CheckConstraint("length(username) >= 1", name="username_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Compared case-insensitively: stored lower-case by the services.
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # Argon2id PHC string; None: the account has no password (see the password check page).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    auth_source: Mapped[AuthSource] = mapped_column(
        EnumText(AuthSource), default=AuthSource.LOCAL
    )
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # An inactive account cannot log in and its sessions and tokens stop working.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The person this user is: "self" and "own department" of the rights refer to it.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="SET NULL"), index=True
    )
    # The only site the user reaches; None: every site (a user who is a person is bound to
    # the person's site by the services).
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    networks: Mapped[list[UserNetwork]] = relationship(
        cascade="all, delete-orphan", order_by="UserNetwork.id"
    )

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r}, admin={self.is_admin!r})"


class UserNetwork(Base):
    """One entry of a user's IP allow-list (an address or a network in CIDR form).

    A user without entries may connect from anywhere; with entries, only from them.
    """

    __tablename__ = "user_networks"
    __table_args__ = (UniqueConstraint("user_id", "network"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(64))


class AuthSession(Base):
    """A logged-in browser: the cookie holds a random token, the hub its SHA-256.

    Kept on the server so logging out, deactivating a user or changing a password ends
    the session for real, and so the idle and absolute timeouts do not trust the cookie.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_CHARS), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class ApiToken(Base):
    """A bearer token of the REST API for scripts; shown once, stored as its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_CHARS), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginRecord(Base):
    """One login attempt: who, when, from which address, whether it worked and why not."""

    __tablename__ = "login_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The name as typed (cut to the column), also when no such user exists.
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    ip: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    success: Mapped[bool] = mapped_column(Boolean)
    # Why it failed (a LoginFailure value), '' on success.
    reason: Mapped[str] = mapped_column(String(32), default="")


class AuthSettings(Base):
    """Hub-wide login settings: one row (id 1), created with defaults on first use."""

    __tablename__ = "auth_settings"
    __table_args__ = (
        CheckConstraint(enum_check("login_log", LoginLog), name="login_log_known"),
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("idle_minutes >= 1 AND absolute_hours >= 1", name="timeouts_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    login_log: Mapped[LoginLog] = mapped_column(EnumText(LoginLog), default=LoginLog.EVERYTHING)
    # A session ends after this many minutes without a request ...
    idle_minutes: Mapped[int] = mapped_column(Integer, default=30)
    # ... and this many hours after the login in any case.
    absolute_hours: Mapped[int] = mapped_column(Integer, default=12)
    # Whether an account without a password may log in with an empty password (the
    # manuals' "standard" users); off by default.
    passwordless_login: Mapped[bool] = mapped_column(Boolean, default=False)
