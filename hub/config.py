"""Hub settings: where the database is and how the app behaves.

Read from the environment (``VRATNIK_*``) so one command runs the hub on a fresh machine:
without ``VRATNIK_DATABASE_URL`` the hub uses an SQLite file in its instance folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SQLITE_NAME = "vratnik.db"


@dataclass(frozen=True)
class HubConfig:
    """Settings of one hub process."""

    # SQLAlchemy URL; None means an SQLite file in the instance folder.
    database_url: str | None = None
    # Run Alembic migrations up to head when the app starts (the embedded one-site default).
    migrate_on_start: bool = True
    # Log every SQL statement (development only: statements carry personal data).
    sql_echo: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HubConfig:
        """Settings from VRATNIK_DATABASE_URL, VRATNIK_MIGRATE_ON_START, VRATNIK_SQL_ECHO."""
        source = os.environ if env is None else env
        return cls(
            database_url=source.get("VRATNIK_DATABASE_URL") or None,
            migrate_on_start=_flag(source.get("VRATNIK_MIGRATE_ON_START"), default=True),
            sql_echo=_flag(source.get("VRATNIK_SQL_ECHO"), default=False),
        )

    def resolved_database_url(self, instance_path: str | Path) -> str:
        """The database URL, defaulting to ``sqlite:///<instance_path>/vratnik.db``."""
        if self.database_url:
            return self.database_url
        path = Path(instance_path) / DEFAULT_SQLITE_NAME
        return f"sqlite:///{path}"


def _flag(value: str | None, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected a yes/no value (1/0, true/false, yes/no, on/off), got {value!r}")
