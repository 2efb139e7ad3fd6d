"""Conflicts over the API: the validator's findings for a person and for the site."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.hub.api.helpers import ok


def test_person_and_site_conflicts(client: FlaskClient, site: str) -> None:
    root = f"/api/sites/{site}"
    gate = ok(client, "POST", f"{root}/doors", {"name": "Gate"}, 201)
    entry, exit_ = (p["id"] for p in gate["access_points"])
    controller = ok(client, "POST", f"{root}/controllers", {"code": "c1", "name": "C1"}, 201)
    for number, point in ((1, entry), (2, exit_)):
        ok(client, "POST", f"{root}/controllers/{controller['id']}/readers",
           {"reader_no": number, "access_point_id": point}, 201)
    both = ok(client, "POST", f"{root}/access-point-groups", {"name": "Gate both ways"}, 201)
    for point in (entry, exit_):
        ok(client, "POST", f"{root}/access-point-groups/{both['id']}/members",
           {"access_point_id": point}, 201)
    day = ok(client, "POST", f"{root}/schedules",
             {"name": "Day", "kind": "weekly", "days": {"1": ["08:00-16:00"]}}, 201)
    late = ok(client, "POST", f"{root}/schedules",
              {"name": "Late", "kind": "weekly", "days": {"1": ["14:00-22:00"]}}, 201)
    main = ok(client, "POST", f"{root}/policies", {"name": "Main"}, 201)
    ok(client, "POST", f"{root}/policies/{main['id']}/rules",
       {"access_point_group_id": both["id"], "schedule_id": day["id"]}, 201)
    ok(client, "POST", f"{root}/policies/{main['id']}/rules",
       {"access_point_id": entry, "schedule_id": day["id"]}, 201)
    extra = ok(client, "POST", f"{root}/policies", {"name": "Extra"}, 201)
    ok(client, "POST", f"{root}/policies/{extra['id']}/rules",
       {"access_point_id": exit_, "schedule_id": late["id"]}, 201)
    group = ok(client, "POST", f"{root}/groups", {"name": "Staff", "policy_id": main["id"]}, 201)
    employee = ok(client, "GET", f"{root}/classes")["items"][0]["id"]
    person = ok(client, "POST", f"{root}/persons", {
        "surname": "Clash", "name": "Case", "class_id": employee, "group_id": group["id"]}, 201)
    ok(client, "POST", f"{root}/persons/{person['id']}/policies", {"policy_id": extra["id"]}, 201)

    issues = ok(client, "GET", f"{root}/persons/{person['id']}/conflicts")["issues"]
    by_code = {issue["code"]: issue for issue in issues}
    assert set(by_code) == {"group_and_member", "policy_conflict"}
    assert "'Gate both ways'" in by_code["group_and_member"]["message"]
    assert "'Main'" in by_code["policy_conflict"]["message"]
    assert "'Extra'" in by_code["policy_conflict"]["message"]
    site_issues = ok(client, "GET", f"{root}/conflicts")["issues"]
    assert {i["code"] for i in site_issues} == {"group_and_member", "policy_conflict"}
    # A person without extra policies sees only the clash inside the group's own policy.
    calm = ok(client, "POST", f"{root}/persons", {
        "surname": "Calm", "name": "Case", "class_id": employee, "group_id": group["id"]}, 201)
    codes = [i["code"] for i in ok(client, "GET", f"{root}/persons/{calm['id']}/conflicts")[
        "issues"]]
    assert codes == ["group_and_member"]
