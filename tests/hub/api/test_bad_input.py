"""Bad input at every write endpoint is a 4xx with a JSON body naming what is wrong.

The endpoints come from the hub's own OpenAPI document, so a new POST/PATCH/PUT is covered
(and must get an entry in VALID_BODIES) without anyone remembering to add it here. For each
one, on a site that has one of every object: malformed JSON, a non-object body, an unknown
field, a wrong type for every field, out-of-range values for every bounded field, unknown
ids in the path and in the body. Nothing may answer 500; each answer names the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.hub.api.helpers import ok

UNKNOWN_ID = 999_999
WRITE_METHODS = ("post", "patch", "put")
BINARY_ENDPOINTS = {("put", "/api/sites/{site}/persons/{person_id}/photo")}

# A valid body for each write endpoint (path template -> body), built from the ids of the
# arranged objects. Each one must succeed: it proves the bad-input cases fail for their
# one fault, not because the request could never have worked.
VALID_BODIES: dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("post", "/api/sites"): lambda i: {"code": "new-site", "name": "N", "time_zone": "UTC"},
    ("patch", "/api/sites/{site}"): lambda i: {"name": "Renamed"},
    ("post", "/api/sites/{site}/classes"): lambda i: {"name": "guest", "badge_type": "visitor"},
    ("patch", "/api/sites/{site}/classes/{class_id}"): lambda i: {"name": "contractors"},
    ("post", "/api/sites/{site}/titles"): lambda i: {
        "name": "Size", "elements": ["S"], "class_ids": [i["employee"]]},
    ("patch", "/api/sites/{site}/titles/{title_id}"): lambda i: {
        "class_ids": [i["employee"], i["class"]]},
    ("post", "/api/sites/{site}/titles/{title_id}/elements"): lambda i: {"value": "C"},
    ("post", "/api/sites/{site}/groups"): lambda i: {
        "name": "Team", "parent_id": i["group"], "policy_id": i["policy"]},
    ("patch", "/api/sites/{site}/groups/{group_id}"): lambda i: {"policy_id": None},
    ("post", "/api/sites/{site}/persons"): lambda i: {
        "surname": "New", "name": "Person", "class_id": i["employee"], "group_id": i["group"],
        "main_policy_id": i["policy"], "titles": {"Shift": "A"}},
    ("patch", "/api/sites/{site}/persons/{person_id}"): lambda i: {
        "group_id": i["group"], "class_id": i["employee"], "main_policy_id": i["policy"]},
    ("post", "/api/sites/{site}/persons/{person_id}/locations"): lambda i: {
        "name": "Desk", "room_id": i["room"]},
    ("post", "/api/sites/{site}/persons/{person_id}/policies"): lambda i: {
        "policy_id": i["policy"], "valid_from": "2025-01-01"},
    ("put", "/api/sites/{site}/persons/{person_id}/policies/{grant_id}/validity"): lambda i: {
        "valid_from": "2025-01-01", "valid_to": "2025-12-31"},
    ("post", "/api/sites/{site}/badges"): lambda i: {"card": "H10301:1:2"},
    ("post", "/api/sites/{site}/badges/{badge_id}/issue"): lambda i: {"person_id": i["person"]},
    ("post", "/api/sites/{site}/badges/{badge_id}/withdraw"): lambda i: {"note": "lost"},
    ("put", "/api/sites/{site}/badges/{badge_id}/validity"): lambda i: {
        "valid_from": None, "valid_to": "2030-01-01T00:00:00+00:00"},
    ("put", "/api/sites/{site}/badges/{badge_id}/pin"): lambda i: {"pin": None},
    ("post", "/api/sites/{site}/rooms"): lambda i: {"name": "Store"},
    ("patch", "/api/sites/{site}/rooms/{room_id}"): lambda i: {"notes": "n"},
    ("post", "/api/sites/{site}/doors"): lambda i: {
        "name": "Back door", "from_room_id": i["room"], "to_room_id": i["room2"]},
    ("put", "/api/sites/{site}/doors/{door_id}/rooms"): lambda i: {
        "from_room_id": i["room2"], "to_room_id": i["room"]},
    ("patch", "/api/sites/{site}/access-points/{point_id}"): lambda i: {"name": "In"},
    ("post", "/api/sites/{site}/access-point-groups"): lambda i: {"name": "More"},
    ("post", "/api/sites/{site}/access-point-groups/{group_id}/members"): lambda i: {
        "access_point_id": i["exit"]},
    ("post", "/api/sites/{site}/controllers"): lambda i: {"code": "c2", "name": "C2"},
    ("patch", "/api/sites/{site}/controllers/{controller_id}"): lambda i: {"enabled": False},
    ("post", "/api/sites/{site}/controllers/{controller_id}/readers"): lambda i: {
        "reader_no": 2, "access_point_id": i["exit"]},
    ("patch", "/api/sites/{site}/controllers/{controller_id}/readers/{reader_id}"): lambda i: {
        "requires_pin": True},
    ("post", "/api/sites/{site}/schedules"): lambda i: {
        "name": "Late", "kind": "weekly", "days": {"5": ["14:00-22:00"]}},
    ("patch", "/api/sites/{site}/schedules/{schedule_id}"): lambda i: {
        "days": {"1": ["08:00-16:00"]}},
    ("post", "/api/sites/{site}/holiday-lists"): lambda i: {
        "name": "More holidays", "holidays": [{"day": "2025-12-24"}]},
    ("post", "/api/sites/{site}/holiday-lists/{list_id}/holidays"): lambda i: {
        "day": "2025-12-26", "name": "St Stephen"},
    ("post", "/api/sites/{site}/policies"): lambda i: {"name": "Night"},
    ("patch", "/api/sites/{site}/policies/{policy_id}"): lambda i: {"notes": "n"},
    ("post", "/api/sites/{site}/policies/{policy_id}/rules"): lambda i: {
        "access_point_group_id": i["point_group"], "schedule_id": i["schedule"],
        "holiday_list_id": i["holiday_list"], "holiday_schedule_id": i["holiday_schedule"]},
    ("patch", "/api/sites/{site}/policies/{policy_id}/rules/{rule_id}"): lambda i: {
        "start_date": "2025-03-01"},
    ("post", "/api/sites/{site}/controllers/{controller_id}/sync/key"): lambda i: {},
    ("post", "/api/sites/{site}/badges/{badge_id}/activate"): lambda i: {"wait_ms": 100},
    ("post", "/api/sites/{site}/badges/{badge_id}/deactivate"): lambda i: {},
    ("post", "/api/sites/{site}/doors/{door_id}/unlock"): lambda i: {"duration_ms": 0},
    ("post", "/api/sites/{site}/doors/{door_id}/lock"): lambda i: {},
    ("post", "/api/sites/{site}/doors/{door_id}/pulse"): lambda i: {"duration_ms": 3000},
}


def arrange(client: FlaskClient) -> dict[str, Any]:
    """A site with one of every object; their ids by name."""
    ok(client, "POST", "/api/sites", {"code": "s", "name": "S", "time_zone": "Europe/Bratislava"})
    root = "/api/sites/s"
    ids: dict[str, Any] = {"site": "s"}
    classes = {c["name"]: c["id"] for c in ok(client, "GET", f"{root}/classes")["items"]}
    ids["employee"] = classes["employee"]
    ids["class"] = ok(client, "POST", f"{root}/classes",
                      {"name": "contractor", "badge_type": "employee"})["id"]
    title = ok(client, "POST", f"{root}/titles",
               {"name": "Shift", "elements": ["A", "B"], "class_ids": [ids["employee"]]})
    ids["title"], ids["element"] = title["id"], title["elements"][0]["id"]
    ids["policy"] = ok(client, "POST", f"{root}/policies", {"name": "Day"})["id"]
    ids["group"] = ok(client, "POST", f"{root}/groups", {"name": "Factory"})["id"]
    ids["person"] = ok(client, "POST", f"{root}/persons", {
        "surname": "A", "name": "B", "class_id": ids["employee"], "group_id": ids["group"]})["id"]
    ids["room"] = ok(client, "POST", f"{root}/rooms", {"name": "Hall"})["id"]
    ids["room2"] = ok(client, "POST", f"{root}/rooms", {"name": "Office"})["id"]
    ids["location"] = ok(client, "POST", f"{root}/persons/{ids['person']}/locations",
                         {"name": "Desk 1"})["id"]
    door = ok(client, "POST", f"{root}/doors", {"name": "Gate", "to_room_id": ids["room"]})
    ids["door"] = door["id"]
    ids["entry"], ids["exit"] = (p["id"] for p in door["access_points"])
    ids["point_group"] = ok(client, "POST", f"{root}/access-point-groups", {"name": "All"})["id"]
    ids["member"] = ok(client, "POST", f"{root}/access-point-groups/{ids['point_group']}/members",
                       {"access_point_id": ids["entry"]})["id"]
    ids["controller"] = ok(client, "POST", f"{root}/controllers",
                           {"code": "c1", "name": "C1", "kind": "concentrator"})["id"]
    ids["reader"] = ok(client, "POST", f"{root}/controllers/{ids['controller']}/readers",
                       {"reader_no": 1, "access_point_id": ids["entry"]})["id"]
    ids["schedule"] = ok(client, "POST", f"{root}/schedules",
                         {"name": "Office", "kind": "weekly", "days": {"1": ["09:00-18:00"]}})["id"]
    ids["holiday_schedule"] = ok(client, "POST", f"{root}/schedules",
                                 {"name": "H", "kind": "holiday", "days": {"1": ["10:00-11:00"]}}
                                 )["id"]
    ids["holiday_list"] = ok(client, "POST", f"{root}/holiday-lists",
                             {"name": "SK", "holidays": [{"day": "2025-01-01"}]})["id"]
    ids["rule"] = ok(client, "POST", f"{root}/policies/{ids['policy']}/rules",
                     {"access_point_id": ids["entry"], "schedule_id": ids["schedule"]})["id"]
    ids["grant"] = ok(client, "POST", f"{root}/persons/{ids['person']}/policies",
                      {"policy_id": ids["policy"]})["id"]
    ids["badge"] = ok(client, "POST", f"{root}/badges", {"card": "H10301:1:1"})["id"]
    ok(client, "POST", f"{root}/badges/{ids['badge']}/issue", {"person_id": ids["person"]})
    ids["pool_badge"] = ok(client, "POST", f"{root}/badges", {"card": "H10301:1:5"})["id"]
    return ids


# The object a path parameter names, by the path segment in front of it.
SEGMENT_OBJECT = {
    "sites": "site", "classes": "class", "titles": "title", "elements": "element",
    "groups": "group", "persons": "person", "locations": "location", "badges": "badge",
    "rooms": "room", "doors": "door", "access-points": "entry",
    "access-point-groups": "point_group", "members": "member", "controllers": "controller",
    "readers": "reader", "schedules": "schedule", "holiday-lists": "holiday_list",
    "rules": "rule",
}


def fill(template: str, ids: dict[str, Any], unknown: str | None = None) -> str:
    """The URL of ``template`` with real ids (``unknown``: that parameter gets UNKNOWN_ID)."""
    parts = template.split("/")
    for index, part in enumerate(parts):
        match = re.fullmatch(r"\{(\w+)\}", part)
        if match is None:
            continue
        segment = parts[index - 1]
        if (segment, parts[index - 3]) == ("policies", "persons"):
            key = "grant"
        elif segment == "policies":
            key = "policy"
        elif segment == "badges" and parts[-1] == "issue":
            key = "pool_badge"  # only a card in the pool can be issued
        else:
            key = SEGMENT_OBJECT[segment]
        value = ids[key]
        if match.group(1) == unknown:
            value = "nowhere" if key == "site" else UNKNOWN_ID
        parts[index] = str(value)
    return "/".join(parts)


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with a top-level $ref followed."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def write_endpoints(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, request body schema) of every JSON write endpoint."""
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in WRITE_METHODS and (method, path) not in BINARY_ENDPOINTS:
                content = operation["requestBody"]["content"]["application/json"]
                yield method, path, resolve(spec, content["schema"])


