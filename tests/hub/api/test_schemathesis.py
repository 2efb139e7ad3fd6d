"""Property-based requests from the hub's own OpenAPI document (schemathesis).

For every operation the document describes, schemathesis generates requests (valid and
invalid ones: negative data included) and the hub must never answer with a server error.
A bounded run: a few examples per operation, on both database backends, inside the
client's rolled-back transaction. Path parameters naming a site point at an existing one.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.hub.api.helpers import ok

EXAMPLES_PER_OPERATION = 2


def run_operation(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """Run generated cases of one operation; a description of the first failure."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), database=None)
    def exercise(case: Any) -> None:
        if "site" in (case.path_parameters or {}):
            case.path_parameters["site"] = "s"
        case.call_and_validate(checks=[not_a_server_error], headers=headers)

    try:
        exercise()
    except Unsatisfiable:
        return None  # nothing to make invalid (e.g. only a free-text path parameter)
    except Exception as err:
        return f"{operation.label} ({mode.value} data): {err}"
    return None


def test_no_server_errors(app: Flask, client: FlaskClient) -> None:
    ok(client, "POST", "/api/sites", {"code": "s", "name": "S", "time_zone": "UTC"}, 201)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 80
    # Every request as the administrator (the client's API token): without it all would be 401.
    headers = {"Authorization": client.environ_base["HTTP_AUTHORIZATION"]}
    runs = (run_operation(op, mode, headers) for op in operations for mode in GenerationMode)
    failures = [failure for failure in runs if failure is not None]
    assert not failures, "\n\n".join(failures)
