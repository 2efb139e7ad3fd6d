"""Login, sessions and rights on every request of the hub's Flask app.

``init_auth(app, config)`` sets the secret key and cookie flags, CSRF protection
(Flask-WTF), the rate limiter (Flask-Limiter) and one ``before_request`` guard that runs
before any view of the REST API or the web UI:

1. who is asking: the session cookie's server-side session, or an API bearer token;
2. CSRF: every unsafe request not carrying a bearer token must carry the CSRF token
   (form field or ``X-CSRFToken`` header);
3. the user's IP allow-list, on every request (a copied cookie does not work elsewhere);
4. the endpoint's rule (hub.rights.endpoints), and the request's database session is
   narrowed to the persons and sites the user may see (hub.rights.query).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from hub.api.errors import error_body, is_api_request
from hub.app import db_session, hub_state
from hub.auth.config import AuthConfig
from hub.auth.directory import Directory, directory_for
from hub.auth.logins import auth_settings
from hub.auth.models import User
from hub.auth.networks import allowed
from hub.auth.passwords import Passwords
from hub.auth.sessions import end_session, resolve_token, resume_session
from hub.auth.users import admin_user, ensure_admin
from hub.badges.pins import key_to_text, load_or_create_key_file
from hub.rights.decide import Grants, Tree, view_reach, visible_person_fields
from hub.rights.endpoints import rule_for
from hub.rights.load import load_grants, load_tree
from hub.rights.query import restrict_session
from hub.rights.redact import PERSON_ENDPOINTS, redact_persons
from hub.rights.rules import Facts, logged_in, public

log = logging.getLogger(__name__)

EXTENSION_KEY = "vratnik.auth"
SESSION_KEY = "auth"  # the session cookie's field holding the session token
SECRET_FILE = "secret.key"  # noqa: S105 - a file name
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class AuthState:
    """What login needs per app: settings, the hasher, the directory, CSRF, the limiter."""

    config: AuthConfig
    passwords: Passwords
    directory: Directory | None
    csrf: Any  # flask_wtf.csrf.CSRFProtect (untyped)
    limiter: Limiter


class CookieSessions(SecureCookieSessionInterface):
    """Signed cookie sessions whose ``Secure`` flag follows the request (auto mode)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = auth_state(app).config.secure_cookies
        if setting is None:
            return request.is_secure
        return setting


def auth_state(app: Flask | None = None) -> AuthState:
    """The login state of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    state = target.extensions.get(EXTENSION_KEY)
    if not isinstance(state, AuthState):
        raise RuntimeError("init_auth was not called on this app")
    return state


def init_auth(app: Flask, config: AuthConfig) -> AuthState:
    """Install login, CSRF, rate limiting and the rights guard on ``app``."""
    secret = config.secret_key or key_to_text(
        load_or_create_key_file(Path(app.instance_path) / SECRET_FILE))
    app.secret_key = secret
    app.config.update(
        SESSION_COOKIE_NAME="vratnik_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by the guard, which knows about tokens
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session
        RATELIMIT_STORAGE_URI=config.ratelimit_storage,
        RATELIMIT_HEADERS_ENABLED=False,
    )
    app.session_interface = CookieSessions()
    if config.proxy_hops:
        hops = config.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    state = AuthState(
        config=config,
        passwords=Passwords(config),
        directory=directory_for(config.directory),
        csrf=CSRFProtect(app),
        limiter=Limiter(get_remote_address, app=app, storage_uri=config.ratelimit_storage),
    )
    app.extensions[EXTENSION_KEY] = state
    # First of all before_request functions: nobody unauthenticated reaches a check of the
    # body, a view, or the database beyond the login itself.
    app.before_request_funcs.setdefault(None, []).insert(0, guard)
    app.after_request(_redact)
    app.after_request(_no_store)
    if config.admin_password:
        _bootstrap_admin(app, state, config.admin_password)
    return state


def _bootstrap_admin(app: Flask, state: AuthState, password: str) -> None:
    with hub_state(app).sessions() as db:
        if admin_user(db) is None:
            ensure_admin(db, state.passwords, password)
            db.commit()
            log.info("administrator account created from VRATNIK_ADMIN_PASSWORD")


def current_user() -> User | None:
    """The user of this request (None: not logged in)."""
    user = g.get("user")
    return user if isinstance(user, User) else None


def current_grants() -> Grants:
    """The rights of this request's user (the guard loaded them)."""
    grants = g.get("grants")
    if not isinstance(grants, Grants):
        raise RuntimeError("no logged-in user in this request")
    return grants