def wrong_value(prop: dict[str, Any]) -> Any:
    """A JSON value of the wrong type for a property."""
    return {"string": 12345, "integer": "12", "boolean": "yes", "array": {"a": 1},
            "object": [1], "number": "1.5"}[prop.get("type", "string")]


def out_of_range(prop: dict[str, Any]) -> list[Any]:
    """Values just outside a property's documented bounds."""
    values: list[Any] = []
    if "maximum" in prop:
        values.append(prop["maximum"] + 1)
    if "minimum" in prop:
        values.append(prop["minimum"] - 1)
    if "maxLength" in prop:
        values.append("x" * (prop["maxLength"] + 1))
    if prop.get("type") == "integer":
        values.append(2**70)  # far outside any database column
    return values


@pytest.fixture
def arranged(client: FlaskClient) -> tuple[FlaskClient, dict[str, Any], dict[str, Any]]:
    """The client, the arranged ids, and the OpenAPI document."""
    spec = client.get("/api/openapi.json").json
    assert spec is not None
    return client, arrange(client), spec


def check(problems: list[str], label: str, response: Any, status: set[int],
          field: str | None = None, where: str = "json") -> None:
    """Record a problem unless ``response`` is one of ``status`` and names ``field``."""
    body = response.json
    if response.status_code not in status:
        problems.append(f"{label}: {response.status_code} {response.get_data(as_text=True)[:200]}")
    elif not isinstance(body, dict) or body.get("code") != response.status_code or (
        not body.get("message")
    ):
        problems.append(f"{label}: error body without code and message: {body}")
    elif field is not None and field not in (body.get("errors") or {}).get(where, {}):
        problems.append(f"{label}: the error does not name {field!r}: {body}")


