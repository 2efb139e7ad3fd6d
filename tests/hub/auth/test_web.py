"""Login and the guard over HTTP: every endpoint has a rule, CSRF, rate limits, allow-lists,
cookies, timeouts, logout, the login history, the password check page."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.app import EXTENSION_KEY, create_app, hub_state
from hub.auth.models import AuthSession, LoginRecord, User
from hub.auth.users import set_networks
from hub.config import HubConfig
from hub.dbtypes import utcnow
from hub.rights.endpoints import API_RULES, UI_RULES
from tests.hub.auth_fixtures import (
    FAST_AUTH,
    Browser,
    browser,
    make_user,
    token_for,
    use_token,
    web_app,
    web_sessions,
)
from tests.hub.ui.site_data import build_site

__all__ = ["browser", "web_app", "web_sessions"]
PASSWORD = "a long password"


def test_every_route_has_a_rule_of_its_own(web_app: Flask) -> None:
    endpoints = {rule.endpoint for rule in web_app.url_map.iter_rules()}
    missing = sorted(e for e in endpoints if e not in API_RULES and e not in UI_RULES)
    assert missing == []  # an unlisted endpoint would be administrator-only
    assert len(endpoints) > 150


def test_the_api_asks_for_a_login(browser: Browser) -> None:
    response = browser.get("/api/sites")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json is not None and "log in" in response.json["message"]
    assert browser.get("/api/openapi.json").status_code == 200  # the document is public
    use_token(browser.client, "vrt_not-a-real-token")
    assert browser.get("/api/sites").status_code == 401


def test_csrf_on_forms_and_on_cookie_authenticated_api_calls(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    make_user(web_sessions, "admin", PASSWORD, admin=True)
    page = browser.client.get("/login")
    assert page.status_code == 200
    # the login form itself needs the token (no login CSRF)
    assert browser.client.post("/login", data={"username": "admin",
                                               "password": PASSWORD}).status_code == 400
    browser.login("admin", PASSWORD)
    body = {"code": "x1", "name": "X", "time_zone": "UTC"}
    assert browser.client.post("/sites/new", data=body).status_code == 400
    assert browser.client.post("/sites/new", data={**body, "csrf_token": "forged"}
                               ).status_code == 400
    assert browser.post("/sites/new", body).status_code == 302
    # the API with the session cookie: the token in a header, as the UI's scripts send it
    refused = browser.client.post("/api/sites", json={**body, "code": "x2"})
    assert refused.status_code == 400 and refused.json is not None
    assert "CSRF" in refused.json["message"]
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      browser.get("/account").get_data(as_text=True))
    assert token is not None
    accepted = browser.client.post("/api/sites", json={**body, "code": "x2"},
                                   headers={"X-CSRFToken": token.group(1)})
    assert accepted.status_code == 201
    # a bearer token is not sent by browsers on their own: no CSRF token needed
    api = use_token(browser.client.application.test_client(), token_for(web_sessions))
    assert api.post("/api/sites", json={**body, "code": "x3"}).status_code == 201


def test_cookies_are_http_only_same_site_and_secure_over_https(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    make_user(web_sessions, "admin", PASSWORD, admin=True)
    plain = browser.login("admin", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = Browser(browser.client.application.test_client())
    page = secure.client.get("/login", base_url="https://hub.example")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    answer = secure.client.post("/login", base_url="https://hub.example", data={
        "username": "admin", "password": PASSWORD, "csrf_token": token.group(1)},
        headers={"Referer": "https://hub.example/login"})  # over HTTPS the origin is checked
    assert answer.status_code == 302 and "Secure" in answer.headers["Set-Cookie"]


def test_wrong_logins_say_nothing_about_which_part_was_wrong(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    make_user(web_sessions, "eva", PASSWORD)
    unknown = browser.login("nobody", PASSWORD, status=401).get_data(as_text=True)
    wrong = browser.login("eva", "not the password", status=401).get_data(as_text=True)
    message = "The user name or the password is wrong."
    assert message in unknown and message in wrong
    with web_sessions() as session:
        rows = session.scalars(select(LoginRecord).order_by(LoginRecord.id)).all()
        assert [(r.username, r.success, r.reason) for r in rows] == [
            ("nobody", False, "unknown_user"), ("eva", False, "bad_password")]
        assert rows[0].ip == "127.0.0.1"


def test_login_history_of_a_success_and_open_redirects(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    make_user(web_sessions, "admin", PASSWORD, admin=True)
    page = browser.client.get("/login?next=//evil.example/x")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    answer = browser.client.post("/login?next=//evil.example/x", data={
        "username": "ADMIN", "password": PASSWORD, "csrf_token": token.group(1)},
        headers={"User-Agent": "test browser"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    with web_sessions() as session:
        row = session.scalars(select(LoginRecord)).one()
        assert row.success and row.user_agent == "test browser"
    history = browser.get("/audit/logins").get_data(as_text=True)
    assert "test browser" in history


@pytest.fixture
def limited_app(db_url: str, tmp_path_factory: pytest.TempPathFactory,
                web_sessions: sessionmaker[Session]) -> Iterator[Flask]:
    """An app allowing 3 logins per minute per user name (on the rolled-back connection)."""
    auth = dataclasses.replace(FAST_AUTH, login_rate_per_user="3 per minute")
    app = create_app(HubConfig(database_url=db_url, migrate_on_start=False, auth=auth,
                               instance_path=str(tmp_path_factory.mktemp("limited"))))
    app.extensions[EXTENSION_KEY] = dataclasses.replace(hub_state(app), sessions=web_sessions)
    yield app
    hub_state(app).engine.dispose()


def test_logins_are_rate_limited_per_user_name(
        limited_app: Flask, web_sessions: sessionmaker[Session]) -> None:
    make_user(web_sessions, "eva", PASSWORD)
    browser = Browser(limited_app.test_client())
    for _ in range(3):
        browser.login("eva", "guess", status=401)
    blocked = browser.login("eva", PASSWORD, status=429)  # even the right password now
    assert "Too many attempts" in blocked.get_data(as_text=True)
    browser.login("someone-else", "guess", status=401)  # other names are not blocked
    with web_sessions() as session:
        reasons = session.scalars(select(LoginRecord.reason).order_by(LoginRecord.id)).all()
        assert reasons == ["bad_password"] * 3 + ["rate_limited", "unknown_user"]


def test_ip_allow_list_at_login_and_on_every_request(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    user_id = make_user(web_sessions, "eva", PASSWORD)
    with web_sessions() as session:
        set_networks(session, user_id, ["10.0.0.0/8"])
        session.commit()
    refused = browser.login("eva", PASSWORD, status=401).get_data(as_text=True)
    assert "You may not log in from this computer (127.0.0.1)" in refused
    browser.client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    browser.login("eva", PASSWORD)
    assert browser.get("/account").status_code == 200
    # the same cookie from another address: refused, and the session is over
    browser.client.environ_base["REMOTE_ADDR"] = "192.168.5.5"
    assert browser.get("/account").status_code == 403
    browser.client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert browser.get("/account").status_code == 302  # logged out: back to the login
    token = token_for(web_sessions, user_id)
    api = use_token(browser.client.application.test_client(), token)
    api.environ_base["REMOTE_ADDR"] = "192.168.5.5"
    assert api.get("/api/sites").status_code == 403
    api.environ_base["REMOTE_ADDR"] = "10.200.0.1"
    assert api.get("/api/sites").status_code == 200


def test_sessions_end_at_logout_and_after_the_idle_time(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    make_user(web_sessions, "eva", PASSWORD)
    browser.login("eva", PASSWORD)
    cookie = browser.client.get_cookie("vratnik_session")
    assert cookie is not None
    assert browser.get("/account").status_code == 200
    browser.post("/logout")
    assert browser.get("/account").status_code == 302
    # a copy of the old cookie does not bring the session back
    browser.client.set_cookie("vratnik_session", cookie.value)
    assert browser.get("/account").status_code == 302
    browser.login("eva", PASSWORD)
    with web_sessions() as session:
        session.execute(update(AuthSession).values(
            last_seen_at=utcnow() - timedelta(minutes=31)))
        session.commit()
    assert browser.get("/account").status_code == 302
    with web_sessions() as session:
        assert session.scalar(select(AuthSession)) is None


def test_changing_ones_own_password(browser: Browser,
                                    web_sessions: sessionmaker[Session]) -> None:
    make_user(web_sessions, "eva", PASSWORD)
    browser.login("eva", PASSWORD)
    wrong = browser.post("/account", {"current": "nope", "password": "a newer password",
                                      "again": "a newer password"})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(
        as_text=True)
    changed = browser.post("/account", {"current": PASSWORD, "password": "a newer password",
                                        "again": "a newer password"})
    assert changed.status_code == 302
    assert browser.get("/account").status_code == 200  # this browser stays logged in
    Browser(browser.client.application.test_client()).login("eva", PASSWORD, status=401)
    Browser(browser.client.application.test_client()).login("eva", "a newer password")


def test_password_check_page_and_one_click_password(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    make_user(web_sessions, "admin", PASSWORD, admin=True)
    with web_sessions() as session:
        ids = build_site(session)
        session.commit()
    make_user(web_sessions, "krauzova")  # no password, standard rights
    make_user(web_sessions, "sucha", view="department", edit="department",
              person_id=ids["manager"])  # no password, elevated rights
    make_user(web_sessions, "zich", PASSWORD, edit="all")
    browser.login("admin", PASSWORD)
    html = browser.get("/users/passwords").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-user="([^"]+)" class="([^"]*)"', html))
    assert rows == {"admin": "", "krauzova": "", "sucha": "danger", "zich": ""}
    assert "Generate password for sucha" in html and "Generate password for zich" not in html
    with web_sessions() as session:
        sucha = session.scalars(select(User).where(User.username == "sucha")).one()
    answer = browser.post(f"/users/{sucha.id}/generate-password", {"back": "check"})
    shown = re.search(r'id="generated-password">([^<]+)<', answer.get_data(as_text=True))
    assert answer.status_code == 200 and shown is not None
    after = dict(re.findall(r'<tr data-user="([^"]+)" class="([^"]*)"',
                            answer.get_data(as_text=True)))
    assert after["sucha"] == ""
    Browser(browser.client.application.test_client()).login("sucha", shown.group(1))
