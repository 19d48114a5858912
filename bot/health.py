"""``/metrics`` (Prometheus), ``/readyz`` (can this process serve?) and the request id every log line carries."""

from __future__ import annotations

import hmac
import ipaddress
import re
import uuid
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.database import alembic_config
from bot.metrics import DatabaseCollector, exposition
from bot.office.services import Services
from messages.log_context import REQUEST_ID
from scheduler.outbox import paused_channels

blueprint = Blueprint("health", __name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
EXPOSITION_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _services() -> Services:
    return current_app.extensions["civicast"]


@blueprint.before_app_request
def _take_request_id() -> None:
    """A proxy's X-Request-Id is kept when it is sane; otherwise one is made."""
    given = request.headers.get("X-Request-Id", "")
    request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.civicast_request_id_token = REQUEST_ID.set(request_id)


@blueprint.after_app_request
def _give_request_id(response: Response) -> Response:
    request_id = REQUEST_ID.get()
    if request_id:
        response.headers["X-Request-Id"] = request_id
    return response


@blueprint.teardown_app_request
def _forget_request_id(_exc: BaseException | None) -> None:
    token = g.pop("civicast_request_id_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


def _allowed() -> bool:
    settings = _services().settings.metrics
    if settings.allow_from:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return False
        if not any(address in ipaddress.ip_network(net, strict=False) for net in settings.allow_from):
            return False
    if settings.bearer_token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {settings.bearer_token}".encode())
    return True


@blueprint.get("/metrics")
def metrics() -> Response:
    if not _allowed():
        abort(403)
    collector: DatabaseCollector = current_app.extensions["civicast.metrics_collector"]
    return Response(exposition(collector), headers={"Content-Type": EXPOSITION_TYPE, "Cache-Control": "no-store"})


def migration_head(services: Services) -> str | None:
    """The revision this code expects (read once per process)."""
    cached = current_app.extensions.get("civicast.migration_head")
    if cached is None:
        script = ScriptDirectory.from_config(alembic_config(services.settings.database.url))
        cached = current_app.extensions["civicast.migration_head"] = ",".join(sorted(script.get_heads()))
    return cached


def readiness(services: Services) -> tuple[bool, dict[str, Any]]:
    """Ready: the database answers and its schema is at this code's migration head. Paused channels are listed
    (officers resume them) but do not make the process unready."""
    head = migration_head(services)
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = ",".join(sorted(MigrationContext.configure(connection).get_current_heads())) or None
        with services.session_factory() as session:
            paused = sorted(paused_channels(session))
    except SQLAlchemyError as exc:
        detail = " ".join(str(exc).split())[:200]
        return False, {
            "status": "unavailable",
            "problems": [f"database unreachable: {type(exc).__name__}: {detail}"],
            "database": "unreachable",
            "migrations": {"current": None, "head": head},
        }
    problems = []
    if current != head:
        problems.append(
            f"database schema at revision {current or 'none'}, this code needs {head}: run `civicast db upgrade`"
        )
    body = {
        "status": "ready" if not problems else "unavailable",
        "database": "ok",
        "migrations": {"current": current, "head": head},
        "paused_channels": paused,
    }
    if problems:
        body["problems"] = problems
    return not problems, body


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    ready, body = readiness(_services())
    return jsonify(body), 200 if ready else 503


def install(app: Flask, services: Services) -> None:
    app.extensions["civicast.metrics_collector"] = DatabaseCollector(
        services.session_factory, lambda: services.channels.keys()
    )
    app.register_blueprint(blueprint)
