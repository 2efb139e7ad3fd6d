"""A real hub that runs on its own: the simulated controllers join it instead of a hub of ours.

With ``[hub] database = ...`` a scenario commissions a site of an installed hub before
its hardware arrives: the simulator reads the site from that hub's database (the same
document ``vratnik hub export`` writes), gives each simulated controller its device key
from there (and, with ``accounts = true``, the broker account ``vratnik hub
broker-config`` made for it), points the agents at the hub's broker and reads the events
back from the database. It never imports, compiles or starts anything on that hub.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.access.models import Controller
from hub.db import make_engine, make_session_factory
from hub.errors import HubError
from hub.sites.models import Site
from hub.sync.keys import current_key, sync_row
from hub.sync.settings import BrokerAddress, SettingsError
from hub.transfer.export import export_site
from sim.errors import SimError
from sim.hubrun import Provision


class ExternalHub:
    """The database and broker of a hub that is already running."""

    def __init__(self, database_url: str, broker_url: str, site: str, *,
                 accounts: bool = False) -> None:
        try:
            address = BrokerAddress.parse(broker_url)
        except SettingsError as err:
            raise SimError(f"hub.broker: {err}") from err
        if address.tls:
            raise SimError("hub.broker: the simulator connects without TLS (mqtt://); give "
                           "the hub broker's plain loopback listener")
        self.broker = (address.host, address.port)
        self.site_code = site
        self.accounts = accounts
        self.url = database_url
        self._engine = make_engine(database_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self._engine)

    def document(self) -> dict[str, Any]:
        """The site as a document (``vratnik hub export``), SimError if it is not there."""
        try:
            with self.sessions() as session:
                site = session.scalar(select(Site).where(Site.code == self.site_code))
                if site is None:
                    codes = ", ".join(session.scalars(select(Site.code))) or "none"
                    raise SimError(f"hub.site: the hub has no site {self.site_code!r} "
                                   f"(sites: {codes})")
                return export_site(session, site)
        except (SQLAlchemyError, HubError) as err:
            raise SimError(f"hub.database: cannot read the site: {err}") from err

    def ensure_site(self, _document: dict[str, Any]) -> tuple[int, bool]:
        """The site's id (it exists: :meth:`document` read it); never imports."""
        with self.sessions() as session:
            site_id = session.scalar(select(Site.id).where(Site.code == self.site_code))
        if site_id is None:
            raise SimError(f"hub.site: the hub has no site {self.site_code!r}")
        return site_id, False

    def compile_and_sync(self, _site_id: int) -> None:
        """Nothing: the running hub compiles and rolls out its lists itself."""

    def provision(self, site_code: str) -> dict[str, Provision]:
        """Each controller's device key (and broker account) from the hub's database."""
        found: dict[str, Provision] = {}
        with self.sessions() as session:
            rows = session.execute(
                select(Controller.id, Controller.code).join(Site, Site.id == Controller.site_id)
                .where(Site.code == site_code))
            for controller_id, code in rows:
                key = current_key(session, controller_id)
                username = password = None
                if self.accounts:
                    username = f"{site_code}.{code}"
                    password = sync_row(session, controller_id).broker_password
                found[code] = Provision(site_code, code, controller_id, key.kid, key.key,
                                        username, password)
            session.commit()  # a controller never synced before gets its key now
        return found

    def stop(self) -> None:
        self._engine.dispose()
