"""Creating and changing sites."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.db import atomic
from hub.errors import Conflict, Invalid, NotFound
from hub.people.models import BadgeType, PersonClass
from hub.sites.models import SECRET_BYTES, Site

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# The classes every site has (SPEC.md section 3): their names are fixed, more can be added.
BUILTIN_CLASSES = (("employee", BadgeType.EMPLOYEE), ("visitor", BadgeType.VISITOR))


# Files in the zoneinfo folder that are not zones a site may name.
NOT_ZONES = frozenset({"localtime", "posixrules", "posix", "right", "Factory"})


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_time_zone(name: object) -> str:
    """``name`` if it is an IANA time zone zoneinfo knows, else Invalid."""
    if not isinstance(name, str) or not name.strip():
        raise Invalid("time_zone", "a time zone is required, e.g. 'Europe/Bratislava'")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise Invalid(
            "time_zone", f"{name!r} is not an IANA time zone (e.g. 'Europe/Bratislava')"
        ) from err
    # ZoneInfo also opens files such as "posixrules" or "localtime" (the machine's own zone,
    # which differs between machines); accept only real, fixed zone names.
    if name in NOT_ZONES or name not in _zone_names():
        raise Invalid("time_zone", f"{name!r} is not an IANA time zone name")
    return name


def validate_code(code: object) -> str:
    """A site code usable as an MQTT topic segment."""
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise Invalid(
            "code",
            "use 1-32 characters: lower-case letters, digits, '-' or '_', starting with a "
            f"letter or digit (got {code!r})",
        )
    return code


def create_site(session: Session, *, code: str, name: str, time_zone: str) -> Site:
    """A new site with the built-in classes employee and visitor."""
    validate_code(code)
    site_name = check.name("name", name)
    validate_time_zone(time_zone)
    if session.scalar(select(Site.id).where(Site.code == code)) is not None:
        raise Conflict(f"a site with code {code!r} already exists", field="code")
    site = Site(
        code=code, name=site_name, time_zone=time_zone, secret=secrets.token_bytes(SECRET_BYTES)
    )
    session.add(site)
    session.flush()
    for class_name, badge_type in BUILTIN_CLASSES:
        session.add(
            PersonClass(site_id=site.id, name=class_name, badge_type=badge_type, builtin=True)
        )
    session.flush()
    return site


def get_site(session: Session, site_id: int) -> Site:
    """The site, or NotFound."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("site", site_id)
    return site


def get_site_by_code(session: Session, code: str) -> Site:
    """The site with this code, or NotFound."""
    site = session.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise NotFound("site", code)
    return site


def list_sites(session: Session) -> list[Site]:
    """Every site, by code."""
    return list(session.scalars(select(Site).order_by(Site.code)))


@atomic
def update_site(session: Session, site_id: int, changes: Mapping[str, object]) -> Site:
    """Change a site's name or time zone (the code is fixed: it names the site's MQTT topics)."""
    site = get_site(session, site_id)
    for field, value in changes.items():
        if field == "name":
            site.name = check.name("name", value)
        elif field == "time_zone":
            site.time_zone = validate_time_zone(value)
        elif field in {"code", "id", "created_at", "secret"}:
            raise Invalid(field, "cannot be changed")
        else:
            raise Invalid(field, "unknown field of a site")
    session.flush()
    return site
