"""Badges over the API: issued and withdrawn, never deleted; history; the pool."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.badges.models import Badge
from tests.hub.api.helpers import fail, ok


def test_badge_life_cycle(client: FlaskClient, site: str, db: Session) -> None:
    root = f"/api/sites/{site}"
    group = ok(client, "POST", f"{root}/groups", {"name": "Office"}, 201)
    employee = ok(client, "GET", f"{root}/classes")["items"][0]["id"]
    person = ok(client, "POST", f"{root}/persons", {
        "surname": "Card", "name": "Holder", "class_id": employee, "group_id": group["id"],
    }, 201)
    badge = ok(client, "POST", f"{root}/badges", {"card": "H10301:12:3456", "label": "A1"}, 201)
    assert badge["state"] == "unused" and badge["card"] == "H10301:12:3456"
    error = fail(client, "POST", f"{root}/badges", {"card": "H10301:999:1"}, 422)
    assert "facility" in error["errors"]["json"]["card"][0]
    fail(client, "POST", f"{root}/badges", {"card": "H10301:12:3456"}, 409)
    assert [b["id"] for b in ok(client, "GET", f"{root}/badges/pool")["items"]] == [badge["id"]]
    url = f"{root}/badges/{badge['id']}"
    issued = ok(client, "POST", f"{url}/issue", {
        "person_id": person["id"], "valid_from": "2025-01-01T00:00:00+01:00",
        "valid_to": "2025-02-01T00:00:00+01:00", "pin": "1234",
    })
    assert issued["state"] == "issued" and issued["has_pin"] is True
    assert "pin" not in issued
    assert any("expired" in w for w in issued["warnings"])  # valid_to is in the past
    assert ok(client, "GET", f"{root}/badges/pool")["items"] == []
    assert [b["id"] for b in ok(client, "GET", f"{root}/badges?person_id={person['id']}")[
        "items"]] == [badge["id"]]
    fail(client, "POST", f"{url}/issue", {"group_id": group["id"]}, 409)
    ok(client, "PUT", f"{url}/validity", {"valid_from": None, "valid_to": None})
    ok(client, "PUT", f"{url}/pin", {"pin": None})
    # Never deleted: 405 with a message that says to withdraw.
    refused = client.delete(url)
    assert refused.status_code == 405 and refused.json is not None
    assert "withdraw" in refused.json["message"]
    assert db.get(Badge, badge["id"]) is not None
    withdrawn = ok(client, "POST", f"{url}/withdraw", {"note": "left the company"})
    assert withdrawn["state"] == "withdrawn" and withdrawn["person_id"] is None
    assert [b["id"] for b in ok(client, "GET", f"{root}/badges/pool")["items"]] == [badge["id"]]
    # It can be issued again, this time to a group (an alarm-reset card).
    ok(client, "POST", f"{url}/issue", {"group_id": group["id"]})
    history = ok(client, "GET", f"{url}/history")
    assert [(e["action"], e["state"]) for e in history] == [
        ("registered", "unused"), ("issued", "issued"), ("validity_changed", "issued"),
        ("pin_changed", "issued"), ("withdrawn", "withdrawn"), ("issued", "issued"),
    ]
    assert history[4]["person_id"] == person["id"] and history[4]["note"] == "left the company"
    by_card = ok(client, "GET", f"{root}/badges?card=H10301:12:3456")["items"]
    assert [b["group_id"] for b in by_card] == [group["id"]]
    bad = client.get(f"{root}/badges?card=H10301:12")
    assert bad.status_code == 422 and bad.json is not None
    assert "FORMAT:FACILITY:CARD" in bad.json["errors"]["query"]["card"][0]


def test_issue_needs_exactly_one_holder(client: FlaskClient, site: str) -> None:
    root = f"/api/sites/{site}"
    badge = ok(client, "POST", f"{root}/badges", {"card": "RAW32:305419896"}, 201)
    error = fail(client, "POST", f"{root}/badges/{badge['id']}/issue", {}, 422)
    assert "holder" in error["errors"]["json"]
    error = fail(client, "POST", f"{root}/badges/{badge['id']}/issue",
                 {"person_id": 1, "valid_from": "2025-01-01T00:00:00"}, 422)
    assert "valid_from" in error["errors"]["json"]
