"""Every string the UI shows goes through the translations (Flask-Babel).

The messages are extracted from the UI's templates and Python code the way
``pybabel extract -F hub/ui/babel.cfg`` does, then compiled into a test catalogue whose
"translation" marks each message ⟦like this⟧. Pages rendered in that language must show no
text outside the marks except data (names, values) and the product's name.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from flask import Flask
from flask_babel import get_babel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import hub.ui
from hub.access.models import AccessPoint, AccessPointGroup, Controller, Door, Room
from hub.people.models import Group, Person, PersonClass
from hub.policies.models import AccessPolicy
from hub.schedules.models import HolidayList, Schedule
from hub.sites.models import Site
from tests.hub.auth_fixtures import Browser, make_user
from tests.hub.ui.site_data import build_site

UI = Path(hub.ui.__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
PASSWORD = "admin password 1"


@functools.cache
def extracted() -> tuple[str, ...]:
    keywords = {**DEFAULT_KEYWORDS, "lazy": None}  # as hub/ui/babel.cfg says
    return tuple(message for _file, _line, message, _comments, _context in extract_from_dir(
        str(UI), METHODS, keywords=keywords) if isinstance(message, str))


def marked_catalogue(folder: Path) -> None:
    catalog = Catalog(locale="cs")
    for message in extracted():
        catalog.add(message, f"⟦{message}⟧")
    target = folder / "cs" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)


class Text(HTMLParser):
    """The visible text of a page (not scripts, styles or the title)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "title", "option"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "title", "option"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def untranslated(html: str, allowed: set[str]) -> list[str]:
    parser = Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    outside = re.sub(r"⟦[^⟧]*⟧", " ", text)
    return [w for w in re.findall(r"[^\W\d_][\w’']+", outside) if w not in allowed]


def site_words(session: Session) -> set[str]:
    """Every word of the site's own data (names of things, times, card texts)."""
    texts: list[str] = []
    for model, column in ((Site, Site.name), (Group, Group.name), (Person, Person.surname),
                          (Person, Person.name), (Person, Person.notes), (Room, Room.name),
                          (AccessPoint, AccessPoint.name), (Door, Door.name),
                          (AccessPointGroup, AccessPointGroup.name), (Controller, Controller.name),
                          (Controller, Controller.code), (AccessPolicy, AccessPolicy.name),
                          (Schedule, Schedule.name), (HolidayList, HolidayList.name),
                          (PersonClass, PersonClass.name)):
        texts.extend(session.scalars(select(column).select_from(model)))
    words = {w for text in texts for w in re.findall(r"[^\W\d_][\w’']+", text)}
    return words | {"H10301", "admin", "Europe", "Bratislava"}


def test_the_extractor_finds_the_ui_strings() -> None:
    messages = set(extracted())
    assert len(messages) > 300
    assert {"Log in", "Password check", "Times are shown in %(zone)s.",
            "Your password was changed."} <= messages


def test_pages_show_only_translated_text_and_data(
        web_app: Flask, browser: Browser, web_sessions: sessionmaker[Session],
        tmp_path: Path) -> None:
    marked_catalogue(tmp_path)
    babel = get_babel(web_app)
    original = list(babel.translation_directories)
    babel.translation_directories = [str(tmp_path), *original]
    try:
        make_user(web_sessions, "admin", PASSWORD, admin=True)
        make_user(web_sessions, "eva", PASSWORD)
        browser.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cs,en;q=0.5"
        login = browser.get("/login").get_data(as_text=True)
        assert '<html lang="cs">' in login
        assert untranslated(login, {"Vrátnik", "UTC"}) == []
        browser.login("admin", PASSWORD)
        data = {"Vrátnik", "admin", "Administrator", "eva", "UTC", "Werkzeug"}  # data
        for url in ("/settings", "/users", "/users/passwords", "/account", "/sites",
                    "/rights/custom", "/audit/logins"):
            page = browser.get(url)
            assert page.status_code == 200, url
            assert untranslated(page.get_data(as_text=True), data) == [], url
        # the pages of a site: everything but the site's own data is translated
        with web_sessions() as session:
            ids = build_site(session)
            session.commit()
            data |= site_words(session)
        for url in ("/", "/sites/factory/events", "/sites/factory/persons",
                    f"/sites/factory/persons/{ids['worker']}", "/sites/factory/badges",
                    f"/sites/factory/badges/{ids['badge']}", "/sites/factory/places",
                    f"/sites/factory/controllers/{ids['controller']}", "/sites/factory/groups",
                    f"/sites/factory/policies/{ids['policy']}", "/sites/factory/holidays"):
            page = browser.get(url, follow_redirects=True)
            assert page.status_code == 200, url
            assert untranslated(page.get_data(as_text=True), data) == [], url
        other = Browser(browser.client.application.test_client())
        other.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cs"
        other.login("eva", PASSWORD)
        refused = other.get("/users")
        assert refused.status_code == 403
        assert "⟦Not allowed⟧" in refused.get_data(as_text=True)
    finally:
        babel.translation_directories = original
