"""The web UI's blueprint and the one way its pages are declared: with the right they need.

``@page(rule, needs=...)`` registers a view *and* its entry in hub.rights.endpoints'
table, so no page exists without a decision about who may open it; the guard
(hub.auth.web) enforces it before the view runs, for GET and POST alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import Blueprint

from hub.rights.endpoints import UI_RULES
from hub.rights.rules import Rule

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint(
    "ui",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/ui-static",
)


def page(rule: str, *, needs: Rule, methods: Sequence[str] = ("GET",),
         endpoint: str | None = None) -> Callable[[F], F]:
    """Register the decorated view at ``rule`` for ``methods``, open to users ``needs``
    lets in."""

    def decorate(view: F) -> F:
        name = endpoint or view.__name__
        bp.add_url_rule(rule, name, view, methods=list(methods))
        UI_RULES[f"{bp.name}.{name}"] = needs
        return view

    return decorate
