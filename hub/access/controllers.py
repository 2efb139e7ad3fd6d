"""Services of controllers and their reader heads.

A controller is the unit a compiled access list is made for. A concentrator has several
reader heads; each reader serves one access point, and an access point has one reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import validation as check
from hub.access.models import READER_ID_MAX, AccessPoint, Controller, ControllerKind, Reader
from hub.db import atomic
from hub.errors import Conflict, Invalid
from hub.sites.models import Site

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
EDITABLE = {"name", "kind", "enabled", "notes"}


def _code(code: object) -> str:
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise Invalid(
            "code",
            "use 1-64 characters: lower-case letters, digits, '-' or '_', starting with a "
            f"letter or digit (got {code!r}); it names the controller's MQTT topics",
        )
    return code


def _kind(kind: object) -> ControllerKind:
    try:
        return ControllerKind(str(kind))
    except ValueError as err:
        raise Invalid("kind", f"{kind!r} is not controller or concentrator") from err


def get_controller(session: Session, controller_id: object) -> Controller:
    """The controller, or NotFound."""
    return check.get(session, Controller, controller_id, "controller")


def list_controllers(session: Session, site_id: int) -> list[Controller]:
    """The site's controllers, by code."""
    query = select(Controller).where(Controller.site_id == site_id).order_by(Controller.code)
    return list(session.scalars(query))


def create_controller(
    session: Session,
    site_id: int,
    *,
    code: str,
    name: str,
    kind: ControllerKind | str = ControllerKind.CONTROLLER,
    enabled: bool = True,
    notes: str = "",
) -> Controller:
    """A new controller (no readers yet)."""
    check.get(session, Site, site_id, "site")
    controller_code = _code(code)
    query = select(Controller.id).where(
        Controller.site_id == site_id, Controller.code == controller_code
    )
    if session.scalar(query):
        raise Conflict(f"a controller with code {controller_code!r} already exists", field="code")
    controller = Controller(
        site_id=site_id,
        code=controller_code,
        name=check.name("name", name),
        kind=_kind(kind),
        enabled=check.flag("enabled", enabled),
        notes=check.text("notes", notes),
    )
    session.add(controller)
    session.flush()
    return controller


@atomic
def update_controller(
    session: Session, controller_id: object, changes: Mapping[str, object]
) -> Controller:
    """Change name, kind, enabled or notes (the code names its topics and is fixed)."""
    controller = get_controller(session, controller_id)
    if "code" in changes:
        raise Invalid("code", "cannot be changed: it names the controller's MQTT topics")
    check.unknown_fields(changes, EDITABLE, "controller")
    if "name" in changes:
        controller.name = check.name("name", changes["name"])
    if "kind" in changes:
        new_kind = _kind(changes["kind"])
        controller.kind = new_kind
    if "enabled" in changes:
        controller.enabled = check.flag("enabled", changes["enabled"])
    if "notes" in changes:
        controller.notes = check.text("notes", changes["notes"])
    session.flush()
    return controller


def add_reader(
    session: Session,
    controller_id: object,
    *,
    reader_no: int,
    access_point_id: int,
    requires_pin: bool = False,
    name: str = "",
) -> Reader:
    """A reader head serving ``access_point_id`` (which no other reader serves)."""
    controller = get_controller(session, controller_id)
    number = check.integer("reader_no", reader_no, 0, READER_ID_MAX)
    point = check.in_site(session, AccessPoint, access_point_id, "access point", controller.site_id)
    if any(r.reader_no == number for r in controller.readers):
        raise Conflict(
            f"controller {controller.code!r} already has reader {number}", field="reader_no"
        )
    served_by = session.scalar(select(Reader).where(Reader.access_point_id == point.id))
    if served_by is not None:
        raise Conflict(
            f"access point {point.name!r} is already served by reader {served_by.reader_no} "
            f"of controller {served_by.controller.code!r}",
            field="access_point_id",
        )
    reader = Reader(
        controller_id=controller.id,
        reader_no=number,
        access_point_id=point.id,
        requires_pin=check.flag("requires_pin", requires_pin),
        name=check.text("name", name, 200),
    )
    controller.readers.append(reader)
    session.flush()
    return reader


@atomic
def update_reader(session: Session, reader_id: object, changes: Mapping[str, object]) -> Reader:
    """Change whether a reader asks for a PIN, or its name."""
    reader = check.get(session, Reader, reader_id, "reader")
    check.unknown_fields(changes, {"requires_pin", "name"}, "reader")
    if "requires_pin" in changes:
        reader.requires_pin = check.flag("requires_pin", changes["requires_pin"])
    if "name" in changes:
        reader.name = check.text("name", changes["name"], 200)
    session.flush()
    return reader


def remove_reader(session: Session, reader_id: object) -> None:
    """Remove a reader head (its access point stays, without a reader)."""
    reader = check.get(session, Reader, reader_id, "reader")
    reader.controller.readers.remove(reader)  # delete-orphan: the row goes at flush
    session.flush()
