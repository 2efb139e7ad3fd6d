"""A typed front for flask-smorest blueprints: one decorator per endpoint.

flask-smorest ships no type information, so its decorators would make every view untyped
under strict mypy. ``ApiBlueprint.endpoint`` composes route + arguments + response (+ the
documented error responses) once, here, and hands the view function back unchanged, so the
views stay typed and directly callable.

Parsed input reaches a view as keyword arguments: ``body`` (the JSON body) and ``query``
(the query string), each a ``dict`` loaded by its marshmallow schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, TypeVar

from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema

F = TypeVar("F", bound=Callable[..., Any])
SchemaArg = type[Schema] | Schema

# Errors every endpoint may answer (bad path ids, clashes); 422 is added by arguments.
COMMON_ERRORS = (HTTPStatus.NOT_FOUND,)


class ApiBlueprint:
    """A group of REST endpoints (one resource) under ``url_prefix``."""

    def __init__(self, name: str, import_name: str, *, url_prefix: str, description: str) -> None:
        self.name = name
        self.smorest: Any = SmorestBlueprint(
            name, import_name, url_prefix=url_prefix, description=description
        )

    def endpoint(
        self,
        method: str,
        rule: str,
        *,
        body: SchemaArg | None = None,
        query: SchemaArg | None = None,
        response: SchemaArg | None = None,
        status: int = HTTPStatus.OK,
        errors: Sequence[int] = (),
    ) -> Callable[[F], F]:
        """Register the decorated function as ``method rule``.

        ``body``/``query``: schemas that load the JSON body / query string (passed to the
        view as ``body=`` / ``query=``); ``response``: the schema that dumps what the view
        returns with ``status``; ``errors``: other documented statuses (404 always).
        """
        blueprint = self.smorest

        def decorate(func: F) -> F:
            view: Any = func
            view = blueprint.response(status, response)(view)
            for code in sorted({*COMMON_ERRORS, *errors}):
                view = blueprint.alt_response(code, response=HTTPStatus(code).name)(view)
            if query is not None:
                view = blueprint.arguments(query, location="query", arg_name="query")(view)
            if body is not None:
                view = blueprint.arguments(body, location="json", arg_name="body")(view)
            blueprint.route(rule, methods=[method], endpoint=func.__name__)(view)
            return func

        return decorate

    def raw_endpoint(
        self,
        method: str,
        rule: str,
        *,
        content_type: str | None = None,
        status: int = HTTPStatus.OK,
        errors: Sequence[int] = (),
        description: str = "",
        request_types: Sequence[str] = (),
    ) -> Callable[[F], F]:
        """Register a view that returns a ready Flask response (e.g. a photo's bytes).

        ``content_type``: media type of the response body (None: no body);
        ``request_types``: media types of a raw request body the view reads itself.
        """
        blueprint = self.smorest

        def decorate(func: F) -> F:
            view: Any = func
            if request_types:
                binary = {"schema": {"type": "string", "format": "binary"}}
                view = blueprint.doc(
                    requestBody={
                        "required": True,
                        "content": {media: binary for media in request_types},
                    }
                )(view)
            if content_type is None:  # no body (204)
                success: dict[str, Any] = {}
            else:
                success = {
                    "schema": {"type": "string", "format": "binary"},
                    "content_type": content_type,
                }
            view = blueprint.alt_response(
                status,
                description=description or HTTPStatus(status).phrase,
                success=True,
                **success,
            )(view)
            for code in sorted({*COMMON_ERRORS, *errors}):
                view = blueprint.alt_response(code, response=HTTPStatus(code).name)(view)
            blueprint.route(rule, methods=[method], endpoint=func.__name__)(view)
            return func

        return decorate
