"""The UI's error pages: not found, not allowed, not possible, an expired form."""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from hub.api.errors import error_body, is_api_request
from hub.errors import HubError, NotFound
from hub.ui.blueprint import bp
from hub.ui.i18n import _


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    """An error page of the UI."""
    return render_template("error.html", title=title, message=message), status


def forbidden_page(reason: str) -> Response:
    """The 403 page the guard shows to a user whose rights do not reach a page."""
    body, _status = error_page(HTTPStatus.FORBIDDEN, _("Not allowed"), reason)
    return Response(body, status=HTTPStatus.FORBIDDEN, mimetype="text/html")


@bp.errorhandler(HubError)
def on_hub_error(error: HubError) -> ResponseReturnValue:
    """A service refused outside a form (an unknown id in the URL, a clash)."""
    if isinstance(error, NotFound):
        return error_page(HTTPStatus.NOT_FOUND, _("Not found"), error.message)
    return error_page(HTTPStatus.BAD_REQUEST, _("Not possible"), error.message)


def on_csrf_error(error: CSRFError) -> ResponseReturnValue:
    """A form without a valid CSRF token (expired session, or another site posting)."""
    if is_api_request():  # the API answers in its own JSON shape
        message = (f"{error.description} Send the CSRF token in the X-CSRFToken header, or "
                   "use an API token (Authorization: Bearer ...) instead of the session cookie.")
        return jsonify(error_body(HTTPStatus.BAD_REQUEST, message)), HTTPStatus.BAD_REQUEST
    return error_page(HTTPStatus.BAD_REQUEST, _("The form has expired"),
                      _("Reload the page and send the form again."))
