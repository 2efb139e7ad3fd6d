"""The GDPR job of access photos (SPEC §9): delete every photo past its retention date.

Scheduling it is the hub's scheduler's business; this is the function it runs.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hub.photos.models import AccessPhoto

log = logging.getLogger(__name__)


def purge_expired_photos(session: Session, now: int) -> int:
    """Delete the photos (complete or still arriving) whose ``retention_until`` is at or
    before ``now`` (unix seconds); how many. The caller commits."""
    result = session.execute(delete(AccessPhoto).where(AccessPhoto.retention_until <= now))
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        log.info("GDPR: %d access photos past their retention date deleted", count)
    return count
