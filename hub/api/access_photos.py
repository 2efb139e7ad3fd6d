"""The access photo of an event: ``GET /api/sites/<site>/events/<id>/photo`` (the JPEG).

Photos are uploaded by the edges separately from their events (hub.photos); an event of
another site, an event without a photo, a photo still arriving or one already deleted by
the retention job all answer 404. Not listed in hub.rights.endpoints, so the
administrator-only rule applies: access photos are personal data (SPEC §9).
"""

from __future__ import annotations

from flask import Response

from hub.access.models import Controller
from hub.api.blueprint import ApiBlueprint
from hub.api.context import session, site_by_code
from hub.errors import NotFound
from hub.events.models import Event
from hub.photos.ingest import photo_for_event

blp = ApiBlueprint(
    "access_photos",
    __name__,
    url_prefix="/api/sites/<site>/events",
    description="Access photos taken by the controllers' cameras.",
)


@blp.raw_endpoint(
    "GET", "/<int:event_id>/photo", content_type="image/jpeg",
    description="the event's photo (JPEG)",
)
def get_event_photo(site: str, event_id: int) -> Response:
    """The photo the controller took for this event."""
    db = session()
    found = site_by_code(site)
    event = db.get(Event, event_id)
    controller = None if event is None else db.get(Controller, event.controller_id)
    if event is None or controller is None or controller.site_id != found.id:
        raise NotFound("event", str(event_id))
    photo = photo_for_event(db, event)
    if photo is None:
        raise NotFound("photo of event", str(event_id))
    return Response(photo.data, mimetype="image/jpeg",
                    headers={"X-Photo-Faces": "" if photo.faces is None else str(photo.faces)})
