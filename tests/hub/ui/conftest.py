"""Web UI fixtures (tests/hub/auth_fixtures.py): an app per backend, browsers, users."""

from __future__ import annotations

from tests.hub.auth_fixtures import browser, web_app, web_sessions

__all__ = ["browser", "web_app", "web_sessions"]
