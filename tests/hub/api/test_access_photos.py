"""GET /api/sites/<site>/events/<id>/photo: the JPEG of an event's access photo, 404 for
another site's event, an event without a photo, or a photo still arriving."""

from __future__ import annotations

import hashlib

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.access import controllers
from hub.events.models import Event
from hub.photos.models import AccessPhoto
from hub.sites.services import get_site_by_code

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(200)) + b"\xff\xd9"


def _event(db: Session, controller_id: int, seq: int) -> Event:
    event = Event(controller_id=controller_id, seq=seq, ts=1_767_261_600, reader=1, door=1,
                  kind="access", reason=0, granted=True, faces=None, photo=None,
                  historical=False)
    db.add(event)
    db.flush()
    return event


def _photo(db: Session, controller_id: int, seq: int, *, complete: bool) -> AccessPhoto:
    photo = AccessPhoto(controller_id=controller_id, photo=f"ev{seq:012d}", seq=seq,
                        taken_at=1_767_261_600, width=640, height=480, faces=2, boxes=[],
                        size=len(JPEG), sha256=hashlib.sha256(JPEG).digest(),
                        chunk_count=1, received=1 if complete else 0, complete=complete,
                        data=JPEG if complete else b"", retention_until=1_772_445_600)
    db.add(photo)
    db.flush()
    return photo


def test_event_photo_is_served_as_jpeg_and_missing_ones_are_404(
        client: FlaskClient, db: Session, site: str) -> None:
    site_id = get_site_by_code(db, site).id
    ctl = controllers.create_controller(db, site_id, code="door-1", name="Door 1").id
    with_photo = _event(db, ctl, 1)
    _photo(db, ctl, 1, complete=True)
    arriving = _event(db, ctl, 2)
    _photo(db, ctl, 2, complete=False)
    without = _event(db, ctl, 3)
    db.commit()
    url = f"/api/sites/{site}/events/{{}}/photo"
    response = client.get(url.format(with_photo.id))
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg" and response.data == JPEG
    assert response.headers["X-Photo-Faces"] == "2"
    for event in (arriving, without):
        assert client.get(url.format(event.id)).status_code == 404
    assert client.get(url.format(with_photo.id + 1000)).status_code == 404
    other = client.post("/api/sites", json={"code": "other", "name": "Other",
                                             "time_zone": "Europe/Bratislava"})
    assert other.status_code == 201
    assert client.get(f"/api/sites/other/events/{with_photo.id}/photo").status_code == 404
