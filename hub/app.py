"""The Flask application factory.

``create_app()`` wires configuration, the database engine and a session per request
(application context). Feature blueprints (REST API, web UI) register themselves on top;
they reach the database through ``db_session()``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.api import init_api
from hub.auth.config import AuthConfig
from hub.badges.pins import KEY_FILE_NAME, PinVault, key_from_text, load_or_create_key_file
from hub.config import HubConfig
from hub.db import make_engine, make_session_factory, normalize_url, upgrade, writing_session
from hub.sync.runtime import start_sync

log = logging.getLogger(__name__)

EXTENSION_KEY = "vratnik"


@dataclass
class HubState:
    """What one app instance shares between requests."""

    config: HubConfig
    database_url: str
    engine: Engine
    sessions: sessionmaker[Session]
    pin_key_file: Path
    _pins: PinVault | None = field(default=None, repr=False)

    def pins(self) -> PinVault:
        """The vault that seals and opens badge PINs (services setting PINs and the compiler
        loader need it). Without a configured key, the key file is created on first use, so
        an app that never handles a PIN writes none."""
        if self._pins is None:
            if self.config.pin_key:
                key = key_from_text(self.config.pin_key)
            else:
                key = load_or_create_key_file(self.pin_key_file)
            self._pins = PinVault(key)
        return self._pins


def create_app(config: HubConfig | None = None) -> Flask:
    """A hub app; without a config it reads ``VRATNIK_*`` environment variables."""
    settings = config if config is not None else HubConfig.from_env()
    app = Flask("hub", instance_relative_config=True, instance_path=settings.instance_path)
    if settings.pin_key:
        key_from_text(settings.pin_key)  # a malformed key fails at start, not at first PIN
    url = settings.resolved_database_url(app.instance_path)
    if normalize_url(url).get_backend_name() == "sqlite":
        database = normalize_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    if settings.migrate_on_start:
        upgrade(url)
    engine = make_engine(url, echo=settings.sql_echo)
    app.extensions[EXTENSION_KEY] = HubState(
        config=settings,
        database_url=url,
        engine=engine,
        sessions=make_session_factory(engine),
        pin_key_file=Path(app.instance_path) / KEY_FILE_NAME,
    )
    app.teardown_appcontext(_close_session)
    # Login and rights first: their guard runs before every API and UI request. (Imported
    # here: the guard itself uses db_session from this module.)
    from hub.auth.web import init_auth  # noqa: PLC0415

    init_auth(app, settings.auth if settings.auth is not None else AuthConfig.from_env())
    init_api(app)
    from hub.ui import init_ui  # noqa: PLC0415 - the web UI's views use db_session too

    init_ui(app)
    if settings.sync is not None:
        state = hub_state(app)
        start_sync(app, settings.sync, state.sessions, state.pins)
    log.info("hub app created (database backend %s)", engine.dialect.name)
    return app


def hub_state(app: Flask | None = None) -> HubState:
    """The shared state of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    state = target.extensions.get(EXTENSION_KEY)
    if not isinstance(state, HubState):
        raise RuntimeError("this Flask app was not made by hub.app.create_app")
    return state


def db_session() -> Session:
    """The session of the current application context (one per request), created on first use.

    Views commit it themselves; whatever is not committed is rolled back at teardown.
    """
    session = g.get("db_session")
    if session is None:
        state = hub_state()
        if has_request_context() and request.method not in _READ_ONLY_METHODS:
            # a changing request reads then writes: take SQLite's write lock at BEGIN, so
            # the sync worker committing in between makes it wait, not fail (hub.db.writing)
            session = writing_session(state.sessions)
        else:
            session = state.sessions()
        g.db_session = session
    if not isinstance(session, Session):
        raise RuntimeError("g.db_session is not a SQLAlchemy session")
    return session


_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if isinstance(session, Session):
        session.close()
