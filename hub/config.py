"""Hub settings: where the database is and how the app behaves.

Read from the environment (``VRATNIK_*``) so one command runs the hub on a fresh machine:
without ``VRATNIK_DATABASE_URL`` the hub uses an SQLite file in its instance folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hub.auth.config import AuthConfig
from hub.sync.settings import SyncSettings

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
    # Base64 of the 32-byte key that seals badge PINs (hub/badges/pins.py); None means the
    # key file "pin.key" in the instance folder, created on first start.
    pin_key: str | None = None
    # Folder for the default SQLite file and the PIN key file (absolute); None: Flask's
    # default instance folder.
    instance_path: str | None = None
    # Sync with the controllers over MQTT (hub.sync); None: the app does not start it.
    sync: SyncSettings | None = None
    # Login, sessions, rate limits and the directory (hub.auth); None: from VRATNIK_* vars.
    auth: AuthConfig | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HubConfig:
        """Settings from VRATNIK_DATABASE_URL, _MIGRATE_ON_START, _SQL_ECHO and _PIN_KEY."""
        source = os.environ if env is None else env
        return cls(
            database_url=source.get("VRATNIK_DATABASE_URL") or None,
            migrate_on_start=_flag(source.get("VRATNIK_MIGRATE_ON_START"), default=True),
            sql_echo=_flag(source.get("VRATNIK_SQL_ECHO"), default=False),
            pin_key=source.get("VRATNIK_PIN_KEY") or None,
            instance_path=source.get("VRATNIK_INSTANCE_PATH") or None,
            sync=SyncSettings.from_env(source),
            auth=AuthConfig.from_env(source),
        )

    def __repr__(self) -> str:
        # Never show the PIN key (reprs end up in logs and tracebacks).
        key = "<set>" if self.pin_key else None
        return (
            f"HubConfig(database_url={self.database_url!r}, migrate_on_start="
            f"{self.migrate_on_start!r}, sql_echo={self.sql_echo!r}, pin_key={key!r}, "
            f"instance_path={self.instance_path!r})"
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
