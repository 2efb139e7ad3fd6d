"""The demo's administrator account (hub.auth): made once, with the demo's password.

Kept apart from sim/demo.py so the demo still runs on a hub without user accounts (the
import fails and no login is printed).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from hub.auth.config import AuthConfig
from hub.auth.passwords import Passwords
from hub.auth.users import ensure_admin
from hub.errors import HubError
from sim.errors import SimError
from sim.hubrun import SimHub

log = logging.getLogger(__name__)


def ensure_demo_admin(hub: SimHub, password: str) -> str:
    """The administrator's user name, with ``password`` set (SimError if it cannot be)."""
    passwords = Passwords(AuthConfig.from_env())
    try:
        with hub.sessions() as session:
            user = ensure_admin(session, passwords, password)
            name = user.username
            session.commit()
    except (HubError, SQLAlchemyError) as err:
        raise SimError(f"the administrator account could not be set up: {err}") from err
    return name
