"""Controllers and their reader heads: create, enable or disable, readers per access point,
the link state, and a new device key (shown once, to install on the controller)."""

from __future__ import annotations

import base64

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hub import validation as check
from hub.access import controllers as service
from hub.access.models import AccessPoint, Controller, ControllerKind, Reader
from hub.errors import HubError
from hub.rights.models import Module
from hub.rights.rules import module
from hub.sites.models import Site
from hub.sync.keys import rotate_key, sync_row
from hub.sync.runtime import service_of
from hub.ui.blueprint import page
from hub.ui.helpers import db, done, flag, form_errors, optional_int, render, site_of, text
from hub.ui.i18n import _
from hub.ui.monitor import controller_states
from hub.ui.words import WORDS

READ = module(Module.CONTROLLERS, Module.ACCESS)
WRITE = module(Module.CONTROLLERS)
KINDS = [(k.value, WORDS[k.value]) for k in ControllerKind]  # lazy: translated when shown


def _controller(site: Site, controller_id: int) -> Controller:
    return check.in_site(db(), Controller, controller_id, "controller", site.id)


@page("/sites/<site>/controllers", needs=READ)
def controllers(site: str) -> ResponseReturnValue:
    """Every controller with its state."""
    the_site = site_of(site)
    return render("controllers.html", states=controller_states(db(), the_site.id), kinds=KINDS,
                  errors={})


@page("/sites/<site>/controllers/new", needs=WRITE, methods=("POST",))
def controller_create(site: str) -> ResponseReturnValue:
    """Add a controller (its code names its MQTT topics and never changes)."""
    the_site = site_of(site)
    try:
        made = service.create_controller(db(), the_site.id, code=text("code"), name=text("name"),
                                         kind=text("kind") or ControllerKind.CONTROLLER,
                                         enabled=flag("enabled"))
    except HubError as error:
        db().rollback()
        return render("controllers.html", 422, states=controller_states(db(), the_site.id),
                      kinds=KINDS, errors=form_errors(error), form=request.form)
    return done(_("Controller %(code)s added.", code=made.code),
                url_for("ui.controller", site=site, controller_id=made.id))


def _detail(site: Site, controller: Controller, status: int = 200,
            errors: dict[str, str] | None = None, key: str | None = None,
            kid: str | None = None) -> ResponseReturnValue:
    served = set(db().scalars(select(Reader.access_point_id)))
    free = [(p.id, p.name) for p in db().scalars(
        select(AccessPoint).where(AccessPoint.site_id == site.id).order_by(AccessPoint.name))
        if p.id not in served]
    names = dict(db().execute(select(AccessPoint.id, AccessPoint.name).where(
        AccessPoint.site_id == site.id)).all())
    state = next((s for s in controller_states(db(), site.id) if s.id == controller.id), None)
    return render("controller.html", status, controller=controller, state=state, free=free,
                  point_names=names, kinds=KINDS, errors=errors or {}, key=key, kid=kid)


@page("/sites/<site>/controllers/<int:controller_id>", needs=READ)
def controller(site: str, controller_id: int) -> ResponseReturnValue:
    """One controller: settings, readers, state."""
    the_site = site_of(site)
    return _detail(the_site, _controller(the_site, controller_id))


@page("/sites/<site>/controllers/<int:controller_id>/save", needs=WRITE, methods=("POST",))
def controller_save(site: str, controller_id: int) -> ResponseReturnValue:
    """Rename, change the kind, enable or disable."""
    the_site = site_of(site)
    found = _controller(the_site, controller_id)
    try:
        service.update_controller(db(), found.id, {
            "name": text("name"), "kind": text("kind"), "enabled": flag("enabled"),
            "notes": request.form.get("notes", "")})
    except HubError as error:
        db().rollback()
        return _detail(the_site, found, 422, form_errors(error))
    return done(_("Controller saved."), url_for("ui.controller", site=site,
                                                controller_id=found.id))


@page("/sites/<site>/controllers/<int:controller_id>/readers", needs=WRITE, methods=("POST",))
def reader_add(site: str, controller_id: int) -> ResponseReturnValue:
    """Add a reader head serving one access point."""
    the_site = site_of(site)
    found = _controller(the_site, controller_id)
    try:
        number = optional_int("reader_no")
        service.add_reader(db(), found.id, reader_no=number if number is not None else -1,
                           access_point_id=optional_int("access_point_id") or 0,
                           requires_pin=flag("requires_pin"), name=text("reader_name"))
    except HubError as error:
        db().rollback()
        return _detail(the_site, found, 422, form_errors(error))
    return done(_("Reader added."), url_for("ui.controller", site=site, controller_id=found.id))


@page("/sites/<site>/controllers/<int:controller_id>/readers/<int:reader_id>/delete",
      needs=WRITE, methods=("POST",))
def reader_remove(site: str, controller_id: int, reader_id: int) -> ResponseReturnValue:
    """Remove a reader head."""
    the_site = site_of(site)
    found = _controller(the_site, controller_id)
    reader = check.get(db(), Reader, reader_id, "reader")
    if reader.controller_id != found.id:
        return _detail(the_site, found, 404, {"_": _("no such reader on this controller")})
    service.remove_reader(db(), reader.id)
    return done(_("Reader removed."), url_for("ui.controller", site=site,
                                              controller_id=found.id))


@page("/sites/<site>/controllers/<int:controller_id>/key", needs=WRITE, methods=("POST",))
def controller_key(site: str, controller_id: int) -> ResponseReturnValue:
    """A new device key, shown once (the previous one works until the next rotation)."""
    the_site = site_of(site)
    found = _controller(the_site, controller_id)
    sync_row(db(), found.id)
    key = rotate_key(db(), found.id)
    db().commit()
    running = service_of()
    if running is not None:
        with running.sessions() as session:
            running.peers.reload(session, found.id)
            session.commit()
    return _detail(the_site, found, key=base64.b64encode(key.key).decode(), kid=key.kid)
