"""``vratnik hub broker-config``: write a Mosquitto configuration for the hub's database."""

from __future__ import annotations

from pathlib import Path

import click

from hub.broker.mosquitto import TlsOptions, write_broker_config
from hub.db import make_engine, make_session_factory


def broker_config(database_url: str, out: str, *, port: int, bind: str, cafile: str | None,
                  certfile: str | None, keyfile: str | None, prefix: str) -> None:
    """Write mosquitto.conf, passwd, acl and credentials.json into ``out``."""
    given = [cafile, certfile, keyfile]
    if any(given) and not all(given):
        raise click.UsageError("TLS needs all three of --cafile, --certfile and --keyfile")
    tls = TlsOptions(cafile, certfile, keyfile) if cafile and certfile and keyfile else None
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            accounts = write_broker_config(session, Path(out), port=port, bind=bind, tls=tls,
                                           prefix=prefix)
            session.commit()  # passwords and keys created for new controllers are kept
    finally:
        engine.dispose()
    click.echo(f"wrote {out}/mosquitto.conf, passwd, acl and credentials.json "
               f"({len(accounts)} controller account(s))")
    if tls is None:
        click.echo("warning: no TLS listener (give --cafile, --certfile and --keyfile); use "
                   "this only on a trusted network", err=True)
    click.echo(f"start it with: mosquitto -c {out}/mosquitto.conf")
