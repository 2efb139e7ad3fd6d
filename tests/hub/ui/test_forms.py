"""Editing through the web UI: forms change what they say, refused input comes back with a
message next to its field, the conflict banner, badges with activation results, users and
their rights."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.auth.models import User
from hub.badges.models import Badge, BadgeState
from hub.people.models import Group
from hub.policies import services as policies
from hub.rights.models import RightsChange
from hub.schedules import services as schedules
from hub.schedules.models import Schedule
from tests.hub.auth_fixtures import Browser, make_user
from tests.hub.ui.site_data import PNG, build_site

PASSWORD = "admin password 1"


def arrange(sessions: sessionmaker[Session], browser: Browser) -> dict[str, Any]:
    with sessions() as session:
        ids = build_site(session)
        session.commit()
    make_user(sessions, "admin", PASSWORD, admin=True)
    browser.login("admin", PASSWORD)
    return ids


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', html, re.S)
    message = re.search(rf'<small class="error" id="e-{name}">([^<]*)</small>', html)
    return message.group(1) if found and message else None


def test_hierarchy_person_and_validation_messages(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    ids = arrange(web_sessions, browser)
    empty = browser.post("/sites/factory/groups/new", {"name": " "})
    assert empty.status_code == 422
    assert field_error(empty.get_data(as_text=True), "name") == "must not be empty"
    made = browser.post("/sites/factory/groups/new", {"name": "Maintenance",
                                                      "parent_id": ids["production"],
                                                      "policy_id": ids["policy2"]})
    assert made.status_code == 302
    with web_sessions() as session:
        group = session.scalars(select(Group).where(Group.name == "Maintenance")).one()
        assert (group.parent_id, group.policy_id) == (ids["production"], ids["policy2"])
    # moving a group under its own child is refused with a message
    loop = browser.post(f"/sites/factory/groups/{ids['production']}", {
        "name": "Production", "parent_id": group.id, "policy_id": ""})
    assert loop.status_code == 422 and "own ancestor" in loop.get_data(as_text=True)
    person = browser.post("/sites/factory/persons/new", {
        "surname": "Nová", "name": "Jana", "class_id": ids["employee"], "group_id": group.id,
        "personal_number": "200", "external_code": "X" * 21, "free_field": "", "notes": "",
        "main_policy_id": ""})
    assert person.status_code == 422
    assert "at most 20" in (field_error(person.get_data(as_text=True), "external_code") or "")
    person = browser.post("/sites/factory/persons/new", {
        "surname": "Nová", "name": "Jana", "class_id": ids["employee"], "group_id": group.id,
        "personal_number": "200", "external_code": "", "free_field": "", "notes": "hello",
        "main_policy_id": ""})
    assert person.status_code == 302
    page = browser.get(person.headers["Location"]).get_data(as_text=True)
    assert "Nová Jana" in page and "hello" in page
    person_id = int(person.headers["Location"].rsplit("/", 1)[1])
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    photo = browser.client.post(f"/sites/factory/persons/{person_id}/photo", data={
        "csrf_token": token.group(1), "photo": (io.BytesIO(PNG), "face.png", "image/png")},
        content_type="multipart/form-data")
    assert photo.status_code == 302
    assert browser.get(f"/sites/factory/persons/{person_id}/photo").data == PNG


def test_conflict_banner_on_the_persons_page(browser: Browser,
                                            web_sessions: sessionmaker[Session]) -> None:
    ids = arrange(web_sessions, browser)
    assert 'id="conflicts"' not in browser.get(
        f"/sites/factory/persons/{ids['worker']}").get_data(as_text=True)
    with web_sessions() as session:  # another policy with other rules for the same door
        mornings = schedules.create_schedule(session, ids["site"], name="Mornings",
                                             kind="weekly", days=[["06:00-12:00"]] * 7)
        policies.add_rule(session, ids["policy2"], access_point_id=ids["entry"],
                          schedule_id=mornings.id)
        session.commit()
    added = browser.post(f"/sites/factory/persons/{ids['worker']}/policies",
                         {"policy_id": ids["policy2"]})
    assert added.status_code == 302
    page = browser.get(f"/sites/factory/persons/{ids['worker']}").get_data(as_text=True)
    assert 'id="conflicts"' in page and "Gate (entry)" in page


def test_badge_issue_activate_deactivate(browser: Browser,
                                         web_sessions: sessionmaker[Session]) -> None:
    ids = arrange(web_sessions, browser)
    bad = browser.post("/sites/factory/badges/issue-card", {"person_id": ids["fitter"],
                                                            "card": "H10301:999:1"})
    assert bad.status_code == 422
    issued = browser.post("/sites/factory/badges/issue-card", {"person_id": ids["fitter"],
                                                               "card": "H10301:12:3456"})
    assert issued.status_code == 302
    badge_url = issued.headers["Location"]
    page = browser.get(badge_url).get_data(as_text=True)
    assert "Fitter Test" in page and "H10301:12:3456" in page
    badge_id = int(badge_url.rsplit("/", 1)[1])
    report = browser.post(f"{badge_url}/activate").get_data(as_text=True)
    assert "Activation result" in report
    assert "the sync service is not running" in report  # no service in this test app
    report = browser.post(f"{badge_url}/deactivate").get_data(as_text=True)
    assert "Deactivation result" in report
    with web_sessions() as session:
        badge = session.get(Badge, badge_id)
        assert badge is not None and badge.state is BadgeState.WITHDRAWN
    history = browser.get(badge_url).get_data(as_text=True)
    assert history.count("<td>admin</td>") >= 3  # registered, issued, withdrawn: by whom


def test_schedule_with_a_bad_interval_and_a_good_one(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    arrange(web_sessions, browser)
    bad = browser.post("/sites/factory/schedules/new", {"name": "Late", "kind": "weekly",
                                                        "days": "14:00-25:00"})
    assert bad.status_code == 422 and "is not an interval" in bad.get_data(as_text=True)
    good = browser.post("/sites/factory/schedules/new", {
        "name": "Rota", "kind": "cyclic", "days": "00:00-24:00\n\n\n"})
    assert good.status_code == 302
    with web_sessions() as session:
        rota = session.scalars(select(Schedule).where(Schedule.name == "Rota")).one()
        assert rota.cycle_days == 1  # trailing empty lines are not days
    saved = browser.post(f"/sites/factory/schedules/{rota.id}/save", {
        "name": "Rota", "days": "00:00-24:00\n\n\n22:00-06:00"})
    assert saved.status_code == 302
    page = browser.get(f"/sites/factory/schedules/{rota.id}?start=2026-03-01&from=2026-03-01"
                       ).get_data(as_text=True)
    assert "Sun 2026-03-01</th>\n      <td>00:00–24:00</td>" in page.replace("\r", "")
    assert "Wed 2026-03-04</th>\n      <td>22:00–06:00 (+1)</td>" in page


def test_users_rights_and_allow_list_through_the_ui(
        browser: Browser, web_sessions: sessionmaker[Session]) -> None:
    ids = arrange(web_sessions, browser)
    created = browser.post("/users/new", {"username": "Sucha", "display_name": "Eva Suchá",
                                          "site_id": ids["site"], "personal_number": "101",
                                          "auth_source": "local"})
    assert created.status_code == 302
    with web_sessions() as session:
        user = session.scalars(select(User).where(User.username == "sucha")).one()
        assert user.person_id == ids["worker"] and user.site_id == ids["site"]
    refused = browser.post(f"/users/{user.id}/rights", {"view": "department", "edit": "custom"})
    assert refused.status_code == 422 and "custom right" in refused.get_data(as_text=True)
    saved = browser.post(f"/users/{user.id}/rights", {
        "view": "subtree", "edit": "department", "modules": ["badges", "audit"]})
    assert saved.status_code == 302
    networks = browser.post(f"/users/{user.id}/networks", {"networks": "10.0.0.0/8\n192.0.2.7"})
    assert networks.status_code == 302
    bad = browser.post(f"/users/{user.id}/networks", {"networks": "10.0.0.999"})
    assert bad.status_code == 422
    with web_sessions() as session:
        changes = session.scalars(select(RightsChange).where(RightsChange.user_id == user.id)
                                  .order_by(RightsChange.id)).all()
        latest = json.loads(changes[-1].snapshot)
        assert latest["modules"] == ["audit", "badges"] and latest["view"] == "subtree"
        stored = session.get(User, user.id)
        assert stored is not None
        assert [n.network for n in stored.networks] == ["10.0.0.0/8", "192.0.2.7/32"]
    token = browser.post(f"/users/{user.id}/tokens", {"token_name": "export"})
    secret = re.search(r'id="api-token">(vrt_[^<]+)<', token.get_data(as_text=True))
    assert secret is not None
    api = browser.client.application.test_client()
    api.environ_base.update(HTTP_AUTHORIZATION=f"Bearer {secret.group(1)}",
                            REMOTE_ADDR="10.9.9.9")
    assert api.get("/api/sites/factory/badges").status_code == 200
    assert api.get("/api/sites/factory/policies").status_code == 403
