"""Signing in and out, the session, CSRF tokens on every form, and who may see which page."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse  # what redirect() gives

from bot.console import blueprint
from bot.console.ui import UI_LANGUAGE_NAMES, UI_LANGUAGES, translate, ui_language
from bot.office.accounts import Actor, LoginRefused, Permission, actor_of
from bot.office.audit import AuditAction, record
from bot.office.console_sessions import end_session, live_session, start_session
from bot.office.services import Services
from bot.office.sign_in import ADDRESS_WINDOW, address_waits, sign_in
from bot.web_security import client_address

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
log = logging.getLogger(__name__)


def services() -> Services:
    return current_app.extensions["civicast"]


def now() -> datetime:
    return datetime.now(UTC)


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


class CsrfRefused(Exception):
    pass


@blueprint.before_request
def _check_csrf_and_load_officer() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        presented = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
        expected = session.get("csrf") or ""
        if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
            raise CsrfRefused()
    _load_officer()


def _load_officer() -> None:
    g.actor = None
    token = session.get("sid")
    if token is None:
        return
    with services().session_factory.begin() as db:
        signed_in = live_session(db, token, now=now())
        if signed_in is None:  # signed out, expired, ended by an admin or a password reset
            _forget_sign_in()
            return
        g.actor = actor_of(signed_in.officer)
        g.officer_name = signed_in.officer.display_name


def _forget_sign_in() -> None:
    """Clear the session cookie but for the console language the browser chose."""
    ui_lang = session.get("ui_lang")
    session.clear()
    if ui_lang:
        session["ui_lang"] = ui_lang


@blueprint.errorhandler(CsrfRefused)
def _csrf_refused(_exc: CsrfRefused) -> tuple[str, int]:
    return render_template(
        "console/error.html", title=translate("error.csrf_title"), message=translate("error.csrf")
    ), 400


@blueprint.errorhandler(404)
def _not_found(_exc: Exception) -> Response:
    return not_found_page()


def not_found_page() -> Response:
    """The console's own "not found", also for console addresses no route matches (which reach no
    blueprint hook: the officer is loaded here)."""
    if "actor" not in g:
        _load_officer()
    page = render_template(
        "console/error.html", title=translate("error.not_found_title"), message=translate("error.not_found")
    )
    return Response(page, status=404, mimetype="text/html")


def failure_page(*, unavailable: bool) -> Response:
    """The console's page for a failure nobody expected (500) or a database that does not answer (503).

    It asks nothing of the database (which may be what failed): the officer is shown as far as the
    request had loaded them."""
    status, name = (503, "unavailable") if unavailable else (500, "failed")
    try:
        page = render_template(
            "console/error.html", title=translate(f"error.{name}_title"), message=translate(f"error.{name}")
        )
    except Exception:  # the page itself failed: still no traceback for the officer
        log.exception("the console's error page could not be rendered")
        return Response(
            "The console could not show this page. The error is in the server's log.\n",
            status=status,
            mimetype="text/plain",
        )
    response = Response(page, status=status, mimetype="text/html")
    if unavailable:
        response.headers["Retry-After"] = "5"
    return response


def is_console_path(path: str) -> bool:
    return path == blueprint.url_prefix or path.startswith(f"{blueprint.url_prefix}/")


@blueprint.app_context_processor
def _template_globals() -> dict[str, Any]:
    if request.blueprint != "console" and not is_console_path(request.path):
        return {}
    return {
        "t": translate,
        "csrf_token": csrf_token,
        "ui_lang": ui_language(),
        "ui_languages": UI_LANGUAGES,
        "ui_language_names": UI_LANGUAGE_NAMES,
        "actor": g.get("actor"),
        "officer_name": g.get("officer_name"),
        "Permission": Permission,
    }


def current_actor() -> Actor:
    actor = g.get("actor")
    if actor is None:
        abort(401)
    return actor


def officer_required(
    permission: Permission | None = Permission.VIEW,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed-in officers only; others go to the sign-in page, officers without the permission get 403.
    ``None``: any signed-in officer, whatever their role (their own account's pages, e.g. their API keys)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = g.get("actor")
            if actor is None:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if permission is not None and not actor.can(permission):
                return render_template(
                    "console/error.html",
                    title=translate("error.forbidden_title"),
                    message=translate("error.forbidden", permission=translate(f"doing.{permission}")),
                ), 403
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console"):
            return target
    return url_for("console.notices")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "").strip().lower()
        password = request.form.get("password", "")
        settings = services().settings
        address = client_address(request, settings.web.trusted_proxy_hops)
        if address is None:  # only a proxy's address is known: counting refusals against it would hit everyone
            log.warning(
                "a sign-in came without the %s forwarded address(es) web.trusted_proxy_hops promises",
                settings.web.trusted_proxy_hops,
            )
            return _login_page(translate("login.no_address"), 400)
        with services().session_factory.begin() as db:
            if address_waits(db, address, now=now()):
                minutes = round(ADDRESS_WINDOW.total_seconds() / 60)
                response = _login_page(translate("login.address_waits", count=minutes), 429)
                response.headers["Retry-After"] = str(round(ADDRESS_WINDOW.total_seconds()))
                return response
            try:
                officer = sign_in(
                    db,
                    username,
                    password,
                    address=address,
                    now=now(),
                    hasher=current_app.extensions.get("civicast.password_hasher"),
                )
            except LoginRefused:
                error, status = translate("login.refused"), 401
            else:
                token = start_session(
                    db,
                    officer,
                    now=now(),
                    lifetime=timedelta(hours=settings.console.session_hours),
                    remote_addr=address,
                    user_agent=request.user_agent.string,
                )
        if error is None:
            _forget_sign_in()  # a new session at sign-in: nothing from before it is trusted
            session.permanent = True
            session.update(sid=token, csrf=secrets.token_urlsafe(32))
            return redirect(_safe_next(request.args.get("next")))
    return _login_page(error, status)


def _login_page(error: str | None, status: int) -> Response:
    page = render_template("console/login.html", error=error, next=request.args.get("next", ""))
    return Response(page, status=status, mimetype="text/html")


@blueprint.post("/logout")
def logout() -> WerkzeugResponse:
    actor = g.get("actor")
    if actor is not None:
        with services().session_factory.begin() as db:
            end_session(db, session["sid"], now=now())
            record(db, actor, AuditAction.LOGOUT, "officer", actor.username, now=now())
    _forget_sign_in()
    return redirect(url_for("console.login"))


@blueprint.post("/language")
def choose_language() -> WerkzeugResponse:
    chosen = request.form.get("lang")
    if chosen in UI_LANGUAGES:
        session["ui_lang"] = chosen
    return redirect(_safe_next(request.form.get("next")))