def test_every_write_endpoint_has_a_valid_body(arranged: Any) -> None:
    client, ids, spec = arranged
    endpoints = {(method, path) for method, path, _ in write_endpoints(spec)}
    assert endpoints == set(VALID_BODIES), "VALID_BODIES must list exactly the write endpoints"
    # Withdrawing last: the other badge endpoints need the badge issued (a deactivation
    # withdraws too, and is accepted for a withdrawn badge: it goes after the withdrawal).
    def order(endpoint: tuple[str, str]) -> tuple[bool, bool, str]:
        return (endpoint[1].endswith("/deactivate"), endpoint[1].endswith("/withdraw"),
                endpoint[1])

    for method, path in sorted(endpoints, key=order):
        response = client.open(fill(path, ids), method=method, json=VALID_BODIES[method, path](ids))
        assert response.status_code in (200, 201), (method, path, response.json)


def test_malformed_and_non_object_bodies(arranged: Any) -> None:
    client, ids, spec = arranged
    problems: list[str] = []
    for method, path, _ in write_endpoints(spec):
        url = fill(path, ids)
        label = f"{method.upper()} {path}"
        for raw in ("{not json", '{"a": ', "\xff"):
            response = client.open(url, method=method, data=raw, content_type="application/json")
            check(problems, f"{label} malformed {raw!r}", response, {400})
        for body in ([1, 2], "text", 7, None):
            response = client.open(
                url, method=method, data=json.dumps(body), content_type="application/json"
            )
            check(problems, f"{label} body {body!r}", response, {400, 422})
        response = client.open(url, method=method, json={"no_such_field": 1})
        check(problems, f"{label} unknown field", response, {422}, "no_such_field")
    assert not problems, "\n".join(problems)


