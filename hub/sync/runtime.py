"""The sync service of a Flask app: started by create_app when configured, found by views.

``start_sync(app, settings)`` builds a :class:`SyncService` on the app's database and PIN
vault, starts it and keeps it in ``app.extensions``; ``stop_sync(app)`` stops it (also
registered with atexit, so ``vratnik hub serve`` leaves nothing running behind it).
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker

from hub.badges.pins import PinVault
from hub.sync.service import SyncService
from hub.sync.settings import SyncSettings

log = logging.getLogger(__name__)

EXTENSION_KEY = "vratnik.sync"


def start_sync(app: Flask, settings: SyncSettings, sessions: sessionmaker[Session],
               pins: Callable[[], PinVault | None]) -> SyncService:
    """Start the sync service of ``app`` (once) on its database and PIN vault."""
    running = service_of(app)
    if running is not None:
        return running
    service = SyncService(sessions, settings, pins).start()
    app.extensions[EXTENSION_KEY] = service
    atexit.register(service.stop)
    return service


def stop_sync(app: Flask) -> None:
    """Stop the app's sync service, if it runs."""
    service = app.extensions.pop(EXTENSION_KEY, None)
    if isinstance(service, SyncService):
        service.stop()
        atexit.unregister(service.stop)


def service_of(app: Flask | None = None) -> SyncService | None:
    """The running sync service of ``app`` (default: the current app), or None."""
    target = app if app is not None else current_app
    service = target.extensions.get(EXTENSION_KEY)
    return service if isinstance(service, SyncService) and service.started else None
