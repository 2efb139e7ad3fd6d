"""Directory login: the LDAP adapter's calls (against a stand-in for python-ldap, since no
directory server runs in the test suite) and a directory user logging in through the form
(with the in-memory directory port)."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.auth.config import DirectoryConfig
from hub.auth.directory import DirectoryError, LdapDirectory, MemoryDirectory
from hub.auth.models import AuthSource, LoginRecord
from hub.auth.users import update_user
from hub.auth.web import auth_state
from tests.hub.auth_fixtures import Browser, browser, make_user, web_app, web_sessions

__all__ = ["browser", "web_app", "web_sessions"]


class FakeLdap(types.ModuleType):
    """What LdapDirectory uses of python-ldap, recording the calls."""

    OPT_NETWORK_TIMEOUT, OPT_TIMEOUT, OPT_REFERRALS = 1, 2, 3
    OPT_X_TLS_CACERTFILE, OPT_X_TLS_NEWCTX = 4, 5

    class LDAPError(Exception):  # python-ldap's names
        pass

    class INVALID_CREDENTIALS(LDAPError):  # noqa: N801, N818
        pass

    class SERVER_DOWN(LDAPError):  # noqa: N801, N818
        pass

    def __init__(self, passwords: dict[str, str]) -> None:
        super().__init__("ldap")
        self.passwords = passwords
        self.calls: list[tuple[Any, ...]] = []
        self.down = False

    def initialize(self, url: str) -> Any:
        self.calls.append(("initialize", url))
        fake = self

        class Connection:
            def set_option(self, option: int, value: object) -> None:
                fake.calls.append(("option", option, value))

            def start_tls_s(self) -> None:
                fake.calls.append(("start_tls",))

            def simple_bind_s(self, dn: str, password: str) -> None:
                fake.calls.append(("bind", dn))
                if fake.down:
                    raise FakeLdap.SERVER_DOWN("down")
                if fake.passwords.get(dn) != password:
                    raise FakeLdap.INVALID_CREDENTIALS("no")

            def unbind_s(self) -> None:
                fake.calls.append(("unbind",))

        return Connection()


@pytest.fixture
def fake_ldap(monkeypatch: pytest.MonkeyPatch) -> FakeLdap:
    module = FakeLdap({"uid=jan,ou=people,dc=example,dc=org": "domain password"})
    monkeypatch.setitem(sys.modules, "ldap", module)
    return module


def test_the_adapter_binds_as_the_user(fake_ldap: FakeLdap) -> None:
    config = DirectoryConfig("ldaps://dc.example", "uid={username},ou=people,dc=example,dc=org",
                             start_tls=True, ca_file="/etc/ssl/ca.pem", timeout=3.0)
    directory = LdapDirectory(config)
    assert directory.authenticate("jan", "domain password")
    assert fake_ldap.calls[0] == ("initialize", "ldaps://dc.example")
    assert ("option", FakeLdap.OPT_X_TLS_CACERTFILE, "/etc/ssl/ca.pem") in fake_ldap.calls
    assert ("option", FakeLdap.OPT_NETWORK_TIMEOUT, 3.0) in fake_ldap.calls
    assert fake_ldap.calls[-3:] == [("start_tls",), (
        "bind", "uid=jan,ou=people,dc=example,dc=org"), ("unbind",)]
    assert not directory.authenticate("jan", "wrong")
    assert not directory.authenticate("jan,ou=admins", "domain password")
    assert ("bind", "uid=jan\\,ou\\=admins,ou=people,dc=example,dc=org") in fake_ldap.calls
    fake_ldap.down = True
    with pytest.raises(DirectoryError, match="SERVER_DOWN"):
        directory.authenticate("jan", "domain password")


def test_without_python_ldap_the_error_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ldap", None)  # import ldap -> ImportError
    directory = LdapDirectory(DirectoryConfig("ldap://x", "uid={username}"))
    with pytest.raises(DirectoryError, match="pip install python-ldap"):
        directory.authenticate("jan", "secret")


@pytest.fixture
def directory(web_app: Flask) -> Iterator[MemoryDirectory]:
    state = auth_state(web_app)
    memory = MemoryDirectory({"jan": "domain password"})
    saved, state.directory = state.directory, memory
    yield memory
    state.directory = saved


def test_a_directory_user_logs_in_with_the_domain_password(
        browser: Browser, web_sessions: sessionmaker[Session],
        directory: MemoryDirectory) -> None:
    user_id = make_user(web_sessions, "jan", "a local password")
    with web_sessions() as session:
        update_user(session, user_id, auth_source=AuthSource.DIRECTORY)
        session.commit()
    browser.login("jan", "a local password", status=401)  # the local hash is not asked
    browser.login("jan", "domain password")
    assert directory.asked == ["jan", "jan"]
    assert browser.get("/account").status_code == 200
    directory.down = True
    other = Browser(browser.client.application.test_client())
    page = other.login("jan", "domain password", status=401).get_data(as_text=True)
    assert "directory server could not check" in page
    with web_sessions() as session:
        reasons = session.scalars(select(LoginRecord.reason).order_by(LoginRecord.id)).all()
        assert reasons == ["bad_password", "", "directory_unavailable"]
