"""Logging in and out, the start page, and the user's own account (password change)."""

from __future__ import annotations

from flask import redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from limits import parse_many
from sqlalchemy import select

from hub.auth.logins import LoginFailure, authenticate, record_login
from hub.auth.models import AuthSource
from hub.auth.sessions import end_session, start_session
from hub.auth.users import set_password
from hub.auth.web import SESSION_KEY, auth_state, current_user
from hub.errors import HubError, Invalid
from hub.rights.rules import logged_in, public
from hub.sites.models import Site
from hub.ui.blueprint import page
from hub.ui.helpers import db, done, refused, render
from hub.ui.i18n import _


def safe_next(target: str | None) -> str | None:
    """A local path to return to after logging in (never another site: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _client() -> tuple[str, str]:
    return request.remote_addr or "", request.headers.get("User-Agent", "")[:200]


def _over_limit(username: str, address: str) -> bool:
    """Count this attempt; True when the address or the user name tried too often."""
    state = auth_state()
    strategy = state.limiter.limiter
    checks = [(limit, "login-address", address)
              for limit in parse_many(state.config.login_rate_per_address)]
    checks += [(limit, "login-user", username.strip().lower())
               for limit in parse_many(state.config.login_rate_per_user)]
    results = [strategy.hit(limit, key, value) for limit, key, value in checks]
    return not all(results)


@page("/login", needs=public, methods=("GET", "POST"))
def login() -> ResponseReturnValue:
    """The login form; a correct login starts a server-side session."""
    target = safe_next(request.args.get("next"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(target or url_for("ui.home"))
        return render("login.html", next=target, username="", message="")
    username, password = request.form.get("username", ""), request.form.get("password", "")
    address, agent = _client()
    state, database = auth_state(), db()
    if _over_limit(username, address):
        record_login(database, username=username, user=None, ip=address, user_agent=agent,
                     failure=LoginFailure.RATE_LIMITED)
        database.commit()
        return render("login.html", 429, next=target, username=username,
                      message=_("Too many attempts. Wait a minute and try again."))
    result = authenticate(database, state.passwords, state.directory, username, password,
                          address)
    record_login(database, username=username, user=result.user, ip=address, user_agent=agent,
                 failure=result.failure)
    if result.user is None:
        database.commit()
        message = _("The user name or the password is wrong.")
        if result.failure is LoginFailure.ADDRESS:
            message = _("You may not log in from this computer (%(address)s).",
                        address=address)
        elif result.failure is LoginFailure.DIRECTORY:
            message = _("The directory server could not check the password. Try again later.")
        return render("login.html", 401, next=target, username=username, message=message)
    token = start_session(database, result.user, address, agent)
    database.commit()
    session.clear()  # nothing from before the login survives it (a new CSRF token too)
    session[SESSION_KEY] = token
    return redirect(target or url_for("ui.home"))


@page("/logout", needs=public, methods=("POST",))
def logout() -> ResponseReturnValue:
    """End the session on the server and forget the cookie."""
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        end_session(db(), token)
        db().commit()
    session.clear()
    return redirect(url_for("ui.login"))


@page("/", needs=logged_in)
def home() -> ResponseReturnValue:
    """The start page: the chosen (or first) site's dashboard."""
    wanted = request.args.get("site", "")
    query = select(Site).order_by(Site.code)
    sites = list(db().scalars(query))
    for site in sites:
        if site.code == wanted or not wanted:
            return redirect(url_for("ui.dashboard", site=site.code))
    return render("no_site.html", 404 if wanted else 200)


@page("/account", needs=logged_in, methods=("GET", "POST"))
def account() -> ResponseReturnValue:
    """The user's own account: change the password (the current one is asked first)."""
    user = current_user()
    assert user is not None  # the guard let only logged-in users in
    if request.method == "GET":
        return render("account.html", errors={})
    try:
        if user.auth_source is AuthSource.DIRECTORY:
            raise Invalid("password", _("your password is kept in the directory; change it "
                                        "there"))
        if not auth_state().passwords.verify(user.password_hash, request.form.get(
                "current", "")):
            raise Invalid("current", _("this is not your current password"))
        new = request.form.get("password", "")
        if new != request.form.get("again", ""):
            raise Invalid("again", _("the two new passwords differ"))
        set_password(db(), auth_state().passwords, user.id, new)
    except HubError as error:
        return refused(error, "account.html")
    # the change ended every session, this one too: start a new one for this browser
    address, agent = _client()
    session[SESSION_KEY] = start_session(db(), user, address, agent)
    return done(_("Your password was changed."), url_for("ui.account"))
