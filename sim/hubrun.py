"""The hub the simulator and the demo run: the real Flask app, SQLite, the embedded broker.

:class:`SimHub` starts ``hub.app.create_app`` with the sync service on (the embedded
amqtt broker on a free port), serves it over HTTP with werkzeug's threaded server in a
background thread, imports the site document when the database does not hold the site
yet, compiles the lists and hands each controller its device key. Everything it starts
it stops again in :meth:`SimHub.stop`.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import BaseWSGIServer, make_server

from hub.access.models import Controller
from hub.app import create_app, hub_state
from hub.config import HubConfig
from hub.errors import HubError
from hub.sites.models import Site
from hub.sync.keys import current_key
from hub.sync.runtime import service_of, stop_sync
from hub.sync.service import SyncService
from hub.sync.settings import SyncSettings
from hub.transfer.errors import TransferError
from hub.transfer.importer import import_site
from sim.errors import SimError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Provision:
    """What a controller's agent needs from the hub: its identity, device key, and broker
    account (None: the broker takes anonymous clients, as the embedded one does)."""

    site: str
    controller: str
    controller_id: int
    key_id: str
    key: bytes = field(repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def _http_server(host: str, port: int, app: Flask) -> BaseWSGIServer:
    """werkzeug's threaded server, or OSError (werkzeug itself exits on a taken port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))  # raises EADDRINUSE here instead of SystemExit there
    return make_server(host, port, app, threaded=True)


class SimHub:
    """A hub in this process, on an SQLite file under ``folder``."""

    def __init__(self, folder: Path, *, http_host: str = "127.0.0.1", http_port: int = 0,
                 broker_port: int = 0, database_url: str | None = None) -> None:
        self.folder = folder
        self.http_host = http_host
        self.http_port = http_port
        self.broker_port = broker_port
        self.database_url = database_url or f"sqlite:///{folder / 'vratnik.db'}"
        self.app: Flask | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> SimHub:
        """Create the app (migrating the database), start sync and the HTTP server."""
        self.folder.mkdir(parents=True, exist_ok=True)
        settings = HubConfig(
            database_url=self.database_url, instance_path=str(self.folder.resolve()),
            sync=SyncSettings(embedded_port=self.broker_port, client_id="vratnik-hub-sim"))
        try:
            self.app = create_app(settings)
            self._server = _http_server(self.http_host, self.http_port, self.app)
        except (HubError, OSError) as err:
            self.stop()
            hint = ""
            if isinstance(err, OSError) and err.errno == errno.EADDRINUSE:
                hint = f" (port {self.http_port} is taken: choose another, or 0 for any)"
            raise SimError(f"the hub did not start: {err}{hint}") from err
        self.http_port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="sim-hub-http",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()
        log.info("hub on %s (database %s)", self.url, self.database_url)
        return self

    def stop(self) -> None:
        """Stop the HTTP server, the sync service and its broker; dispose of the engine."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self.app is not None:
            stop_sync(self.app)
            hub_state(self.app).engine.dispose()
            self.app = None

    @property
    def url(self) -> str:
        return f"http://{self.http_host}:{self.http_port}"

    @property
    def sessions(self) -> sessionmaker[Session]:
        return hub_state(self._app).sessions

    @property
    def service(self) -> SyncService:
        service = service_of(self._app)
        if service is None:
            raise SimError("the hub's sync service is not running")
        return service

    @property
    def broker(self) -> tuple[str, int]:
        """Where the controllers connect: the embedded broker's host and port."""
        address = self.service.address
        if address is None:
            raise SimError("the hub's sync service has no broker")
        return address.host, address.port

    @property
    def _app(self) -> Flask:
        if self.app is None:
            raise SimError("the hub is not running")
        return self.app

    # -- the site --------------------------------------------------------------------------
    def ensure_site(self, document: dict[str, Any]) -> tuple[int, bool]:
        """Import ``document`` unless its site exists; (site id, imported now)."""
        code = str(document.get("site", {}).get("code", ""))
        with self.sessions() as session:
            found = session.scalar(select(Site.id).where(Site.code == code))
            if found is not None:
                return found, False
            try:
                site = import_site(session, document)
                session.commit()
            except TransferError as err:
                raise SimError("the site document was refused:\n  "
                               + "\n  ".join(err.problems)) from err
            except HubError as err:
                raise SimError(f"the site could not be imported: {err}") from err
            return site.id, True

    def compile_and_sync(self, site_id: int) -> None:
        """Compile the site's lists and connect its broker link (manifests go out)."""
        self.service.refresh_site(site_id)

    def provision(self, site_code: str) -> dict[str, Provision]:
        """Every controller of the site with its current device key, by code."""
        found: dict[str, Provision] = {}
        with self.sessions() as session:
            rows = session.execute(
                select(Controller.id, Controller.code).join(Site, Site.id == Controller.site_id)
                .where(Site.code == site_code))
            for controller_id, code in rows:
                key = current_key(session, controller_id)
                found[code] = Provision(site_code, code, controller_id, key.kid, key.key)
            session.commit()  # a first look creates the key
        return found
