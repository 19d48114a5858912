"""Alerts in a browser: the form the notice pages offer, the endpoint that stores a browser's push subscription
(``POST /push/subscriptions``) or removes it (``DELETE``), and the service worker that shows the notifications.

The endpoint takes JSON only (a cross-site form cannot send it, and a cross-site script must ask first, which is
refused), refuses another site's Origin, bodies over 4 KB and control characters, and counts each client's
attempts. The pages work without the script: the form then says what alerts need.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory, url_for
from sqlalchemy.exc import IntegrityError

from bot.office.services import Services
from bot.public.page_kit import PageLanguage, current_services
from bot.public.push_subscriptions import (
    SubscriptionRefused,
    parse_subscription,
    remove_subscription,
    store_subscription,
)
from bot.web_security import client_address
from channels.webpush import WebPushChannel
from scheduler.audience import TOPIC_BITS

blueprint = Blueprint("push", __name__)
STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 4096
TOPIC_LABELS = {"disaster": "series_disaster", "health": "series_health", "transport": "series_transport"}


class AttemptWindow:
    """At most ``limit`` attempts per client in ``window_s`` seconds (a browser subscribes once; a script
    making thousands of residents is slowed down). Bounded: the least recent clients are forgotten first."""

    def __init__(self, limit: int = 10, window_s: float = 60.0, max_clients: int = 10_000) -> None:
        self.limit, self.window_s, self.max_clients = limit, window_s, max_clients
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_s(self, client: str, now: float) -> float:
        """0 when this attempt may go ahead (and is counted), else how long to wait."""
        with self._lock:
            attempts = self._attempts.setdefault(client, deque())
            self._attempts.move_to_end(client)
            while attempts and attempts[0] <= now - self.window_s:
                attempts.popleft()
            if len(attempts) >= self.limit:
                return attempts[0] + self.window_s - now
            attempts.append(now)
            while len(self._attempts) > self.max_clients:
                self._attempts.popitem(last=False)
            return 0.0


def webpush_channel(services: Services) -> WebPushChannel | None:
    channel = services.channels.get("webpush")
    return channel if isinstance(channel, WebPushChannel) else None


def push_form(services: Services, choice: PageLanguage) -> dict[str, Any] | None:
    """What the notice pages' "Alert me in this browser" form needs, or None where Web Push is not enabled."""
    channel = webpush_channel(services)
    if channel is None:
        return None
    glossary = services.glossary
    return {
        "key": channel.public_key,
        "language": choice.code,
        "language_name": choice.language.native_name,
        "topics": [{"value": topic, "label_key": TOPIC_LABELS[topic]} for topic in TOPIC_BITS],
        "districts": [
            {"key": term.key, "name": glossary.name("district", term.key, choice.language)}
            for term in glossary.terms("district")
        ],
        "subscribe_url": url_for("push.subscriptions"),
        "worker_url": url_for("push.worker"),
        "script_url": url_for("public.static", filename="push.js"),
    }


def refused(status: int, message: str, **headers: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    response.headers.update(headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _cross_site_refusal(services: Services) -> Response | None:
    """A request another site's page made: refused (no cookie is involved, but nobody else's page may sign a
    visitor up or off)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return refused(403, "subscriptions are accepted from this site's own pages only")
    origin = request.headers.get("Origin")
    allowed = {_origin(request.host_url), _origin(services.settings.public_base_url)}
    if origin is not None and origin not in allowed:
        return refused(403, f"Origin {origin[:80]!r} is not this site")
    return None


def _json_body(services: Services) -> Any:
    cross_site = _cross_site_refusal(services)
    if cross_site is not None:
        raise _Refusal(cross_site)
    if request.mimetype != "application/json":
        raise _Refusal(refused(415, "send the subscription as application/json"))
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise _Refusal(refused(413, f"the body must be at most {MAX_BODY_BYTES} bytes"))
    client = client_address(request, services.settings.web.trusted_proxy_hops) or "unknown"
    attempts = current_app.extensions.setdefault("civicast.push_attempts", AttemptWindow())
    wait = attempts.wait_s(client, time.monotonic())
    if wait > 0:
        raise _Refusal(refused(429, "too many attempts: try again later", **{"Retry-After": str(int(wait) + 1)}))
    data = request.get_json(silent=True)
    if data is None:
        raise _Refusal(refused(400, "the body is not JSON"))
    return data


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@blueprint.post("/push/subscriptions", endpoint="subscriptions")
def subscribe() -> Response:
    services = current_services()
    if webpush_channel(services) is None:
        return refused(404, "alerts in the browser are not offered here")
    try:
        data = _json_body(services)
        wanted = parse_subscription(
            data,
            languages=tuple(services.settings.languages),
            glossary=services.glossary,
            allow_local_http=services.settings.channels.mode == "sandbox",
        )
    except _Refusal as refusal:
        return refusal.response
    except SubscriptionRefused as exc:
        return refused(400, str(exc))
    for attempt in (1, 2):  # the same browser subscribing twice at once: the second finds the first's row
        try:
            with services.session_factory.begin() as session:
                _resident, created = store_subscription(session, services.glossary, wanted)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    response = jsonify(
        subscribed=True, language=wanted.language, topics=list(wanted.topics), districts=list(wanted.districts)
    )
    response.status_code = 201 if created else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.delete("/push/subscriptions")
def unsubscribe() -> Response:
    services = current_services()
    try:
        data = _json_body(services)
    except _Refusal as refusal:
        return refusal.response
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1024:
        return refused(400, "endpoint is required: the browser's push endpoint")
    with services.session_factory.begin() as session:
        removed = remove_subscription(session, endpoint)
    if not removed:
        return refused(404, "no browser is subscribed with this endpoint")
    response = jsonify(unsubscribed=True)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/push/worker.js", endpoint="worker")
def service_worker() -> Response:
    """The service worker, under /push/ so that is its scope: it shows notifications, it handles no page."""
    response = send_from_directory(STATIC, "push-worker.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
