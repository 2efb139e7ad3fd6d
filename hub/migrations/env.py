"""Alembic environment: configured in code by hub.db.alembic_config (there is no alembic.ini)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from hub.db import import_models, make_engine
from hub.dbtypes import EnumText, UTCDateTime

config = context.config
target_metadata = import_models()


def _render_item(kind: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    """Write our column types as the plain types they store, so migrations never import models."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(item, EnumText):
        length = getattr(item.impl_instance, "length", None)
        return f"sa.String(length={length})"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode lets later migrations do that.
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run on the caller's connection (hub.db.upgrade) or on one made from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported: pass a database URL")
run_migrations_online()
