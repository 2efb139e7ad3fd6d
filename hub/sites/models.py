"""The site: the root every other hub object belongs to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base
from hub.dbtypes import UTCDateTime

SECRET_BYTES = 32


class Site(Base):
    """One site: its schedules are site-local wall-clock time in ``time_zone``."""

    __tablename__ = "sites"
    __table_args__ = (
        # The code is a segment of MQTT topics (<prefix>/v1/<site>/<controller>/...).
        CheckConstraint("length(code) >= 1", name="code_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # IANA zone name such as "Europe/Bratislava", validated with zoneinfo by the services.
    time_zone: Mapped[str] = mapped_column(String(64))
    # Random per site; the compiler derives each controller's PIN salt from it
    # (hub.compiler.compile.CompileOptions.secret), so salts differ between sites.
    secret: Mapped[bytes] = mapped_column(LargeBinary(SECRET_BYTES))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())

    def __repr__(self) -> str:
        return f"Site(id={self.id!r}, code={self.code!r}, time_zone={self.time_zone!r})"
