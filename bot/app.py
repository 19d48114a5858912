"""The web application: ``create_app(settings)`` builds it; nothing is read at import time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from argon2 import PasswordHasher
from flask import Flask, Response, jsonify, redirect, request
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response as WerkzeugResponse  # what redirect() gives

from bot import console, health, web_security
from bot.api import problems
from bot.api import v1 as api_v1
from bot.console import auth as console_auth
from bot.ingest import push as cap_push
from bot.office.services import Services
from bot.public import cable_slides, feeds, opendata, pages, push
from bot.routing import DatabaseIdConverter
from bot.sessions import CookieSessions
from bot.settings import Settings
from bot.webhooks import line as line_webhook
from bot.webhooks import messenger as messenger_webhook
from bot.webhooks.deliveries import WebhookDeliveries, WebhookPath
from bot.webhooks.worker import build_bots

MAX_REQUEST_BYTES = 4 * 1024 * 1024


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether a failure is the database not answering (try again shortly) rather than a fault in a page."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, PoolTimeout))


def create_app(
    settings: Settings,
    services: Services | None = None,
    *,
    resume_webhook_events: bool = True,
    password_hasher: PasswordHasher | None = None,
) -> Flask:
    """The whole web application. ``password_hasher`` replaces the console's argon2 parameters (tests)."""
    services = services or Services(settings)
    app = Flask(__name__)
    # Every <int:…> in a route is an id the database can hold; any other number matches no route (404).
    app.url_map.converters["int"] = DatabaseIdConverter
    web_security.install(
        app, https=settings.public_base_url.startswith("https://"), trusted_proxy_hops=settings.web.trusted_proxy_hops
    )
    app.config.update(MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # a DefaultJSONProvider, typed as its base
    secure = settings.console.secure_cookies
    app.config.update(
        SECRET_KEY=services.console_secret_key,
        SESSION_COOKIE_NAME="civicast_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://") if secure is None else secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.console.session_hours),
    )
    app.session_interface = CookieSessions()
    app.extensions["civicast"] = services
    if password_hasher is not None:
        app.extensions["civicast.password_hasher"] = password_hasher
    app.extensions["civicast.feeds"] = feeds.FeedService(services)
    app.register_blueprint(feeds.blueprint)
    cable_slides.install(app)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(push.blueprint)  # browsers' push subscriptions and the service worker
    app.register_blueprint(opendata.blueprint)
    app.register_blueprint(api_v1.blueprint)
    app.register_blueprint(console.blueprint)
    health.install(app, services)  # /metrics, /readyz, and the request id on every log line

    # Webhook events are handled after the response, on this pool (LINE wants its answer quickly).
    executor = ThreadPoolExecutor(max_workers=settings.webhooks.threads, thread_name_prefix="webhook-event")
    app.extensions["civicast.webhook_executor"] = executor
    handle_here = settings.webhooks.handle_in_web
    line_bot, messenger_bot = build_bots(services, executor, handle_here=handle_here)
    app.extensions["civicast.line_bot"] = line_bot
    app.extensions["civicast.messenger_bot"] = messenger_bot
    app.register_blueprint(messenger_webhook.blueprint)  # its verification GET; deliveries are answered in front
    app.wsgi_app = WebhookDeliveries(  # type: ignore[method-assign]  # Flask's documented way to add middleware
        app.wsgi_app,
        {
            "/webhooks/line": WebhookPath(
                accept=line_bot.accept,
                signature_header="HTTP_X_LINE_SIGNATURE",
                max_body=line_webhook.MAX_BODY,
                only_post=True,
            ),
            "/webhooks/facebook": WebhookPath(
                accept=messenger_bot.accept,
                signature_header="HTTP_X_HUB_SIGNATURE_256",
                max_body=messenger_webhook.MAX_BODY,
                only_post=False,
            ),
        },
        https=settings.public_base_url.startswith("https://"),
    )
    app.extensions["civicast.alert_intake"] = services.alert_intake
    app.register_blueprint(cap_push.blueprint)
    if resume_webhook_events and settings.cap.ingest.enabled:  # alerts a previous process stored, undecided
        services.alert_intake.start()
    if resume_webhook_events and handle_here:  # events a previous process stored and never answered
        line_bot.inbox.resume()
        messenger_bot.inbox.resume()

    # Routing errors (no rule matched, wrong method) reach no blueprint's handlers: each part of the site
    # still answers them in its own way (problem+json, the console's page, the residents' page).
    @app.errorhandler(HTTPException)
    def unrouted(exc: HTTPException) -> Response | HTTPException:
        if problems.is_api_path(request.path):
            return problems.http_problem_response(exc)
        if exc.code != 404:
            return _bare_error_page(exc)
        return console_auth.not_found_page() if console_auth.is_console_path(request.path) else pages.not_found_page()

    # Anything no handler expected. Flask has logged it with its traceback (app.logger) before calling
    # this; the visitor gets the part's own page, never a traceback.
    @app.errorhandler(InternalServerError)
    def failed(exc: InternalServerError) -> Response:
        if problems.is_api_path(request.path):
            return problems.http_problem_response(exc)
        unavailable = database_unavailable(exc.original_exception)
        if console_auth.is_console_path(request.path):
            return console_auth.failure_page(unavailable=unavailable)
        return pages.unavailable_page(status=503 if unavailable else 500)

    @app.get("/")
    def home() -> WerkzeugResponse:
        return redirect("/notices")

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", channels_mode=settings.channels.mode)

    return app


def _bare_error_page(exc: HTTPException) -> Response:
    """Werkzeug's own page for a routing error (405, 400…), with the landmarks every page has: its wording
    and status unchanged, its headers (Allow on a 405) kept."""
    page = (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{exc.code} {escape(exc.name)}</title></head>\n"
        f"<body><main><h1>{escape(exc.name)}</h1><p>{escape(exc.description or '')}</p></main></body>\n</html>\n"
    )
    response = Response(page, status=exc.code, mimetype="text/html")
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
