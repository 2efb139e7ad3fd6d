"""Sites: ``/api/sites``. A site is addressed by its code everywhere in the API."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from hub.api.blueprint import ApiBlueprint
from hub.api.context import commit, paginate, session, site_by_code
from hub.api.schemas import PageArgs, name_field, page, page_schema
from hub.sites.models import Site
from hub.sites.services import CODE_PATTERN, create_site, update_site

blp = ApiBlueprint(
    "sites", __name__, url_prefix="/api/sites", description="Sites and their time zones."
)


class SiteSchema(Schema):
    """A site (output)."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    time_zone = fields.String(required=True, metadata={"description": "IANA zone"})
    created_at = fields.AwareDateTime(dump_only=True)


class SiteCreateSchema(Schema):
    """A new site."""

    code = fields.String(
        required=True,
        validate=validate.Regexp(
            CODE_PATTERN, error="1-32 of a-z, 0-9, '-' or '_', starting with a letter or digit"
        ),
    )
    name = name_field()
    time_zone = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "IANA time zone, e.g. Europe/Bratislava"},
    )


class SitePatchSchema(Schema):
    """Changes to a site (the code is fixed for its life)."""

    name = name_field(required=False)
    time_zone = fields.String(validate=validate.Length(min=1, max=64))


SitePage = page_schema(SiteSchema, "SitePage")


@blp.endpoint("GET", "", query=PageArgs, response=SitePage)
def list_all_sites(query: dict[str, Any]) -> dict[str, Any]:
    """The sites, by code."""
    items, total = paginate(select(Site).order_by(Site.code), query)
    return page(items, total, query)


@blp.endpoint(
    "POST", "", body=SiteCreateSchema, response=SiteSchema, status=HTTPStatus.CREATED,
    errors=[HTTPStatus.CONFLICT],
)
def create(body: dict[str, Any]) -> Site:
    """Create a site (with the built-in classes employee and visitor)."""
    site = create_site(session(), **body)
    commit()
    return site


@blp.endpoint("GET", "/<site>", response=SiteSchema)
def get(site: str) -> Site:
    """One site."""
    return site_by_code(site)


@blp.endpoint("PATCH", "/<site>", body=SitePatchSchema, response=SiteSchema)
def patch(site: str, body: dict[str, Any]) -> Site:
    """Rename a site or change its time zone."""
    changed = update_site(session(), site_by_code(site).id, body)
    commit()
    return changed
