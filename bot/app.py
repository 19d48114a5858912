"""The web application: ``create_app(settings)`` builds it; nothing is read at import time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask, Response, jsonify

from bot import line_webhook, messenger_webhook
from bot.public import feeds
from bot.services import Services
from bot.settings import Settings

MAX_REQUEST_BYTES = 4 * 1024 * 1024


def create_app(settings: Settings, services: Services | None = None, *, resume_webhook_events: bool = True) -> Flask:
    services = services or Services(settings)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["civicast"] = services
    app.extensions["civicast.feeds"] = feeds.FeedService(services)
    app.register_blueprint(feeds.blueprint)

    # Webhook events are handled after the response, on this pool (LINE wants its answer quickly).
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="webhook-event")
    app.extensions["civicast.webhook_executor"] = executor
    channels = settings.channels
    app.extensions["civicast.line_bot"] = line_webhook.LineBot(
        channel_secret=channels.line.channel_secret, engine=services.conversation_engine, line=services.line,
        session_factory=services.session_factory, executor=executor)
    app.extensions["civicast.messenger_bot"] = messenger_webhook.MessengerBot(
        app_secret=channels.facebook.app_secret, verify_token=channels.facebook.verify_token,
        engine=services.conversation_engine, facebook=services.facebook, session_factory=services.session_factory,
        executor=executor)
    app.register_blueprint(line_webhook.blueprint)
    app.register_blueprint(messenger_webhook.blueprint)
    if resume_webhook_events:  # events a previous process stored and never answered
        for bot in (app.extensions["civicast.line_bot"], app.extensions["civicast.messenger_bot"]):
            bot.inbox.resume()

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", channels_mode=settings.channels.mode)

    return app
