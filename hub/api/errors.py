"""Every error of the REST API becomes one JSON shape, decided here and only here.

The body is ``{"code", "status", "message", "errors"}``; ``errors`` names each bad field
under the part of the request it came from (``{"json": {"surname": ["must not be empty"]}}``,
``{"query": {...}}``, ``{"path": {...}}``), as webargs does for schema validation.

The hub's service errors map to statuses once: NotFound -> 404, Invalid -> 422 (with its
field), Conflict -> 409. A database constraint the services did not check first (a race,
or a rule only the database knows) is still the client's problem, not a crash: 409.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from hub.errors import Conflict, HubError, Invalid, NotFound

log = logging.getLogger(__name__)

API_PREFIX = "/api/"


def error_body(
    status: int, message: str, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON body of an error response."""
    body: dict[str, Any] = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "message": message,
    }
    if errors:
        body["errors"] = errors
    return body


def error_response(
    status: int, message: str, errors: dict[str, Any] | None = None
) -> tuple[Response, int]:
    """A Flask response carrying :func:`error_body`."""
    return jsonify(error_body(status, message, errors)), status


def hub_error_status(error: HubError) -> int:
    """The HTTP status of a service error."""
    if isinstance(error, NotFound):
        return HTTPStatus.NOT_FOUND
    if isinstance(error, Invalid):
        return HTTPStatus.UNPROCESSABLE_ENTITY
    if isinstance(error, Conflict):
        return HTTPStatus.CONFLICT
    return HTTPStatus.BAD_REQUEST


def handle_hub_error(error: HubError) -> tuple[Response, int]:
    """A service refused the request: say what and, where known, which field."""
    status = hub_error_status(error)
    fields: dict[str, Any] | None = None
    if isinstance(error, Invalid):
        fields = {"json": {error.field: [error.detail]}}
    elif isinstance(error, Conflict) and error.field:
        fields = {"json": {error.field: [error.message]}}
    return error_response(status, error.message, fields)


def handle_integrity_error(error: IntegrityError) -> tuple[Response, int]:
    """A database constraint refused the change (a duplicate or a dangling reference)."""
    # The driver's text names constraints and values; log it, answer in plain words.
    log.info("database refused a change: %s", error.orig)
    return error_response(
        HTTPStatus.CONFLICT,
        "the change clashes with existing data (a duplicate name or number, or a "
        "reference to something in use or missing)",
    )


def handle_data_error(error: DataError) -> tuple[Response, int]:
    """The database could not store a value (too long, out of range)."""
    log.info("database refused a value: %s", error.orig)
    return error_response(
        HTTPStatus.UNPROCESSABLE_ENTITY, "a value is too long or out of range for the database"
    )


def http_error_body(error: HTTPException) -> dict[str, Any]:
    """The JSON body of an HTTP error raised by Flask, webargs or ``abort``."""
    status = error.code or HTTPStatus.INTERNAL_SERVER_ERROR
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    message = data.get("message") or _http_message(status, errors)
    return error_body(status, message, errors if isinstance(errors, dict) else None)


def _http_message(status: int, errors: object) -> str:
    if status == HTTPStatus.UNPROCESSABLE_ENTITY and errors:
        return "the request has invalid fields: see errors"
    if status == HTTPStatus.BAD_REQUEST and errors:
        return "the request could not be read: see errors"
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        return "this method is not allowed here"
    if status == HTTPStatus.NOT_FOUND:
        return "no such resource"
    return HTTPStatus(status).phrase


def is_api_request() -> bool:
    """Whether the current request is for the REST API (not the web UI)."""
    return request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")


def register_error_handlers(app: Flask) -> None:
    """Install the service and database error handlers (the HTTP one is on the Api)."""

    def on_hub_error(error: HubError) -> Any:
        if not is_api_request():
            return error.message, hub_error_status(error)
        return handle_hub_error(error)

    def on_integrity_error(error: IntegrityError) -> Any:
        if not is_api_request():
            raise error
        return handle_integrity_error(error)

    def on_data_error(error: DataError) -> Any:
        if not is_api_request():
            raise error
        return handle_data_error(error)

    app.register_error_handler(HubError, on_hub_error)
    app.register_error_handler(IntegrityError, on_integrity_error)
    app.register_error_handler(DataError, on_data_error)
