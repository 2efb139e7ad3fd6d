"""Groups, classes, custom fields and persons over the API."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.people.models import Group, Person
from tests.hub.api.helpers import fail, ok


def test_group_tree_and_inheritance(client: FlaskClient, site: str, db: Session) -> None:
    base = f"/api/sites/{site}/groups"
    company = ok(client, "POST", base, {"name": "Factory", "is_company": True}, 201)
    workshop = ok(client, "POST", base, {"name": "Workshop 1", "parent_id": company["id"]})
    planning = ok(client, "POST", base, {"name": "Planning", "parent_id": workshop["id"]})
    assert planning["policy_id"] is None
    employee = ok(client, "GET", f"/api/sites/{site}/classes")["items"][0]["id"]
    planner = ok(client, "POST", f"/api/sites/{site}/persons", {
        "surname": "Plan", "name": "Ner", "class_id": employee, "group_id": planning["id"]}, 201)
    assert (planner["group_id"], planner["company_id"]) == (planning["id"], company["id"])
    client.delete(f"/api/sites/{site}/persons/{planner['id']}")
    roots = ok(client, "GET", f"{base}?roots=true")
    assert [g["name"] for g in roots["items"]] == ["Factory"]
    children = ok(client, "GET", f"{base}?parent_id={company['id']}")
    assert [g["name"] for g in children["items"]] == ["Workshop 1"]
    # Moving the company under its own grandchild is refused, naming the field.
    error = fail(client, "PATCH", f"{base}/{company['id']}", {"parent_id": planning["id"]}, 422)
    assert "own ancestor" in error["errors"]["json"]["parent_id"][0]
    # A group with children cannot be deleted; a leaf can.
    fail(client, "DELETE", f"{base}/{workshop['id']}", None, 409)
    assert client.delete(f"{base}/{planning['id']}").status_code == 204
    assert db.get(Group, planning["id"]) is None


def test_person_fields_titles_and_filters(client: FlaskClient, site: str, db: Session) -> None:
    root = f"/api/sites/{site}"
    group = ok(client, "POST", f"{root}/groups", {"name": "Workshop 2"})
    classes = {c["name"]: c for c in ok(client, "GET", f"{root}/classes")["items"]}
    employee, visitor = classes["employee"]["id"], classes["visitor"]["id"]
    title = ok(client, "POST", f"{root}/titles",
               {"name": "Shift", "elements": ["A", "B"], "class_ids": [employee]}, 201)
    assert [e["value"] for e in title["elements"]] == ["A", "B"]
    novak = ok(client, "POST", f"{root}/persons", {
        "surname": "Novák", "name": "Ján", "class_id": employee, "group_id": group["id"],
        "personal_number": "1001", "external_code": "EXT-1", "titles": {"Shift": "B"},
    }, 201)
    assert novak["titles"] == {"Shift": "B"}
    assert novak["created_at"] is not None and novak["has_photo"] is False
    ok(client, "POST", f"{root}/persons", {
        "surname": "Kováčová", "name": "Eva", "class_id": visitor, "group_id": group["id"],
    }, 201)
    # Visitors have no external code; the error names the field.
    error = fail(client, "POST", f"{root}/persons", {
        "surname": "Host", "name": "X", "class_id": visitor, "group_id": group["id"],
        "external_code": "E",
    }, 422)
    assert "employee" in error["errors"]["json"]["external_code"][0]
    # Filters: part of a name in any case, number, class, custom field value.
    assert [p["surname"] for p in ok(client, "GET", f"{root}/persons?q=NOV")["items"]] == ["Novák"]
    assert ok(client, "GET", f"{root}/persons?q=%25")["items"] == []  # % is not a wildcard
    by_number = ok(client, "GET", f"{root}/persons?personal_number=1001")["items"]
    assert [p["id"] for p in by_number] == [novak["id"]]
    visitors = ok(client, "GET", f"{root}/persons?class_id={visitor}")["items"]
    assert [p["surname"] for p in visitors] == ["Kováčová"]
    b_element = title["elements"][1]["id"]
    shift_b = ok(client, "GET", f"{root}/persons?element_id={b_element}")["items"]
    assert [p["id"] for p in shift_b] == [novak["id"]]
    # Pagination.
    first = ok(client, "GET", f"{root}/persons?limit=1")
    assert first["total"] == 2 and len(first["items"]) == 1
    assert first["items"][0]["surname"] == "Kováčová"
    second = ok(client, "GET", f"{root}/persons?limit=1&offset=1")
    assert second["items"][0]["surname"] == "Novák"
    # PATCH: a custom field value that is not an element is refused with its name.
    error = fail(client, "PATCH", f"{root}/persons/{novak['id']}", {"titles": {"Shift": "Z"}}, 422)
    assert "not an allowed value" in error["errors"]["json"]["titles.Shift"][0]
    changed = ok(client, "PATCH", f"{root}/persons/{novak['id']}",
                 {"free_field": "forklift", "titles": {"Shift": None}})
    assert changed["titles"] == {} and changed["free_field"] == "forklift"
    error = fail(client, "PATCH", f"{root}/persons/{novak['id']}", {"created_at": "2020-01-01"},
                 422)
    assert "created_at" in error["errors"]["json"]
    person = db.get(Person, novak["id"])
    assert person is not None and person.free_field == "forklift"


def test_photo_upload_download_delete(client: FlaskClient, site: str) -> None:
    root = f"/api/sites/{site}"
    group = ok(client, "POST", f"{root}/groups", {"name": "Office"})
    employee = ok(client, "GET", f"{root}/classes")["items"][0]["id"]
    person = ok(client, "POST", f"{root}/persons", {
        "surname": "Photo", "name": "Person", "class_id": employee, "group_id": group["id"],
    }, 201)
    url = f"{root}/persons/{person['id']}/photo"
    assert client.get(url).status_code == 404
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    assert client.put(url, data=image, content_type="image/png").status_code == 204
    got = client.get(url)
    assert got.status_code == 200 and got.data == image and got.mimetype == "image/png"
    assert ok(client, "GET", f"{root}/persons/{person['id']}")["has_photo"] is True
    bad = client.put(url, data=b"hello", content_type="text/plain")
    assert bad.status_code == 422 and bad.json is not None
    assert "photo_media_type" in bad.json["errors"]["json"]
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_locations(client: FlaskClient, site: str, db: Session) -> None:
    root = f"/api/sites/{site}"
    group = ok(client, "POST", f"{root}/groups", {"name": "Office"})
    employee = ok(client, "GET", f"{root}/classes")["items"][0]["id"]
    person = ok(client, "POST", f"{root}/persons", {
        "surname": "Desk", "name": "Owner", "class_id": employee, "group_id": group["id"],
    }, 201)
    purl = f"{root}/persons/{person['id']}"
    location = ok(client, "POST", f"{purl}/locations", {"name": "Desk 4", "phone": "+421 2"}, 201)
    assert ok(client, "GET", purl)["locations"] == [
        {"id": location["id"], "name": "Desk 4", "room_id": None, "phone": "+421 2", "notes": ""}
    ]
    assert client.delete(f"{purl}/locations/{location['id']}").status_code == 204
    assert client.delete(f"{purl}/locations/{location['id']}").status_code == 404


def test_another_sites_objects_are_404(client: FlaskClient, site: str) -> None:
    group = ok(client, "POST", f"/api/sites/{site}/groups", {"name": "Mine"}, 201)
    ok(client, "POST", "/api/sites", {"code": "other", "name": "O", "time_zone": "UTC"}, 201)
    fail(client, "GET", f"/api/sites/other/groups/{group['id']}", None, 404)
    error = fail(client, "POST", "/api/sites/other/groups",
                 {"name": "Child", "parent_id": group["id"]}, 404)
    assert "does not exist" in error["message"]
    assert db_groups(client, site) == ["Mine"]


def db_groups(client: FlaskClient, site: str) -> list[str]:
    return [g["name"] for g in ok(client, "GET", f"/api/sites/{site}/groups")["items"]]


def test_class_lifecycle(client: FlaskClient, site: str, db: Session) -> None:
    base = f"/api/sites/{site}/classes"
    created = ok(client, "POST", base, {"name": "contractor", "badge_type": "employee"}, 201)
    error = fail(client, "POST", base, {"name": "x", "badge_type": "robot"}, 422)
    assert "badge_type" in error["errors"]["json"]
    builtin = next(c for c in ok(client, "GET", base)["items"] if c["builtin"])
    fail(client, "PATCH", f"{base}/{builtin['id']}", {"name": "staff"}, 409)
    ok(client, "PATCH", f"{base}/{created['id']}", {"badge_type": "visitor"})
    assert client.delete(f"{base}/{created['id']}").status_code == 204
    assert select(Group) is not None