def test_wrong_types_and_out_of_range_values(arranged: Any) -> None:
    client, ids, spec = arranged
    problems: list[str] = []
    for method, path, schema in write_endpoints(spec):
        url = fill(path, ids)
        for field, prop in schema.get("properties", {}).items():
            if prop.get("readOnly"):
                continue
            bad_values = [wrong_value(prop), *out_of_range(prop)]
            if prop.get("type") == "integer":
                bad_values += [True, 1.5]
            if prop.get("type") == "string":
                bad_values.append("a\x00b")  # PostgreSQL cannot store NUL in text
            for value in bad_values:
                body = {**VALID_BODIES[method, path](ids), field: value}
                response = client.open(url, method=method, json=body)
                check(problems, f"{method.upper()} {path} {field}={value!r}", response, {422},
                      field)
    assert not problems, "\n".join(problems)


def test_unknown_ids_in_paths_and_bodies(arranged: Any) -> None:
    client, ids, spec = arranged
    problems: list[str] = []
    for method, path, schema in write_endpoints(spec):
        body = VALID_BODIES[method, path](ids)
        for parameter in re.findall(r"\{(\w+)\}", path):
            response = client.open(fill(path, ids, unknown=parameter), method=method, json=body)
            check(problems, f"{method.upper()} {path} unknown {parameter}", response, {404})
        for field, prop in schema.get("properties", {}).items():
            if field.endswith("_id") and prop.get("type") == "integer" and field in body:
                response = client.open(
                    fill(path, ids), method=method, json={**body, field: UNKNOWN_ID}
                )
                check(problems, f"{method.upper()} {path} {field}={UNKNOWN_ID}", response, {404})
    assert not problems, "\n".join(problems)


def test_photo_upload_rejects_bad_bodies(arranged: Any) -> None:
    client, ids, _ = arranged
    problems: list[str] = []
    url = fill("/api/sites/{site}/persons/{person_id}/photo", ids)
    for data, media in ((b"", "image/png"), (b"GIF89a", "image/gif"), (b"x", "")):
        check(problems, f"photo {media!r}", client.put(url, data=data, content_type=media), {422})
    unknown = fill("/api/sites/{site}/persons/{person_id}/photo", ids, unknown="person_id")
    check(problems, "photo of nobody", client.put(unknown, data=b"x", content_type="image/png"),
          {404})
    assert not problems, "\n".join(problems)


def test_bad_paging_and_filters_on_every_list(arranged: Any) -> None:
    client, ids, spec = arranged
    problems: list[str] = []
    lists = [
        path for path, operations in spec["paths"].items()
        if "get" in operations and any(
            p.get("name") == "limit" for p in operations["get"].get("parameters", [])
        )
    ]
    assert len(lists) >= 15
    for path in lists:
        url = fill(path, ids)
        for query, field in (("limit=0", "limit"), ("limit=abc", "limit"),
                             ("limit=100000", "limit"), ("offset=-1", "offset"),
                             ("offset=99999999999999999999", "offset")):
            check(problems, f"GET {path}?{query}", client.get(f"{url}?{query}"), {422}, field,
                  where="query")
        if "{site}" in path:
            check(problems, f"GET {path} unknown site", client.get(fill(path, ids, "site")), {404})
    for query, field in (("group_id=abc", "group_id"), ("class_id=0", "class_id"),
                         ("element_id=x", "element_id")):
        response = client.get(f"/api/sites/s/persons?{query}")
        check(problems, f"persons?{query}", response, {422}, field, where="query")
    assert not problems, "\n".join(problems)
