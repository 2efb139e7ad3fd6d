"""Every page of the web UI renders for the administrator on a site with one of everything;
every form control has a label; ids are unique; times are in the site's zone."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.hub.auth_fixtures import Browser, make_user
from tests.hub.ui.site_data import build_site

PASSWORD = "admin password 1"


def arrange(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as session:
        ids = build_site(session)
        session.commit()
    ids["admin"] = make_user(sessions, "admin", PASSWORD, admin=True)
    ids["eva"] = make_user(sessions, "eva", "eva password 1", view="department",
                           person_id=ids["worker"])
    return ids


def pages(ids: dict[str, Any]) -> list[str]:
    s = f"/sites/{ids['code']}"
    return [
        "/", f"{s}/", f"{s}/events", f"{s}/presence", f"{s}/groups",
        f"{s}/groups?edit={ids['production']}", f"{s}/persons", f"{s}/persons?q=wor",
        f"{s}/persons/new", f"{s}/persons/{ids['worker']}", f"{s}/persons/{ids['manager']}",
        f"{s}/badges", f"{s}/badges?state=issued", f"{s}/badges/{ids['badge']}",
        f"{s}/badges/{ids['pool_badge']}", f"{s}/places", f"{s}/controllers",
        f"{s}/controllers/{ids['controller']}", f"{s}/schedules",
        f"{s}/schedules/{ids['schedule']}",
        f"{s}/schedules/{ids['schedule']}?start=2026-12-20&holidays={ids['holidays']}"
        f"&holiday_schedule={ids['holiday_schedule']}",
        f"{s}/holidays", f"{s}/policies", f"{s}/policies/{ids['policy']}", "/users",
        f"/users/{ids['admin']}", f"/users/{ids['eva']}", "/users/passwords", "/rights/custom",
        "/settings", "/audit/logins", "/sites", "/account",
    ]


class FormAudit(HTMLParser):
    """Collects form controls, labels and ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self._open_labels = 0
        self.wrapped: set[int] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "label":
            self._open_labels += 1
            if found.get("for"):
                self.label_for.add(str(found["for"]))
        if tag in {"input", "select", "textarea"} and found.get("type") not in {
                "hidden", "submit"}:
            if self._open_labels:
                self.wrapped.add(len(self.controls))
            self.controls.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._open_labels -= 1


def audit(html: str) -> list[str]:
    """Problems: controls without a label, duplicate ids."""
    parser = FormAudit()
    parser.feed(html)
    problems = []
    for index, control in enumerate(parser.controls):
        ident = control.get("id")
        labelled = (ident and ident in parser.label_for) or index in parser.wrapped or (
            control.get("aria-label"))
        if not labelled:
            problems.append(f"no label for {control}")
    duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
    if duplicates:
        problems.append(f"duplicate ids {sorted(duplicates)}")
    return problems


def test_every_page_renders_for_the_administrator_with_labels(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    ids = arrange(web_sessions)
    browser.login("admin", PASSWORD)
    problems = []
    for url in pages(ids):
        response = browser.get(url, follow_redirects=True)
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
            continue
        html = response.get_data(as_text=True)
        assert "<main" in html, url
        problems.extend(f"{url}: {p}" for p in audit(html))
    assert not problems, "\n".join(problems)


def test_times_are_shown_in_the_sites_zone(browser: Browser,
                                         web_sessions: sessionmaker[Session]) -> None:
    ids = arrange(web_sessions)
    browser.login("admin", PASSWORD)
    html = browser.get(f"/sites/{ids['code']}/badges/{ids['badge']}").get_data(as_text=True)
    assert "Times are shown in Europe/Bratislava." in html
    preview = browser.get(f"/sites/{ids['code']}/schedules/{ids['holiday_schedule']}"
                          "?from=2026-03-27").get_data(as_text=True)
    # the holiday schedule repeats 08:00-12:00 every day, DST change on 29 March included
    assert re.search(r"Sun 2026-03-29</th>\s*<td>08:00–12:00</td>", preview), preview


@pytest.mark.parametrize("url", ["/", "/sites/factory/persons", "/users", "/settings"])
def test_pages_need_a_login(browser: Browser, web_sessions: sessionmaker[Session],
                            url: str) -> None:
    arrange(web_sessions)
    response = browser.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
