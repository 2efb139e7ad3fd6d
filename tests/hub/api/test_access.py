"""Rooms, doors, access points and their groups, controllers and readers over the API."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.access.models import Controller, Reader
from tests.hub.api.helpers import fail, ok


def test_doors_make_entry_and_exit_points_and_topology(client: FlaskClient, site: str) -> None:
    root = f"/api/sites/{site}"
    hall = ok(client, "POST", f"{root}/rooms", {"name": "Hall"}, 201)
    office = ok(client, "POST", f"{root}/rooms", {"name": "Office"}, 201)
    gate = ok(client, "POST", f"{root}/doors", {"name": "Gate", "to_room_id": hall["id"]}, 201)
    assert [(p["direction"], p["name"]) for p in gate["access_points"]] == [
        ("entry", "Gate (entry)"), ("exit", "Gate (exit)"),
    ]
    inner = ok(client, "POST", f"{root}/doors",
               {"name": "Office door", "from_room_id": hall["id"], "to_room_id": office["id"]}, 201)
    topology = {p["name"]: (p["from_room_id"], p["to_room_id"])
                for p in ok(client, "GET", f"{root}/topology")}
    assert topology == {
        "Gate (entry)": (None, hall["id"]), "Gate (exit)": (hall["id"], None),
        "Office door (entry)": (hall["id"], office["id"]),
        "Office door (exit)": (office["id"], hall["id"]),
    }
    error = fail(client, "PUT", f"{root}/doors/{inner['id']}/rooms",
                 {"from_room_id": hall["id"], "to_room_id": hall["id"]}, 422)
    assert "to_room_id" in error["errors"]["json"]
    fail(client, "POST", f"{root}/rooms", {"name": "Hall"}, 409)
    points = ok(client, "GET", f"{root}/access-points?door_id={gate['id']}")["items"]
    assert len(points) == 2
    renamed = ok(client, "PATCH", f"{root}/access-points/{points[0]['id']}", {"name": "Gate in"})
    assert renamed["name"] == "Gate in"
    assert client.delete(f"{root}/doors/{inner['id']}").status_code == 204


def test_point_groups_nest_without_cycles(client: FlaskClient, site: str) -> None:
    root = f"/api/sites/{site}"
    gate = ok(client, "POST", f"{root}/doors", {"name": "Gate"}, 201)
    entry, exit_ = (p["id"] for p in gate["access_points"])
    outer = ok(client, "POST", f"{root}/access-point-groups", {"name": "All"}, 201)
    inner = ok(client, "POST", f"{root}/access-point-groups", {"name": "Entrances"}, 201)
    ok(client, "POST", f"{root}/access-point-groups/{inner['id']}/members",
       {"access_point_id": entry}, 201)
    ok(client, "POST", f"{root}/access-point-groups/{outer['id']}/members",
       {"child_group_id": inner["id"]}, 201)
    member = ok(client, "POST", f"{root}/access-point-groups/{outer['id']}/members",
                {"access_point_id": exit_}, 201)
    detail = ok(client, "GET", f"{root}/access-point-groups/{outer['id']}")
    assert detail["all_access_point_ids"] == sorted([entry, exit_])
    error = fail(client, "POST", f"{root}/access-point-groups/{inner['id']}/members",
                 {"child_group_id": outer["id"]}, 422)
    assert "contain" in error["errors"]["json"]["child_group_id"][0]
    error = fail(client, "POST", f"{root}/access-point-groups/{inner['id']}/members",
                 {"access_point_id": entry, "child_group_id": outer["id"]}, 422)
    assert "exactly one" in error["errors"]["json"]["access_point_id"][0]
    url = f"{root}/access-point-groups/{outer['id']}/members/{member['id']}"
    assert client.delete(url).status_code == 204
    assert ok(client, "GET", f"{root}/access-point-groups/{outer['id']}")[
        "all_access_point_ids"] == [entry]


def test_concentrator_with_readers(client: FlaskClient, site: str, db: Session) -> None:
    root = f"/api/sites/{site}"
    gate = ok(client, "POST", f"{root}/doors", {"name": "Gate"}, 201)
    entry, exit_ = (p["id"] for p in gate["access_points"])
    conc = ok(client, "POST", f"{root}/controllers",
              {"code": "conc-1", "name": "Lobby", "kind": "concentrator"}, 201)
    base = f"{root}/controllers/{conc['id']}/readers"
    reader = ok(client, "POST", base, {"reader_no": 1, "access_point_id": entry}, 201)
    ok(client, "POST", base, {"reader_no": 2, "access_point_id": exit_, "requires_pin": True}, 201)
    error = fail(client, "POST", base, {"reader_no": 3, "access_point_id": entry}, 409)
    assert "already served" in error["errors"]["json"]["access_point_id"][0]
    fail(client, "POST", base, {"reader_no": 70000, "access_point_id": entry}, 422)
    ok(client, "PATCH", f"{base}/{reader['id']}", {"requires_pin": True})
    error = fail(client, "PATCH", f"{root}/controllers/{conc['id']}", {"code": "x"}, 422)
    assert error["errors"]["json"] == {"code": ["Unknown field."]}
    ok(client, "PATCH", f"{root}/controllers/{conc['id']}", {"enabled": False})
    controller = db.get(Controller, conc["id"])
    assert controller is not None and controller.enabled is False
    assert [(r.reader_no, r.requires_pin) for r in controller.readers] == [(1, True), (2, True)]
    assert client.delete(f"{base}/{reader['id']}").status_code == 204
    db.expire_all()
    assert db.get(Reader, reader["id"]) is None
