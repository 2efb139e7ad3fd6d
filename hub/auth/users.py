"""Services of user accounts: create, change, passwords, IP allow-lists, the password check.

User names are compared case-insensitively (stored lower-case). There is exactly one
administrator: he is made once (``ensure_admin`` or ``vratnik hub admin-password``) and
can be neither deleted nor demoted nor deactivated. Changing a password, deactivating a
user or changing his allow-list ends his sessions (hub.auth.sessions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.auth.models import USERNAME_MAX, AuthSession, AuthSource, User, UserNetwork
from hub.auth.networks import parse_network
from hub.auth.passwords import Passwords, generate_password
from hub.dbtypes import utcnow
from hub.errors import Conflict, Invalid, NotFound
from hub.people.models import Person
from hub.sites.models import Site

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]*$")
ADMIN_USERNAME = "admin"


def normalize_username(username: object) -> str:
    """The stored form of a user name (trimmed, lower-case), or Invalid."""
    if not isinstance(username, str) or not username.strip():
        raise Invalid("username", "must not be empty")
    name = username.strip().lower()
    if len(name) > USERNAME_MAX:
        raise Invalid("username", f"at most {USERNAME_MAX} characters")
    if not USERNAME_PATTERN.match(name):
        raise Invalid("username", "use letters, digits and . _ @ - (starting with a letter or "
                                  "digit)")
    return name


def get_user(session: Session, user_id: object) -> User:
    """The user, or NotFound."""
    return check.get(session, User, user_id, "user")


def find_user(session: Session, username: str) -> User | None:
    """The user with this name (any case), or None."""
    try:
        name = normalize_username(username)
    except Invalid:
        return None
    return session.scalar(select(User).where(User.username == name))


def admin_user(session: Session) -> User | None:
    """The administrator, if he exists yet."""
    return session.scalar(select(User).where(User.is_admin.is_(True)))


def list_users(session: Session) -> list[User]:
    """Every user, the administrator first, then by name."""
    return list(session.scalars(select(User).order_by(User.is_admin.desc(), User.username)))


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str = "",
    person_id: int | None = None,
    site_id: int | None = None,
    auth_source: AuthSource | str = AuthSource.LOCAL,
) -> User:
    """A new user without a password and with the standard rights (hub.rights)."""
    name = normalize_username(username)
    if find_user(session, name) is not None:
        raise Conflict(f"a user named {name!r} already exists", field="username")
    user = User(username=name, display_name=check.text("display_name", display_name, 200),
                is_admin=False, active=True, auth_source=_source(auth_source))
    _place(session, user, person_id, site_id)
    session.add(user)
    session.flush()
    return user


def update_user(
    session: Session,
    user_id: object,
    *,
    display_name: str | None = None,
    auth_source: AuthSource | str | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's shown name, password source or active flag (None: unchanged);
    deactivating ends his sessions."""
    user = get_user(session, user_id)
    if display_name is not None:
        user.display_name = check.text("display_name", display_name, 200)
    if auth_source is not None:
        if user.is_admin and _source(auth_source) is not AuthSource.LOCAL:
            raise Invalid("auth_source", "the administrator's password is always checked by "
                                         "the hub itself")
        user.auth_source = _source(auth_source)
    if active is not None:
        if user.is_admin and not active:
            raise Invalid("active", "the administrator cannot be deactivated")
        user.active = check.flag("active", active)
        if not active:
            end_all_sessions(session, user.id)
    session.flush()
    return user


def place_user(
    session: Session, user_id: object, person_id: int | None, site_id: int | None
) -> User:
    """Set who the user is (a person, or nobody) and which site he reaches (None: every
    site); a user who is a person reaches only the person's site."""
    user = get_user(session, user_id)
    if user.is_admin and (person_id is not None or site_id is not None):
        raise Invalid("site_id", "the administrator reaches every site")
    _place(session, user, person_id, site_id)
    session.flush()
    return user


def delete_user(session: Session, user_id: object) -> None:
    """Delete a user (never the administrator); his sessions and tokens go with him."""
    user = get_user(session, user_id)
    if user.is_admin:
        raise Conflict("the administrator cannot be deleted")
    session.delete(user)
    session.flush()


def _place(session: Session, user: User, person_id: int | None, site_id: int | None) -> None:
    """Set the user's person and site; a person binds the user to the person's site."""
    if person_id is not None:
        person = session.get(Person, person_id) if isinstance(person_id, int) else None
        if person is None:
            raise NotFound("person", person_id)
        if site_id is not None and site_id != person.site_id:
            raise Invalid("site_id", "a user who is a person belongs to the person's site")
        user.person_id, user.site_id = person.id, person.site_id
        return
    if site_id is not None:
        check.get(session, Site, site_id, "site")
    user.person_id, user.site_id = None, site_id


def _source(value: AuthSource | str) -> AuthSource:
    try:
        return AuthSource(value)
    except ValueError as err:
        raise Invalid("auth_source", f"use {AuthSource.LOCAL.value!r} or "
                                     f"{AuthSource.DIRECTORY.value!r}") from err


def set_password(session: Session, passwords: Passwords, user_id: object, password: str) -> User:
    """Set a new password (hashed with Argon2id); the user's sessions end."""
    user = get_user(session, user_id)
    user.password_hash = passwords.hash(password)
    user.password_changed_at = utcnow()
    end_all_sessions(session, user.id)
    session.flush()
    return user


def clear_password(session: Session, user_id: object) -> User:
    """Remove a user's password (he can no longer log in unless passwordless logins are
    allowed); never the administrator's."""
    user = get_user(session, user_id)
    if user.is_admin:
        raise Invalid("password", "the administrator must have a password")
    user.password_hash = None
    user.password_changed_at = utcnow()
    end_all_sessions(session, user.id)
    session.flush()
    return user


def generate_for(session: Session, passwords: Passwords, user_id: object) -> str:
    """Give the user a new random password and return it (shown once, never stored)."""
    password = generate_password()
    set_password(session, passwords, user_id, password)
    return password


def ensure_admin(session: Session, passwords: Passwords, password: str) -> User:
    """The administrator with ``password``: made if there is none, else his password is
    set (``vratnik hub admin-password``)."""
    admin = admin_user(session)
    if admin is None:
        if find_user(session, ADMIN_USERNAME) is not None:
            raise Conflict(f"a user named {ADMIN_USERNAME!r} exists but is not the "
                           "administrator")
        admin = User(username=ADMIN_USERNAME, display_name="Administrator", is_admin=True,
                     active=True, auth_source=AuthSource.LOCAL)
        session.add(admin)
        session.flush()
    return set_password(session, passwords, admin.id, password)


def set_networks(session: Session, user_id: object, networks: Iterable[str]) -> User:
    """Replace a user's IP allow-list (empty: any address); his sessions end."""
    user = get_user(session, user_id)
    wanted = list(dict.fromkeys(parse_network(n) for n in networks))
    user.networks.clear()
    session.flush()
    user.networks.extend(UserNetwork(network=n) for n in wanted)
    end_all_sessions(session, user.id)
    session.flush()
    return user


def end_all_sessions(session: Session, user_id: int) -> int:
    """End every session of the user (API tokens stay); how many there were."""
    result = session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class PasswordCheck:
    """One row of the password check page."""

    user: User
    has_password: bool
    elevated: bool

    @property
    def danger(self) -> bool:
        """No password while holding elevated rights: shown red."""
        return not self.has_password and self.elevated
