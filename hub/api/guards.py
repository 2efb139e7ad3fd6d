"""Checks every JSON request body of the API gets before any schema sees it.

webargs reads a JSON ``null`` body as "no body", so a PATCH of ``null`` would silently
change nothing; and PostgreSQL refuses NUL characters in text with a driver error rather
than a message about the field. Both are the client's mistake and answered here with a
422 that says where.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, request
from werkzeug.exceptions import BadRequest

from hub.api.errors import error_response, is_api_request
from hub.api.schemas import ID_MAX
from hub.errors import NotFound

BODY_METHODS = {"POST", "PUT", "PATCH"}


def nul_path(value: Any, path: str = "") -> str | None:
    """The path of the first text (key or value) holding a NUL character, else None."""
    if isinstance(value, str):
        return path or "_schema" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            found = nul_path(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def check_json_body() -> tuple[Response, int] | None:
    """``before_request``: refuse JSON bodies that are not objects or contain NUL text."""
    if request.method not in BODY_METHODS or not request.is_json or not is_api_request():
        return None
    if not request.get_data(cache=True):
        return None  # no body at all: the schema reports the missing fields
    try:
        body = request.get_json()
    except BadRequest:
        return None  # malformed JSON: webargs answers 400 "Invalid JSON body."
    if not isinstance(body, dict):
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "the request body must be a JSON object",
            {"json": {"_schema": [f"expected an object, got {type(body).__name__}"]}},
        )
    where = nul_path(body)
    if where is not None:
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            f"{where}: text must not contain NUL characters",
            {"json": {where: ["text must not contain NUL characters"]}},
        )
    return None


def bounded_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """``url_value_preprocessor``: an id in an API path beyond any database id is unknown.

    Flask's ``int`` converter takes any size, and SQLite cannot even bind a number past
    2**63, so such a path would otherwise fail inside the driver.
    """
    if not is_api_request():
        return
    for name, value in (values or {}).items():
        if isinstance(value, int) and not 0 < value <= ID_MAX:
            raise NotFound(name.removesuffix("_id").replace("_", " "), value)
