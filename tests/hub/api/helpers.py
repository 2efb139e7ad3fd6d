"""Small helpers for API tests: requests that must succeed, returning their JSON."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient


def ok(client: FlaskClient, method: str, url: str, body: Any = None, status: int = 0) -> Any:
    """Send a request that must succeed (2xx, or exactly ``status``); its JSON body."""
    response = client.open(url, method=method, json=body)
    expected = status or response.status_code
    assert 200 <= response.status_code < 300 and response.status_code == expected, (
        method, url, response.status_code, response.get_data(as_text=True)
    )
    return response.json


def fail(client: FlaskClient, method: str, url: str, body: Any, status: int) -> dict[str, Any]:
    """Send a request that must fail with ``status``; its JSON error body."""
    response = client.open(url, method=method, json=body)
    assert response.status_code == status, (
        method, url, response.status_code, response.get_data(as_text=True)
    )
    assert response.json is not None
    data: dict[str, Any] = response.json
    assert data["code"] == status
    return data
