"""``vratnik hub admin-password``: set the administrator's password (made on first use).

The manuals' systems have one administrator password set at installation and changed in
the company settings; here it is set from the command line of the hub's machine, asked
twice (or read from standard input for scripts), and stored only as its Argon2id hash.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.auth.config import AuthConfig
from hub.auth.passwords import Passwords
from hub.auth.users import ensure_admin
from hub.db import make_engine, make_session_factory, normalize_url, upgrade
from hub.errors import HubError

DEFAULT_DATABASE = "sqlite:///var/vratnik.db"  # as `vratnik hub serve`


@click.command(name="admin-password")
@click.option("--database", "database_url", envvar="VRATNIK_DATABASE_URL",
              default=DEFAULT_DATABASE, show_default=True,
              help="SQLAlchemy URL of the hub database.")
@click.option("--stdin", "from_stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def admin_password(database_url: str, from_stdin: bool) -> None:
    """Set the administrator's password (the account 'admin' is made if missing)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New administrator password", hide_input=True,
                                confirmation_prompt=True)
    parsed = normalize_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            admin = ensure_admin(session, Passwords(AuthConfig.from_env()), password)
            session.commit()
            click.echo(f"the administrator {admin.username!r} has a new password")
    except HubError as err:
        raise click.ClickException(err.message) from err
    finally:
        engine.dispose()
