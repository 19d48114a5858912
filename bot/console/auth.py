"""Signing in and out, the session, CSRF tokens on every form, and who may see which page."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, g, redirect, render_template, request, session, url_for

from bot.console import blueprint
from bot.console.ui import UI_LANGUAGE_NAMES, UI_LANGUAGES, translate, ui_language
from bot.office.accounts import Actor, LoginRefused, Permission, actor_of, authenticate
from bot.office.audit import AuditAction, record
from bot.office.models import Officer
from bot.services import Services

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


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
def _check_csrf_and_load_officer() -> Response | None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        presented = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
        expected = session.get("csrf") or ""
        if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
            raise CsrfRefused()
    g.actor = None
    officer_id = session.get("officer_id")
    if officer_id is None:
        return None
    started = session.get("signed_in_at", 0)
    lifetime = timedelta(hours=services().settings.console.session_hours)
    if now().timestamp() - started > lifetime.total_seconds():
        session.clear()
        return None
    with services().session_factory() as db:
        officer = db.get(Officer, officer_id)
        if officer is None or not officer.active or officer.username != session.get("username"):
            session.clear()
            return None
        g.actor = actor_of(officer)
        g.officer_name = officer.display_name
    return None


@blueprint.errorhandler(CsrfRefused)
def _csrf_refused(_exc: CsrfRefused) -> tuple[str, int]:
    return render_template("console/error.html", title=translate("error.csrf_title"),
                           message=translate("error.csrf")), 400


@blueprint.errorhandler(404)
def _not_found(_exc: Exception) -> tuple[str, int]:
    return render_template("console/error.html", title=translate("error.not_found_title"),
                           message=translate("error.not_found")), 404


@blueprint.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'")
    return response


@blueprint.app_context_processor
def _template_globals() -> dict[str, Any]:
    if not request.blueprint or not request.blueprint.startswith("console"):
        return {}
    return {"t": translate, "csrf_token": csrf_token, "ui_lang": ui_language(), "ui_languages": UI_LANGUAGES,
            "ui_language_names": UI_LANGUAGE_NAMES, "actor": g.get("actor"), "officer_name": g.get("officer_name"),
            "Permission": Permission}


def current_actor() -> Actor:
    actor = g.get("actor")
    if actor is None:
        abort(401)
    return actor


def officer_required(permission: Permission = Permission.VIEW) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed-in officers only; others go to the sign-in page, officers without the permission get 403."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = g.get("actor")
            if actor is None:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if not actor.can(permission):
                return render_template("console/error.html", title=translate("error.forbidden_title"),
                                       message=translate("error.forbidden", permission=permission.value)), 403
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
        with services().session_factory.begin() as db:
            try:
                officer = authenticate(db, username, password, now=now())
            except LoginRefused as exc:
                officer = None
                locked = exc.locked_until is not None
                record(db, username or "-", AuditAction.LOCKED if locked else AuditAction.LOGIN_FAILED, "officer",
                       username or "-", now=now(), summary=request.remote_addr)
                if locked:
                    minutes = max(1, round((exc.locked_until - now()).total_seconds() / 60))
                    error = translate("login.locked", minutes=minutes)
                else:
                    error = translate("login.wrong")
                status = 401
            else:
                record(db, officer.username, AuditAction.LOGIN, "officer", officer.username, now=now(),
                       summary=request.remote_addr)
                officer_id, name = officer.id, officer.username
        if error is None:
            ui_lang = session.get("ui_lang")
            session.clear()  # a new session at sign-in: nothing from before it is trusted
            session.permanent = True
            session.update(officer_id=officer_id, username=name, signed_in_at=now().timestamp(),
                           csrf=secrets.token_urlsafe(32))
            if ui_lang:
                session["ui_lang"] = ui_lang
            return redirect(_safe_next(request.args.get("next")))
    return render_template("console/login.html", error=error, next=request.args.get("next", "")), status


@blueprint.post("/logout")
def logout() -> Response:
    actor = g.get("actor")
    if actor is not None:
        with services().session_factory.begin() as db:
            record(db, actor, AuditAction.LOGOUT, "officer", actor.username, now=now())
    ui_lang = session.get("ui_lang")
    session.clear()
    if ui_lang:
        session["ui_lang"] = ui_lang
    return redirect(url_for("console.login"))


@blueprint.post("/language")
def choose_language() -> Response:
    chosen = request.form.get("lang")
    if chosen in UI_LANGUAGES:
        session["ui_lang"] = chosen
    return redirect(_safe_next(request.form.get("next")))
