"""Privacy on the way out: users who see only the main data of persons (manual 003) get
REST answers about persons cut down to those fields."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from flask import Response

# The REST endpoints whose answers are persons (one, or a page of them).
PERSON_ENDPOINTS = frozenset({"persons.list_persons", "persons.get", "persons.create",
                              "persons.patch"})


def keep_fields(person: Any, fields: Collection[str]) -> Any:
    """A person's JSON object with only ``fields`` (anything else passes unchanged)."""
    if not isinstance(person, dict):
        return person
    return {key: value for key, value in person.items() if key in fields}


def redact_persons(response: Response, fields: Collection[str]) -> Response:
    """Cut the persons in a JSON answer (a person or a page of them) to ``fields``."""
    if not response.is_json:
        return response
    data = response.get_json(silent=True)
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data["items"] = [keep_fields(item, fields) for item in data["items"]]
    elif isinstance(data, dict) and "surname" in data:
        data = keep_fields(data, fields)
    else:
        return response
    response.set_data(json.dumps(data, ensure_ascii=False))
    return response