def current_tree() -> Tree:
    """The group hierarchy the guard used for this request's rights."""
    tree = g.get("tree")
    if not isinstance(tree, Tree):
        raise RuntimeError("no logged-in user in this request")
    return tree


def _identify() -> tuple[User | None, bool]:
    """The requesting user and whether a bearer token (not a cookie) says so."""
    header = request.headers.get("Authorization", "")
    db = db_session()
    if header.startswith("Bearer "):
        return resolve_token(db, header.removeprefix("Bearer ").strip()), True
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None, False
    settings = auth_settings(db)
    user = resume_session(db, token, idle=timedelta(minutes=settings.idle_minutes),
                          absolute=timedelta(hours=settings.absolute_hours))
    if user is None:
        session.pop(SESSION_KEY, None)
    return user, False


def guard() -> ResponseReturnValue | None:
    """``before_request``: authenticate, check CSRF, the allow-list and the endpoint's rule,
    and narrow the request's database session to what the user may see."""
    rule = rule_for(request.endpoint) if request.url_rule is not None else logged_in
    user, by_token = _identify()
    if request.method not in SAFE_METHODS and not by_token:
        auth_state().csrf.protect()  # raises CSRFError (400) without a valid token
    db = db_session()
    db.commit()  # keep what identifying wrote (last seen, an ended session)
    if rule is public:
        return None
    if user is None:
        return _unauthorized()
    if not allowed(request.remote_addr, [n.network for n in user.networks]):
        token = session.pop(SESSION_KEY, None)
        if isinstance(token, str):
            end_session(db, token)
            db.commit()
        log.warning("user %s refused: address not in the allow-list", user.id)
        return _forbidden("you may not use the hub from this address")
    grants = load_grants(db, user)
    tree = load_tree(db)
    g.user, g.grants, g.tree = user, grants, tree
    if not grants.is_admin:
        restrict_session(db, view_reach(grants, tree), grants.site_id)
    reason = rule(grants, Facts(fields=_body_fields(), query=frozenset(request.args)))
    if reason is not None:
        return _forbidden(reason)
    return None


def _body_fields() -> frozenset[str]:
    """The fields a request sets (JSON object keys or form fields, never the CSRF token)."""
    if request.is_json:
        body = request.get_json(silent=True)
        return frozenset(body) if isinstance(body, dict) else frozenset()
    return frozenset(k for k in request.form if k != "csrf_token")


def _unauthorized() -> ResponseReturnValue:
    if is_api_request():
        response = jsonify(error_body(HTTPStatus.UNAUTHORIZED,
                                      "log in first: send a session cookie or an API token "
                                      "(Authorization: Bearer ...)"))
        response.headers["WWW-Authenticate"] = 'Bearer realm="vratnik"'
        return response, HTTPStatus.UNAUTHORIZED
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("ui.login", next=target))


def _forbidden(reason: str) -> ResponseReturnValue:
    if is_api_request():
        return jsonify(error_body(HTTPStatus.FORBIDDEN, reason)), HTTPStatus.FORBIDDEN
    g.forbidden_reason = reason
    handler = current_app.config.get("VRATNIK_FORBIDDEN_PAGE")
    if callable(handler):
        page: Response = handler(reason)
        page.status_code = HTTPStatus.FORBIDDEN
        return page
    return Response(reason, status=HTTPStatus.FORBIDDEN, mimetype="text/plain")


def _redact(response: Response) -> Response:
    """Answers about persons keep only the fields the user may see."""
    grants = g.get("grants")
    if isinstance(grants, Grants) and request.endpoint in PERSON_ENDPOINTS:
        fields = visible_person_fields(grants)
        if fields is not None:
            return redact_persons(response, fields)
    return response


def _no_store(response: Response) -> Response:
    """Pages and answers with personal data are not kept by browsers or proxies."""
    if g.get("user") is not None:
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
