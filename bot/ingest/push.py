"""POST /ingest/cap/<secret>: the national platform pushes each alert's raw CAP XML here.

The document is stored before the answer (``<Data><Status>True</Status></Data>``, as the platform expects) and
decided after it, so the answer comes in milliseconds whatever follows. The platform's liveness probe is
answered and not stored. A wrong secret is a 404, an address outside ``cap.ingest.allow_from`` a 403. A body
over the size limit is kept only in part, recorded as refused for its size, and still answered True: sending
it again would not make it smaller.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wsgi import get_input_stream

from bot.ingest.intake import AlertIntake
from messages.cap_read import is_liveness_probe

log = logging.getLogger("civicast.ingest_webhook")
blueprint = Blueprint("ingest_webhook", __name__)
ACCEPTED = '<?xml version="1.0" encoding="utf-8" ?><Data><Status>True</Status></Data>'
NOT_ACCEPTED = '<?xml version="1.0" encoding="utf-8" ?><Data><Status>False</Status></Data>'
DRAIN_CHUNK = 64 * 1024
MAX_DRAIN = 256 * 1024 * 1024  # past this the connection is closed rather than read


def _answer(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="application/xml; charset=utf-8")


def read_body(limit: int) -> tuple[bytes, int | None]:
    """Up to ``limit`` bytes of the body, and the body's whole size when it was larger (the rest is read and
    dropped, so the connection stays usable)."""
    stream = get_input_stream(request.environ, safe_fallback=False, max_content_length=None)
    document = stream.read(limit + 1)
    if len(document) <= limit:
        return document, None
    total = len(document)
    while total < MAX_DRAIN and (chunk := stream.read(DRAIN_CHUNK)):
        total += len(chunk)
    return document[:limit], total


@blueprint.post("/ingest/cap/<secret>")
def push(secret: str) -> Response:
    intake: AlertIntake = current_app.extensions["civicast.alert_intake"]
    if not intake.push_secret or not hmac.compare_digest(secret.encode(), intake.push_secret.encode()):
        abort(404)
    if not intake.address_allowed(request.remote_addr):
        log.warning("CAP push refused from %s: not in cap.ingest.allow_from", request.remote_addr)
        return _answer(NOT_ACCEPTED, 403)
    document, truncated_from = read_body(intake.limits.max_bytes)
    if truncated_from is None and is_liveness_probe(document):
        return _answer(ACCEPTED)
    try:
        intake.receive(document, source="push", origin=request.remote_addr, truncated_from=truncated_from)
    except SQLAlchemyError as exc:  # not stored: the platform must try again
        log.error("CAP push not stored: %s", exc)
        return _answer(NOT_ACCEPTED, 503)
    return _answer(ACCEPTED)
