"""``vratnik hub``: run the hub, migrate its database, import and export a site.

The database comes from ``--database`` (or ``VRATNIK_DATABASE_URL``); without either it is
an SQLite file under ``./var/``, so one command works on a fresh checkout.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import click

from hub.app import create_app
from hub.auth.cli import admin_password
from hub.broker.cli import broker_config
from hub.config import HubConfig
from hub.db import normalize_url, upgrade
from hub.sync.settings import SyncSettings
from hub.transfer.cli import export_to, import_from

DEFAULT_INSTANCE = "var"
DEFAULT_DATABASE = f"sqlite:///{DEFAULT_INSTANCE}/vratnik.db"

database_option = click.option(
    "--database",
    "database_url",
    envvar="VRATNIK_DATABASE_URL",
    default=DEFAULT_DATABASE,
    show_default=True,
    help="SQLAlchemy URL of the hub database (sqlite:///PATH or postgresql://...).",
)


def _prepare_sqlite_folder(url: str) -> None:
    """Create the folder of an SQLite database file (``var/`` on a fresh checkout)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)


@click.group()
def hub() -> None:
    """Run and administer the hub server."""


@hub.command()
@database_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--debug/--no-debug", default=False, help="Flask debug mode (development only).")
@click.option("--sync/--no-sync", default=True, show_default=True,
              help="Sync with the controllers over MQTT: the embedded broker unless "
                   "VRATNIK_MQTT_URL names one (docs/sync.md).")
def serve(database_url: str, host: str, port: int, debug: bool, sync: bool) -> None:
    """Serve the hub (REST API under /api) with Flask's development server."""
    _prepare_sqlite_folder(database_url)
    settings = HubConfig.from_env()
    if sync and settings.sync is None:
        settings = replace(settings, sync=SyncSettings.from_env({**os.environ,
                                                                 "VRATNIK_SYNC": "1"}))
    elif not sync:
        settings = replace(settings, sync=None)
    # Keep the PIN key file next to the default database unless told otherwise.
    instance = settings.instance_path or str(Path(DEFAULT_INSTANCE).resolve())
    app = create_app(replace(settings, database_url=database_url, instance_path=instance))
    click.echo(f"hub on http://{host}:{port}/api (OpenAPI: /api/openapi.json)")
    app.run(host=host, port=port, debug=debug, use_reloader=False)


@hub.command()
@database_option
def migrate(database_url: str) -> None:
    """Create or upgrade the database schema to the newest version."""
    _prepare_sqlite_folder(database_url)
    upgrade(database_url)
    click.echo("database is up to date")


@hub.command(name="export")
@database_option
@click.option("--site", "site_code", help="Code of the site to export (needed if several).")
@click.option("--photos/--no-photos", default=False, help="Include photos (base64).")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def export_command(database_url: str, site_code: str | None, photos: bool, file: str) -> None:
    """Write a whole site's configuration to FILE as JSON ('-' for standard output)."""
    _prepare_sqlite_folder(database_url)
    export_to(database_url, site_code, file, photos=photos)


@hub.command(name="import")
@database_option
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def import_command(database_url: str, file: str) -> None:
    """Create a site from FILE (made by export); all of it or nothing."""
    _prepare_sqlite_folder(database_url)
    import_from(database_url, file)


@hub.command(name="broker-config")
@database_option
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for mosquitto.conf, passwd, acl and credentials.json.")
@click.option("--port", default=8883, show_default=True, type=click.IntRange(1, 65535))
@click.option("--bind", default="0.0.0.0", show_default=True,  # noqa: S104 - a broker serves the network
              help="Address to listen on.")
@click.option("--cafile", help="CA certificate (TLS).")
@click.option("--certfile", help="The broker's certificate (TLS).")
@click.option("--keyfile", help="The broker's private key (TLS).")
@click.option("--prefix", default="vratnik", show_default=True, help="Topic prefix.")
def broker_config_command(database_url: str, out: str, port: int, bind: str,
                          cafile: str | None, certfile: str | None, keyfile: str | None,
                          prefix: str) -> None:
    """Write a Mosquitto config with one account and exact topic ACLs per controller."""
    _prepare_sqlite_folder(database_url)
    broker_config(database_url, out, port=port, bind=bind, cafile=cafile, certfile=certfile,
                  keyfile=keyfile, prefix=prefix)


hub.add_command(admin_password)
