"""The web application: ``create_app(settings)`` builds it; nothing is read at import time."""

from __future__ import annotations

from flask import Flask, Response, jsonify

from bot.public import feeds
from bot.services import Services
from bot.settings import Settings

MAX_REQUEST_BYTES = 4 * 1024 * 1024


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    services = services or Services(settings)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["civicast"] = services
    app.extensions["civicast.feeds"] = feeds.FeedService(services)
    app.register_blueprint(feeds.blueprint)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", channels_mode=settings.channels.mode)

    return app
