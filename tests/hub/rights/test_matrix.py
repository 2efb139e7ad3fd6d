"""The rights matrix: each kind of user sees and changes exactly what SPEC.md section 7 says,
through the REST API and through the web UI alike.

The expectations below are written out by hand from the spec and the manuals (not
computed by hub.rights), for a site of four persons: Manager and Worker in Production,
Fitter in Workshop (below Production), Storeman in Store. A second site exists for the
user bound to it. For every user and every action both doors are tried: the API (with
the user's API token) and the UI (logged in through the form, with CSRF tokens). Allowed
changes must succeed; refused ones must answer 403 and change nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.people.models import Group
from hub.rights.services import save_custom_right
from tests.hub.auth_fixtures import Browser, make_user, token_for, use_token
from tests.hub.ui.site_data import build_site

PASSWORD = "a long password"
M, W, F, S = "Manager", "Worker", "Fitter", "Storeman"
EVERYONE = {M, W, F, S}


@dataclass(frozen=True)
class Profile:
    """A kind of user: his rights, whom he must see, what he may do."""

    rights: dict[str, Any]
    sees: set[str] | None  # None: the site itself is out of his reach (404)
    may: frozenset[str]


PERSON_EDITS = frozenset({"person_create", "person_notes", "person_main_policy",
                          "person_additional", "hierarchy"})
PROFILES: dict[str, Profile] = {
    "admin": Profile({"admin": True}, EVERYONE, frozenset({
        "hierarchy", "person_create", "person_notes", "person_main_policy", "person_additional",
        "badge", "policy", "schedule", "holiday", "room", "controller", "site", "users_page",
        "login_history", "read_badges", "read_controllers", "read_policies", "read_schedules"})),
    # seeing: own person, own department, own and subordinate departments, everybody
    "self_viewer": Profile({"person": "worker", "view": "self"}, {W}, frozenset()),
    "department_viewer": Profile({"person": "manager", "view": "department"}, {M, W},
                                 frozenset()),
    "manager": Profile({"person": "manager", "view": "subtree", "edit": "subordinates"},
                       {M, W, F}, frozenset()),
    "everybody_viewer": Profile({"view": "all"}, EVERYONE, frozenset()),
    # HR: edits everybody, and the personnel modules (persons, hierarchy, holidays)
    "hr": Profile({"person": "storeman", "edit": "hr"}, EVERYONE, PERSON_EDITS | {
        "holiday", "read_badges", "read_policies", "read_schedules"}),
    # administrator modules granted one by one
    "badge_clerk": Profile({"modules": ["badges"]}, EVERYONE,
                           frozenset({"badge", "read_badges"})),
    "policy_admin": Profile({"modules": ["policies"]}, set(),
                            frozenset({"policy", "read_policies", "read_schedules"})),
    "auditor": Profile({"modules": ["audit"]}, set(), frozenset({"login_history"})),
    # privacy rights for security staff (manual 003)
    "security": Profile({"modules": ["persons"], "policies_only": True,
                         "main_data_only": True}, EVERYONE,
                        frozenset({"person_main_policy", "person_additional", "read_badges",
                                   "read_policies"})),
    "additional_only": Profile({"modules": ["persons"], "additional_policies_only": True},
                               EVERYONE, frozenset({"person_additional", "read_badges",
                                                    "read_policies"})),
    # a view-only custom right naming the Store department and the Manager personally
    "custom_viewer": Profile({"person": "fitter", "custom": ["store", "manager"]},
                             {F, S, M}, frozenset()),
    # a user bound to the other site
    "other_site": Profile({"view": "all", "site": "other"}, None, frozenset()),
}
ACTIONS = ("hierarchy", "person_create", "person_notes", "person_main_policy",
           "person_additional", "badge", "policy", "schedule", "holiday", "room", "controller",
           "site", "users_page", "login_history", "read_badges", "read_controllers",
           "read_policies", "read_schedules")


def arrange(sessions: sessionmaker[Session]) -> tuple[dict[str, Any], dict[str, int]]:
    with sessions() as session:
        ids = build_site(session)
        other = build_site(session, "other")
        custom = save_custom_right(session, None, name="Store and the manager", view_only=True,
                                   group_ids=[ids["store"]], person_ids=[ids["manager"]])
        session.commit()
    users = {}
    for name, profile in PROFILES.items():
        rights = dict(profile.rights)
        admin = rights.pop("admin", False)
        if "person" in rights:
            rights["person_id"] = ids[rights.pop("person")]
        if "site" in rights:
            rights["site_id"] = other["site"] if rights.pop("site") == "other" else ids["site"]
        if "custom" in rights:
            rights.pop("custom")
            rights.update(edit="custom", custom_right_id=custom.id)
        users[name] = make_user(sessions, name, PASSWORD, admin=admin, **rights)
    return ids, users


Call = Callable[[str, dict[str, Any]], tuple[str, str, dict[str, Any]]]

# action -> (method, API url, JSON body) and (method, UI url, form); {u} is a unique tag
API: dict[str, Call] = {
    "hierarchy": lambda u, i: ("POST", "/api/sites/factory/groups", {"name": f"G {u}"}),
    "person_create": lambda u, i: ("POST", "/api/sites/factory/persons", {
        "surname": f"New {u}", "name": "P", "class_id": i["employee"],
        "group_id": i["store"]}),
    "person_notes": lambda u, i: ("PATCH", f"/api/sites/factory/persons/{i['worker']}",
                                  {"notes": f"by {u}"}),
    "person_main_policy": lambda u, i: ("PATCH", f"/api/sites/factory/persons/{i['worker']}",
                                        {"main_policy_id": i["policy2"]}),
    "person_additional": lambda u, i: (
        "POST", f"/api/sites/factory/persons/{i['worker']}/policies",
        {"policy_id": i["policy2"]}),
    "badge": lambda u, i: ("POST", "/api/sites/factory/badges", {"card": f"RAW32:{len(u)}9"}),
    "policy": lambda u, i: ("POST", "/api/sites/factory/policies", {"name": f"P {u}"}),
    "schedule": lambda u, i: ("POST", "/api/sites/factory/schedules", {
        "name": f"S {u}", "kind": "weekly", "days": {"1": ["08:00-16:00"]}}),
    "holiday": lambda u, i: ("POST", "/api/sites/factory/holiday-lists", {"name": f"H {u}"}),
    "room": lambda u, i: ("POST", "/api/sites/factory/rooms", {"name": f"R {u}"}),
    "controller": lambda u, i: ("POST", "/api/sites/factory/controllers",
                                {"code": f"c-{u}", "name": u}),
    "site": lambda u, i: ("POST", "/api/sites", {"code": f"s-{u}", "name": u,
                                                 "time_zone": "UTC"}),
    "read_badges": lambda u, i: ("GET", "/api/sites/factory/badges", {}),
    "read_controllers": lambda u, i: ("GET", "/api/sites/factory/controllers", {}),
    "read_policies": lambda u, i: ("GET", "/api/sites/factory/policies", {}),
    "read_schedules": lambda u, i: ("GET", "/api/sites/factory/schedules", {}),
}
UI: dict[str, Call] = {
    "hierarchy": lambda u, i: ("POST", "/sites/factory/groups/new", {"name": f"g {u}"}),
    "person_create": lambda u, i: ("POST", "/sites/factory/persons/new", {
        "surname": f"new {u}", "name": "P", "class_id": i["employee"],
        "group_id": i["store"]}),
    "person_notes": lambda u, i: ("POST", f"/sites/factory/persons/{i['worker']}/save", {
        "surname": "Worker", "name": "Test", "class_id": i["employee"],
        "group_id": i["production"], "personal_number": "101", "external_code": "",
        "free_field": "", "notes": f"ui {u}", "main_policy_id": ""}),
    "person_main_policy": lambda u, i: (
        "POST", f"/sites/factory/persons/{i['worker']}/save", {"main_policy_id": i["policy"]}),
    "person_additional": lambda u, i: (
        "POST", f"/sites/factory/persons/{i['worker']}/policies", {"policy_id": i["policy"]}),
    "badge": lambda u, i: ("POST", "/sites/factory/badges/new", {"card": f"RAW32:{len(u)}8"}),
    "policy": lambda u, i: ("POST", "/sites/factory/policies/new", {"name": f"p {u}"}),
    "schedule": lambda u, i: ("POST", "/sites/factory/schedules/new", {
        "name": f"s {u}", "kind": "weekly", "days": "08:00-16:00"}),
    "holiday": lambda u, i: ("POST", "/sites/factory/holidays/new", {"name": f"h {u}"}),
    "room": lambda u, i: ("POST", "/sites/factory/rooms", {"name": f"r {u}"}),
    "controller": lambda u, i: ("POST", "/sites/factory/controllers/new", {
        "code": f"u-{u}", "name": u, "kind": "controller", "enabled": "on"}),
    "site": lambda u, i: ("POST", "/sites/new", {"code": f"t-{u}", "name": u,
                                                 "time_zone": "UTC"}),
    "users_page": lambda u, i: ("GET", "/users", {}),
    "login_history": lambda u, i: ("GET", "/audit/logins", {}),
    "read_badges": lambda u, i: ("GET", "/sites/factory/badges", {}),
    "read_controllers": lambda u, i: ("GET", "/sites/factory/controllers", {}),
    "read_policies": lambda u, i: ("GET", "/sites/factory/policies", {}),
    "read_schedules": lambda u, i: ("GET", "/sites/factory/schedules", {}),
}


def groups_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Group)) or 0


def test_every_user_sees_and_changes_exactly_what_he_should(
        web_app: Flask, web_sessions: sessionmaker[Session]) -> None:
    ids, users = arrange(web_sessions)
    names = {ids["manager"]: M, ids["worker"]: W, ids["fitter"]: F, ids["storeman"]: S}
    problems: list[str] = []
    doors = {}
    for user in PROFILES:
        ui = Browser(web_app.test_client())
        ui.login(user, PASSWORD)
        doors[user] = (use_token(web_app.test_client(), token_for(web_sessions, users[user])), ui)
    # -- what each one sees (before anybody changes anything): the list and each person ---
    for user, profile in PROFILES.items():
        api, ui = doors[user]
        listed = api.get("/api/sites/factory/persons?limit=100")
        page = ui.get("/sites/factory/persons")
        if profile.sees is None:
            if (listed.status_code, page.status_code) != (404, 404):
                problems.append(f"{user}: another site answered {listed.status_code}/"
                                f"{page.status_code}, not 404")
            continue
        seen_api = {p["surname"] for p in (listed.json or {}).get("items", [])}
        html = page.get_data(as_text=True)
        seen_ui = {n for n in EVERYONE if f">{n}</a>" in html}
        if seen_api != profile.sees or seen_ui != profile.sees:
            problems.append(f"{user}: sees API {sorted(seen_api)} UI {sorted(seen_ui)}, "
                            f"should see {sorted(profile.sees)}")
        for person_id, name in names.items():
            want = 200 if name in profile.sees else 404
            got = (api.get(f"/api/sites/factory/persons/{person_id}").status_code,
                   ui.get(f"/sites/factory/persons/{person_id}").status_code)
            if got != (want, want):
                problems.append(f"{user}: person {name} answered {got}, should be {want}")
    # -- what each one may do, through both doors -----------------------------------------
    for user, profile in PROFILES.items():
        api, ui = doors[user]
        for action in ACTIONS:
            allowed = action in profile.may
            for door, calls in (("API", API), ("UI", UI)):
                if action not in calls:
                    continue
                method, url, body = calls[action](user, ids)
                before = groups_count(web_sessions)
                if door == "API":
                    response = api.open(url, method=method, json=body if body else None)
                elif method == "GET":
                    response = ui.get(url)
                else:
                    response = ui.post(url, body)
                ok = response.status_code in {200, 201, 204, 302}
                if (allowed and not ok) or (not allowed and response.status_code != 403):
                    problems.append(f"{user} {action} via {door}: {response.status_code}, "
                                    f"expected {'success' if allowed else '403'} "
                                    f"{response.get_data(as_text=True)[:200]!r}")
                if action == "hierarchy" and not allowed:
                    assert groups_count(web_sessions) == before  # nothing changed
    assert not problems, "\n".join(problems)


def test_main_data_only_hides_everything_else(web_app: Flask,
                                              web_sessions: sessionmaker[Session]) -> None:
    ids, users = arrange(web_sessions)
    api = use_token(web_app.test_client(), token_for(web_sessions, users["security"]))
    person = api.get(f"/api/sites/factory/persons/{ids['worker']}").json
    assert person is not None and set(person) == {
        "id", "surname", "name", "class_id", "personal_number", "main_policy_id"}
    listed = api.get("/api/sites/factory/persons").json
    assert listed is not None and all("notes" not in p for p in listed["items"])
    assert api.get(f"/api/sites/factory/persons/{ids['worker']}/photo").status_code == 403
    # nor can he find out who is in which department by filtering
    assert api.get(f"/api/sites/factory/persons?group_id={ids['store']}").status_code == 403
    assert api.get(f"/api/sites/factory/persons?class_id={ids['employee']}").status_code == 200
    # his policies he sees and may change
    assert api.get(f"/api/sites/factory/persons/{ids['worker']}/policies").status_code == 200
    ui = Browser(web_app.test_client())
    ui.login("security", PASSWORD)
    html = ui.get(f"/sites/factory/persons/{ids['worker']}").get_data(as_text=True)
    assert "notes of Worker" not in html and "Production" not in html
    assert "Save main policy" in html
    assert ui.get(f"/sites/factory/persons/{ids['worker']}/photo").status_code == 403
    assert ui.get(f"/sites/factory/persons?group_id={ids['store']}").status_code == 403
    admin = Browser(web_app.test_client())
    admin.login("admin", PASSWORD)
    assert "notes of Worker" in admin.get(
        f"/sites/factory/persons/{ids['worker']}").get_data(as_text=True)


def test_policy_only_users_cannot_slip_other_fields_in(
        web_app: Flask, web_sessions: sessionmaker[Session]) -> None:
    ids, users = arrange(web_sessions)
    api = use_token(web_app.test_client(), token_for(web_sessions, users["security"]))
    url = f"/api/sites/factory/persons/{ids['worker']}"
    for body in ({"main_policy_id": ids["policy2"], "notes": "x"}, {"surname": "Renamed"}):
        assert api.patch(url, json=body).status_code == 403
    assert api.patch(url, json={"main_policy_id": ids["policy2"]}).json["main_policy_id"] == (
        ids["policy2"])
    ui = Browser(web_app.test_client())
    ui.login("security", PASSWORD)
    response = ui.post(f"/sites/factory/persons/{ids['worker']}/save",
                       {"main_policy_id": ids["policy"], "surname": "Renamed"})
    assert response.status_code == 403
    assert api.get(url).json["surname"] == "Worker"


def test_actions_and_profiles_cover_each_other() -> None:
    # every action is tried through at least one door, and no two kinds of user are
    # expected to behave the same (each row of the matrix tests something of its own)
    assert set(ACTIONS) == set(API) | set(UI)
    signatures = {(frozenset(p.sees) if p.sees is not None else None, p.may)
                  for p in PROFILES.values()}
    assert len(signatures) == len(PROFILES)
    assert all(a in ACTIONS for a in itertools.chain.from_iterable(
        p.may for p in PROFILES.values()))
