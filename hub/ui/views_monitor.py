"""The dashboard, the live events (server-sent events) with photos and face counts, and
presence now."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, request, stream_with_context
from flask.typing import ResponseReturnValue

from hub.errors import NotFound
from hub.rights.models import Module
from hub.rights.rules import logged_in
from hub.sites.models import Site
from hub.sync.runtime import service_of
from hub.ui.blueprint import page
from hub.ui.helpers import can, db, local, render, site_of
from hub.ui.i18n import _, lazy
from hub.ui.monitor import EventRow, controller_states, presence, recent_events
from hub.ui.monitor import event_photo as find_photo
from hub.ui.words import word

STREAM_SECONDS = 300  # a stream ends after this; EventSource reconnects with Last-Event-ID
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0

# The decision core's reason codes (edge/core/reasons.py; fixed on the wire).
REASONS = {
    0: lazy("granted"), 1: lazy("unknown card"), 2: lazy("withdrawn"),
    3: lazy("not yet valid"), 4: lazy("expired"), 5: lazy("no access on this reader"),
    6: lazy("list horizon exceeded"), 7: lazy("outside schedule"), 8: lazy("PIN required"),
    9: lazy("wrong PIN"),
}


def reason_text(code: int) -> str:
    """A reason code in words (translated)."""
    known = REASONS.get(code)
    return str(known) if known is not None else _("reason %(code)s", code=code)


def _desired_versions(controller_ids: list[int]) -> dict[int, int]:
    """Fresher desired list versions from the running sync service, if it runs."""
    service = service_of()
    if service is None:
        return {}
    found: dict[int, int] = {}
    for controller_id in controller_ids:
        state = service.lists.state(controller_id)
        if state is not None:
            found[controller_id] = state[1].version
    return found


@page("/sites/<site>/", needs=logged_in)
def dashboard(site: str) -> ResponseReturnValue:
    """Controllers online and offline, version lag, alarms, who is in."""
    the_site = site_of(site)
    watch = can(Module.CONTROLLERS)
    states = controller_states(db(), the_site.id) if watch else []
    if states:
        states = controller_states(db(), the_site.id, _desired_versions([c.id for c in states]))
    alarms = recent_events(db(), the_site.id, limit=10, with_unassigned=True,
                           alarms_only=True) if watch else []
    inside = presence(db(), the_site.id)
    return render("dashboard.html", states=states, alarms=alarms, inside=inside,
                  online=sum(1 for s in states if s.online),
                  offline=sum(1 for s in states if s.enabled and not s.online),
                  disabled=sum(1 for s in states if not s.enabled),
                  lagging=sum(1 for s in states if s.enabled and (s.lag or 0) > 0),
                  reason_text=reason_text)


def event_json(row: EventRow, the_site: Site) -> dict[str, Any]:
    """An event as the events page's script shows it (all text, no markup)."""
    return {
        "id": row.id, "at": local(row.ts, the_site), "controller": row.controller,
        "point": row.point or (f"#{row.reader}" if row.reader is not None else ""),
        "kind": word(row.kind), "granted": row.granted, "result": reason_text(row.reason),
        "faces": "" if row.faces is None else row.faces, "card": row.card or "",
        "person": row.person or "", "historical": row.historical,
        "photo": None if row.photo_id is None else f"/sites/{the_site.code}/events/{row.id}/photo",
    }


@page("/sites/<site>/events", needs=logged_in)
def events(site: str) -> ResponseReturnValue:
    """The newest events; new ones appear live (server-sent events)."""
    the_site = site_of(site)
    rows = recent_events(db(), the_site.id, with_unassigned=can(Module.CONTROLLERS))
    return render("events.html", rows=[event_json(r, the_site) for r in rows],
                  last_id=max((r.id for r in rows), default=0))


@page("/sites/<site>/events/stream", needs=logged_in)
def events_stream(site: str) -> ResponseReturnValue:
    """``text/event-stream`` of the site's new events the user may see."""
    the_site = site_of(site)
    unassigned = can(Module.CONTROLLERS)
    start = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    after = int(start) if start.isdigit() else 0
    session = db()
    poll = float(current_app.config.get("VRATNIK_EVENTS_POLL_SECONDS", POLL_SECONDS))
    length = float(current_app.config.get("VRATNIK_EVENTS_STREAM_SECONDS", STREAM_SECONDS))
    # a comment line this often when nothing happens: keeps proxies from closing the stream
    # and lets the server notice a browser that went away
    heartbeat = float(current_app.config.get("VRATNIK_EVENTS_HEARTBEAT_SECONDS",
                                             HEARTBEAT_SECONDS))

    def stream() -> Iterator[str]:
        last, quiet_since, deadline = after, time.monotonic(), time.monotonic() + length
        yield "retry: 2000\n\n"
        while time.monotonic() < deadline:
            rows = recent_events(session, the_site.id, after_id=last, limit=100,
                                 with_unassigned=unassigned)
            session.rollback()  # end the read: the next poll sees newly stored events
            for row in reversed(rows):
                last = row.id
                data = json.dumps(event_json(row, the_site))
                yield f"id: {row.id}\nevent: access\ndata: {data}\n\n"
            if rows:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > heartbeat:
                quiet_since = time.monotonic()
                yield ": still here\n\n"
            time.sleep(poll)

    response = Response(stream_with_context(stream()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


@page("/sites/<site>/events/<int:event_id>/photo", needs=logged_in)
def event_photo(site: str, event_id: int) -> ResponseReturnValue:
    """The access photo of an event the user may see (JPEG)."""
    the_site = site_of(site)
    photo = find_photo(db(), the_site.id, event_id, with_unassigned=can(Module.CONTROLLERS))
    if photo is None:
        raise NotFound("photo of event", event_id)
    return Response(photo.data, mimetype="image/jpeg",
                    headers={"Cache-Control": "private, max-age=3600"})


@page("/sites/<site>/presence", needs=logged_in, endpoint="presence")
def presence_now(site: str) -> ResponseReturnValue:
    """Who is in now, by room."""
    the_site = site_of(site)
    inside = presence(db(), the_site.id)
    rooms: dict[str, list[Any]] = {}
    for entry in inside:
        rooms.setdefault(entry.room or _("(unnamed room)"), []).append(entry)
    return render("presence.html", rooms=rooms, total=len(inside))
