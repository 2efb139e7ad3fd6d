"""Accounts on both databases: users, the one administrator, passwords, logins, the login
history, sessions with their timeouts, API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth import users
from hub.auth.config import AuthConfig
from hub.auth.directory import MemoryDirectory
from hub.auth.logins import LoginFailure, auth_settings, authenticate, login_history, record_login
from hub.auth.models import AuthSession, AuthSource, LoginLog, LoginRecord
from hub.auth.passwords import Passwords
from hub.auth.sessions import (
    create_token,
    end_session,
    resolve_token,
    resume_session,
    revoke_token,
    start_session,
)
from hub.dbtypes import utcnow
from hub.errors import Conflict, Invalid, NotFound
from tests.hub.auth.conftest import Staff

IDLE, ABSOLUTE = timedelta(minutes=30), timedelta(hours=12)


def test_user_names_are_case_insensitive_and_unique(session: Session) -> None:
    user = users.create_user(session, username="  Eva.Sucha ")
    assert user.username == "eva.sucha"
    assert users.find_user(session, "EVA.SUCHA") is user
    with pytest.raises(Conflict, match="already exists"):
        users.create_user(session, username="eva.SUCHA")
    with pytest.raises(Invalid, match="letters, digits"):
        users.create_user(session, username="eva sucha")
    assert user.password_hash is None and not user.is_admin


def test_exactly_one_administrator(session: Session, passwords: Passwords) -> None:
    admin = users.ensure_admin(session, passwords, "first admin password")
    again = users.ensure_admin(session, passwords, "second admin password")
    assert again.id == admin.id and users.admin_user(session) is admin
    assert passwords.verify(admin.password_hash, "second admin password")
    with pytest.raises(Conflict):
        users.delete_user(session, admin.id)
    with pytest.raises(Invalid, match="cannot be deactivated"):
        users.update_user(session, admin.id, active=False)
    with pytest.raises(Invalid, match="must have a password"):
        users.clear_password(session, admin.id)
    with pytest.raises(Invalid, match="always checked by the hub"):
        users.update_user(session, admin.id, auth_source=AuthSource.DIRECTORY)


def test_a_user_who_is_a_person_belongs_to_the_persons_site(session: Session,
                                                           staff: Staff) -> None:
    user = users.create_user(session, username="zich", person_id=staff.manager)
    assert user.site_id == staff.site_id
    with pytest.raises(Invalid, match="person's site"):
        users.place_user(session, user.id, staff.manager, staff.site_id + 1000)
    with pytest.raises(NotFound):
        users.place_user(session, user.id, 999_999, None)
    users.place_user(session, user.id, None, None)
    assert user.person_id is None and user.site_id is None


def login(session: Session, passwords: Passwords, name: str, password: str,
          ip: str = "192.168.1.20",
          directory: MemoryDirectory | None = None) -> LoginFailure | None:
    return authenticate(session, passwords, directory, name, password, ip).failure


def test_login_outcomes(session: Session, passwords: Passwords) -> None:
    user = users.create_user(session, username="eva")
    assert login(session, passwords, "eva", "") is LoginFailure.NO_PASSWORD
    users.set_password(session, passwords, user.id, "a good password")
    assert login(session, passwords, "EVA", "a good password") is None
    assert login(session, passwords, "eva", "a bad password") is LoginFailure.BAD_PASSWORD
    assert login(session, passwords, "nobody", "a good password") is LoginFailure.UNKNOWN_USER
    users.set_networks(session, user.id, ["10.0.0.0/8"])
    assert login(session, passwords, "eva", "a good password") is LoginFailure.ADDRESS
    assert login(session, passwords, "eva", "a good password", ip="10.1.2.3") is None
    users.update_user(session, user.id, active=False)
    assert login(session, passwords, "eva", "a good password", "10.1.2.3") is (
        LoginFailure.INACTIVE)


def test_passwordless_login_only_when_the_company_allows_it(session: Session,
                                                           passwords: Passwords) -> None:
    users.create_user(session, username="visitor-desk")
    assert login(session, passwords, "visitor-desk", "") is LoginFailure.NO_PASSWORD
    auth_settings(session).passwordless_login = True
    assert login(session, passwords, "visitor-desk", "") is None
    assert login(session, passwords, "visitor-desk", "guess") is LoginFailure.NO_PASSWORD


def test_directory_users_log_in_with_the_directorys_password(session: Session,
                                                            passwords: Passwords) -> None:
    users.create_user(session, username="jan", auth_source=AuthSource.DIRECTORY)
    directory = MemoryDirectory({"jan": "domain password"})
    assert login(session, passwords, "jan", "domain password", directory=directory) is None
    assert login(session, passwords, "jan", "other", directory=directory) is (
        LoginFailure.BAD_PASSWORD)
    directory.down = True
    assert login(session, passwords, "jan", "domain password", directory=directory) is (
        LoginFailure.DIRECTORY)
    assert login(session, passwords, "jan", "domain password") is LoginFailure.DIRECTORY


def test_an_old_hash_is_renewed_at_login(session: Session, passwords: Passwords) -> None:
    user = users.create_user(session, username="eva")
    older = Passwords(AuthConfig(argon2_time_cost=2, argon2_memory_kib=16, argon2_parallelism=1))
    user.password_hash = older.hash("a good password")
    assert login(session, passwords, "eva", "a good password") is None
    assert user.password_hash is not None and not passwords.needs_rehash(user.password_hash)


@pytest.mark.parametrize(("level", "kept"), [
    (LoginLog.NOTHING, []), (LoginLog.FAILURES, [False]), (LoginLog.EVERYTHING, [True, False])])
def test_login_history_levels(session: Session, passwords: Passwords, level: LoginLog,
                              kept: list[bool]) -> None:
    user = users.create_user(session, username="eva")
    auth_settings(session).login_log = level
    record_login(session, username="eva", user=user, ip="10.0.0.1", user_agent="ua",
                 failure=None)
    record_login(session, username="Eva", user=None, ip="10.0.0.2", user_agent="ua",
                 failure=LoginFailure.BAD_PASSWORD)
    rows = list(reversed(login_history(session)))
    assert [r.success for r in rows] == kept
    for row in rows:
        assert row.user_id == user.id and row.ip in {"10.0.0.1", "10.0.0.2"}
    assert [r.reason for r in rows] == ["" if ok else "bad_password" for ok in kept]


def test_history_of_unknown_names_and_paging(session: Session) -> None:
    for n in range(5):
        record_login(session, username=f"ghost{n}", user=None, ip="203.0.113.1", user_agent="",
                     failure=LoginFailure.UNKNOWN_USER)
    newest = login_history(session, limit=2)
    assert [r.username for r in newest] == ["ghost4", "ghost3"]
    older = login_history(session, before_id=newest[-1].id, limit=10, failures_only=True)
    assert [r.username for r in older] == ["ghost2", "ghost1", "ghost0"]
    assert all(r.user_id is None for r in session.scalars(select(LoginRecord)))


def test_sessions_time_out_and_end(session: Session, passwords: Passwords) -> None:
    user = users.create_user(session, username="eva")
    start = utcnow()
    token = start_session(session, user, "10.0.0.1", "browser", now=start)
    stored = session.scalar(select(AuthSession))
    assert stored is not None and token not in stored.token_hash  # only its digest is kept
    assert resume_session(session, token, idle=IDLE, absolute=ABSOLUTE,
                          now=start + timedelta(minutes=29)) is user
    # each request moves the idle timeout; the absolute one stays
    at = start + timedelta(minutes=29)
    for _ in range(23):
        at += timedelta(minutes=29)
        if at - start > ABSOLUTE:
            break
        assert resume_session(session, token, idle=IDLE, absolute=ABSOLUTE, now=at) is user
    assert resume_session(session, token, idle=IDLE, absolute=ABSOLUTE,
                          now=start + ABSOLUTE + timedelta(minutes=1)) is None
    assert session.scalar(select(AuthSession)) is None  # a timed-out session is gone
    idle = start_session(session, user, "10.0.0.1", "browser", now=start)
    assert resume_session(session, idle, idle=IDLE, absolute=ABSOLUTE,
                          now=start + IDLE + timedelta(seconds=1)) is None
    ended = start_session(session, user, "10.0.0.1", "browser", now=start)
    end_session(session, ended)
    assert resume_session(session, ended, idle=IDLE, absolute=ABSOLUTE, now=start) is None


def test_password_change_and_deactivation_end_sessions(session: Session,
                                                        passwords: Passwords) -> None:
    user = users.create_user(session, username="eva")
    token = start_session(session, user, "", "")
    users.set_password(session, passwords, user.id, "a new password")
    assert resume_session(session, token, idle=IDLE, absolute=ABSOLUTE) is None
    token = start_session(session, user, "", "")
    users.update_user(session, user.id, active=False)
    assert resume_session(session, token, idle=IDLE, absolute=ABSOLUTE) is None


def test_api_tokens(session: Session) -> None:
    user = users.create_user(session, username="script")
    row, secret = create_token(session, user.id, "nightly export")
    assert secret.startswith("vrt_") and secret not in row.token_hash
    assert resolve_token(session, secret) is user and row.last_used_at is not None
    assert resolve_token(session, secret + "x") is None
    assert resolve_token(session, "not-ours") is None
    users.update_user(session, user.id, active=False)
    assert resolve_token(session, secret) is None
    other = users.create_user(session, username="other")
    with pytest.raises(NotFound):
        revoke_token(session, other.id, row.id)
    revoke_token(session, user.id, row.id)
    users.update_user(session, user.id, active=True)
    assert resolve_token(session, secret) is None


def test_random_password_is_set_and_returned_once(session: Session,
                                                 passwords: Passwords) -> None:
    user = users.create_user(session, username="eva")
    password = users.generate_for(session, passwords, user.id)
    assert passwords.verify(user.password_hash, password)
    assert password not in (user.password_hash or "")
