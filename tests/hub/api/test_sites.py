"""Sites over the API, and the error shape every endpoint shares."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.people.models import PersonClass
from hub.sites.models import Site


def test_create_read_update_site(client: FlaskClient, db: Session) -> None:
    created = client.post(
        "/api/sites", json={"code": "plant-2", "name": "Plant 2", "time_zone": "Europe/Prague"}
    )
    assert created.status_code == 201
    assert created.json is not None
    assert created.json["code"] == "plant-2"
    assert created.json["time_zone"] == "Europe/Prague"
    changed = client.patch("/api/sites/plant-2", json={"name": "Závod 2"})
    assert changed.status_code == 200
    site = db.scalars(select(Site).where(Site.code == "plant-2")).one()
    assert site.name == "Závod 2"
    classes = db.scalars(select(PersonClass.name).where(PersonClass.site_id == site.id)).all()
    assert sorted(classes) == ["employee", "visitor"]
    listed = client.get("/api/sites")
    assert listed.json is not None
    assert [s["code"] for s in listed.json["items"]] == ["plant-2"]


def test_bad_time_zone_names_the_field(client: FlaskClient) -> None:
    response = client.post(
        "/api/sites", json={"code": "x", "name": "X", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 422
    assert response.json is not None
    assert "IANA" in response.json["errors"]["json"]["time_zone"][0]


def test_duplicate_code_is_a_conflict(client: FlaskClient, site: str) -> None:
    response = client.post(
        "/api/sites", json={"code": site, "name": "Again", "time_zone": "Europe/Bratislava"}
    )
    assert response.status_code == 409
    assert response.json is not None
    assert "already exists" in response.json["errors"]["json"]["code"][0]


def test_unknown_site_is_404_json(client: FlaskClient) -> None:
    response = client.get("/api/sites/nowhere")
    assert response.status_code == 404
    assert response.json == {
        "code": 404, "status": "Not Found", "message": "site 'nowhere' does not exist"
    }


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post("/api/sites", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json is not None
    assert response.json["errors"] == {"json": ["Invalid JSON body."]}


def test_code_cannot_change(client: FlaskClient, site: str) -> None:
    response = client.patch(f"/api/sites/{site}", json={"code": "other"})
    assert response.status_code == 422
    assert response.json is not None
    assert response.json["errors"]["json"] == {"code": ["Unknown field."]}
