"""Schedules, holiday lists, policies and persons' policies over the API."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.hub.api.helpers import fail, ok


def make_person(client: FlaskClient, root: str, group_id: int) -> dict[str, Any]:
    employee = ok(client, "GET", f"{root}/classes")["items"][0]["id"]
    person: dict[str, Any] = ok(client, "POST", f"{root}/persons", {
        "surname": "Shift", "name": "Worker", "class_id": employee, "group_id": group_id,
    }, 201)
    return person


def test_schedules_weekly_cyclic_holiday(client: FlaskClient, site: str) -> None:
    root = f"/api/sites/{site}"
    office = ok(client, "POST", f"{root}/schedules", {
        "name": "Office", "kind": "weekly", "days": {str(d): ["09:00-18:00"] for d in range(1, 6)},
    }, 201)
    assert office["cycle_days"] == 7 and office["days"]["1"] == ["09:00-18:00"]
    assert "6" not in office["days"]
    rotation = ok(client, "POST", f"{root}/schedules", {
        "name": "4-day", "kind": "cyclic", "cycle_days": 4, "days": {"1": ["00:00-24:00"]},
    }, 201)
    assert rotation["cycle_days"] == 4
    night = ok(client, "PATCH", f"{root}/schedules/{rotation['id']}",
               {"days": {"2": ["22:00-06:00"]}, "cycle_days": 4})
    assert night["days"] == {"2": ["22:00-06:00"]}
    error = fail(client, "POST", f"{root}/schedules", {
        "name": "Bad", "kind": "weekly", "days": {"8": ["09:00-10:00"]},
    }, 422)
    assert "days" in error["errors"]["json"]
    error = fail(client, "POST", f"{root}/schedules", {
        "name": "Bad", "kind": "weekly", "days": {"1": ["25:00-26:00"]},
    }, 422)
    assert "days.1" in error["errors"]["json"]
    holiday = ok(client, "POST", f"{root}/schedules", {
        "name": "Short day", "kind": "holiday", "days": {"1": ["08:00-12:00"]},
    }, 201)
    assert holiday["cycle_days"] == 1
    kinds = ok(client, "GET", f"{root}/schedules?kind=cyclic")["items"]
    assert [s["name"] for s in kinds] == ["4-day"]
    holidays = ok(client, "POST", f"{root}/holiday-lists", {
        "name": "SK 2025", "holidays": [{"day": "2025-01-01", "name": "New Year"}],
    }, 201)
    dates = f"{root}/holiday-lists/{holidays['id']}/holidays"
    ok(client, "POST", dates, {"day": "2025-05-01"}, 201)
    fail(client, "POST", dates, {"day": "2025-05-01"}, 409)
    listed = ok(client, "GET", f"{root}/holiday-lists/{holidays['id']}")
    assert [h["day"] for h in listed["holidays"]] == ["2025-01-01", "2025-05-01"]
    url = f"{root}/holiday-lists/{holidays['id']}/holidays/2025-01-01"
    assert client.delete(url).status_code == 204


def test_policy_rows_and_person_policies(client: FlaskClient, site: str) -> None:
    root = f"/api/sites/{site}"
    gate = ok(client, "POST", f"{root}/doors", {"name": "Gate"}, 201)
    entry = gate["access_points"][0]["id"]
    weekly = ok(client, "POST", f"{root}/schedules", {
        "name": "Day", "kind": "weekly", "days": {"1": ["09:00-18:00"]},
    }, 201)
    cyclic = ok(client, "POST", f"{root}/schedules", {
        "name": "Rotation", "kind": "cyclic", "cycle_days": 4, "days": {"1": ["00:00-24:00"]},
    }, 201)
    holiday = ok(client, "POST", f"{root}/schedules", {
        "name": "Holiday", "kind": "holiday", "days": {"1": ["10:00-12:00"]},
    }, 201)
    holidays = ok(client, "POST", f"{root}/holiday-lists", {"name": "Holidays"}, 201)
    policy = ok(client, "POST", f"{root}/policies", {"name": "Workshop"}, 201)
    rules = f"{root}/policies/{policy['id']}/rules"
    rule = ok(client, "POST", rules, {
        "access_point_id": entry, "schedule_id": weekly["id"], "start_date": "2025-03-02",
        "holiday_list_id": holidays["id"], "holiday_schedule_id": holiday["id"],
    }, 201)
    error = fail(client, "POST", rules, {"access_point_id": entry, "schedule_id": cyclic["id"]},
                 422)
    assert "start date" in error["errors"]["json"]["start_date"][0]
    error = fail(client, "POST", rules, {"access_point_id": entry, "schedule_id": holiday["id"]},
                 422)
    assert "holiday" in error["errors"]["json"]["schedule_id"][0]
    ok(client, "PATCH", f"{rules}/{rule['id']}", {"start_date": "2025-03-03"})
    assert ok(client, "GET", f"{root}/policies/{policy['id']}")["rules"][0]["start_date"] == (
        "2025-03-03")
    group = ok(client, "POST", f"{root}/groups", {"name": "Shop", "policy_id": policy["id"]}, 201)
    person = make_person(client, root, group["id"])
    extra = ok(client, "POST", f"{root}/policies", {"name": "Extra"}, 201)
    grants = f"{root}/persons/{person['id']}/policies"
    error = fail(client, "POST", grants, {"policy_id": extra["id"], "valid_to": "2025-12-31"}, 422)
    assert "start" in error["errors"]["json"]["valid_to"][0]
    grant = ok(client, "POST", grants, {"policy_id": extra["id"], "valid_from": "2025-06-01"}, 201)
    held = ok(client, "GET", grants)
    assert held["main_policy_id"] is None
    assert held["effective_main_policy_id"] == policy["id"]
    assert [(g["policy_id"], g["valid_from"], g["valid_to"]) for g in held["additional"]] == [
        (extra["id"], "2025-06-01", None)]
    ok(client, "PUT", f"{grants}/{grant['id']}/validity",
       {"valid_from": "2025-06-01", "valid_to": "2025-06-30"})
    fail(client, "DELETE", f"{root}/policies/{extra['id']}", None, 409)
    holders = ok(client, "GET", f"{root}/policies/{extra['id']}/holders")
    assert holders == {"group_ids": [], "person_ids": [person["id"]]}
    assert client.delete(f"{grants}/{grant['id']}").status_code == 204
    assert client.delete(f"{root}/policies/{extra['id']}").status_code == 204
    # The main policy is set on the person.
    ok(client, "PATCH", f"{root}/persons/{person['id']}", {"main_policy_id": policy["id"]})
    assert ok(client, "GET", grants)["main_policy_id"] == policy["id"]
