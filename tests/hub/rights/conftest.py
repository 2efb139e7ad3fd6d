"""Web fixtures for the rights tests (tests/hub/auth_fixtures.py)."""

from __future__ import annotations

from tests.hub.auth_fixtures import browser, web_app, web_sessions

__all__ = ["browser", "web_app", "web_sessions"]
