"""A person's photo and locations: ``/api/sites/<site>/persons/<id>/photo|locations``.

The photo is binary: ``PUT`` sends the image itself as the request body with its media
type (image/jpeg, image/png or image/webp), ``GET`` returns it, ``DELETE`` removes it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, request

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, in_site, session, site_by_code
from hub.api.persons import LocationSchema
from hub.errors import NotFound
from hub.people.models import Location, Person
from hub.people.services import PHOTO_TYPES, add_location, remove_location, set_photo

blp = ApiBlueprint(
    "person_parts",
    __name__,
    url_prefix="/api/sites/<site>/persons/<int:person_id>",
    description="A person's photo (binary) and locations.",
)


@blp.raw_endpoint(
    "GET", "/photo", content_type="application/octet-stream",
    description="the photo, with its own media type",
)
def get_photo(site: str, person_id: int) -> Response:
    """The person's stored photo."""
    person = in_site(Person, person_id, "person", site_by_code(site))
    if person.photo is None or person.photo_media_type is None:
        where = f" (it is kept at {person.photo_ref})" if person.photo_ref else ""
        raise NotFound("photo of person", f"{person.id}{where}")
    return Response(person.photo, mimetype=person.photo_media_type)


@blp.raw_endpoint(
    "PUT", "/photo", status=HTTPStatus.NO_CONTENT,
    request_types=sorted(PHOTO_TYPES), errors=[HTTPStatus.UNPROCESSABLE_ENTITY],
)
def put_photo(site: str, person_id: int) -> Response:
    """Store a photo: the body is the image, Content-Type its media type."""
    person = in_site(Person, person_id, "person", site_by_code(site))
    set_photo(session(), person.id, request.get_data(), request.mimetype or None)
    commit()
    return Response(status=HTTPStatus.NO_CONTENT)


@blp.raw_endpoint("DELETE", "/photo", status=HTTPStatus.NO_CONTENT)
def delete_photo(site: str, person_id: int) -> Response:
    """Remove the stored photo."""
    person = in_site(Person, person_id, "person", site_by_code(site))
    set_photo(session(), person.id, None)
    commit()
    return Response(status=HTTPStatus.NO_CONTENT)


@blp.endpoint(
    "POST", "/locations", body=LocationSchema, response=LocationSchema,
    status=HTTPStatus.CREATED,
)
def create_location(site: str, person_id: int, body: dict[str, Any]) -> Location:
    """Add a place where the person can be found."""
    the_site = site_by_code(site)
    person = in_site(Person, person_id, "person", the_site)
    location = add_location(session(), person.id, **body)
    commit()
    return location


@blp.endpoint("DELETE", "/locations/<int:location_id>", status=HTTPStatus.NO_CONTENT)
def delete_location(site: str, person_id: int, location_id: int) -> None:
    """Remove one of the person's locations."""
    person = in_site(Person, person_id, "person", site_by_code(site))
    if not any(location.id == location_id for location in person.locations):
        raise NotFound("location", location_id)
    remove_location(session(), location_id)
    commit()
