"""The work behind ``vratnik hub export`` and ``vratnik hub import``."""

from __future__ import annotations

import logging

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import make_engine, upgrade
from hub.errors import HubError
from hub.sites.models import Site
from hub.sites.services import get_site_by_code
from hub.transfer.errors import TransferError
from hub.transfer.export import dumps, export_site
from hub.transfer.files import read_document, write_text
from hub.transfer.importer import import_site

log = logging.getLogger(__name__)


def _site(session: Session, code: str | None) -> Site:
    if code is not None:
        return get_site_by_code(session, code)
    sites = list(session.scalars(select(Site).order_by(Site.code)))
    if len(sites) == 1:
        return sites[0]
    if not sites:
        raise click.ClickException("the database has no site to export")
    codes = ", ".join(site.code for site in sites)
    raise click.ClickException(f"the database has several sites ({codes}): choose one with --site")


def export_to(database_url: str, site_code: str | None, file: str, *, photos: bool) -> None:
    """Export one site of the database to ``file``."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            try:
                site = _site(session, site_code)
            except HubError as err:
                raise click.ClickException(err.message) from err
            text = dumps(export_site(session, site, photos=photos))
        write_text(file, text)
    finally:
        engine.dispose()
    if file != "-":
        click.echo(f"site {site.code!r} exported to {file}")


def import_from(database_url: str, file: str) -> None:
    """Import the site in ``file`` into the database, in one transaction."""
    try:
        document = read_document(file)
    except TransferError as err:
        raise click.ClickException(err.message) from err
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            try:
                site = import_site(session, document)
            except HubError as err:
                # Leaving the block with an error rolls back everything imported so far.
                raise click.ClickException(f"nothing was imported: {err.message}") from err
            code = site.code
    finally:
        engine.dispose()
    click.echo(f"site {code!r} imported from {file}")
