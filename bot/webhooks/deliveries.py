"""The platforms' webhook deliveries, answered in front of Flask.

A delivery does one thing: check its signature and store its events (they are answered later). On a
typhoon night LINE sends hundreds a second, and Flask's part of each (request context, URL map,
session, response object, hooks) cost as much CPU as that work: 0.65 of 1.5 ms per delivery, measured
in one process on PostgreSQL. So a POST to a webhook path is answered here, a plain WSGI layer around
the Flask app, with what Flask's answer carried: the webhooks' security headers and the request id
(taken from a sane ``X-Request-Id`` or made, and on every log line written meanwhile). Every other
request goes to Flask, the Messenger verification GET included.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from bot.web_security import security_headers
from messages.log_context import REQUEST_ID

log = logging.getLogger("civicast.webhooks")
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
REASONS = {200: "OK", 400: "BAD REQUEST", 404: "NOT FOUND", 405: "METHOD NOT ALLOWED", 413: "REQUEST ENTITY TOO LARGE"}
REASONS |= {500: "INTERNAL SERVER ERROR", 503: "SERVICE UNAVAILABLE"}


@dataclass(frozen=True, kw_only=True)
class WebhookPath:
    """One platform's webhook: how a delivery is accepted (status and a short reason), and its limits."""

    accept: Callable[[bytes, str], tuple[int, str]]
    signature_header: str  # the WSGI key, e.g. HTTP_X_LINE_SIGNATURE
    max_body: int
    only_post: bool  # False: other methods are Flask's (Messenger's verification GET)


def request_id(environ: Mapping[str, Any]) -> str:
    """A proxy's X-Request-Id when it is sane; otherwise a new one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if SANE_REQUEST_ID.match(given) else uuid.uuid4().hex


def read_body(environ: Mapping[str, Any], max_body: int) -> bytes | None:
    """The request body, or None when it is longer than ``max_body`` (said or found)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = -1
    if length > max_body:
        return None
    stream = environ["wsgi.input"]
    body: bytes = stream.read(length) if length >= 0 else stream.read(max_body + 1)  # chunked: read to the bound
    return None if len(body) > max_body else body


class WebhookDeliveries:
    """WSGI middleware: POSTs to the webhook paths answered here, everything else by ``app``."""

    def __init__(self, app: WSGIApplication, paths: Mapping[str, WebhookPath], *, https: bool) -> None:
        self.app = app
        self.paths = dict(paths)
        # One webhook path's headers are every webhook path's: built once.
        self._headers = security_headers(next(iter(self.paths), "/webhooks"), https=https)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = self.paths.get(environ.get("PATH_INFO", ""))
        if path is None:
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        if method != "POST" and not path.only_post:
            return self.app(environ, start_response)
        given_id = request_id(environ)
        token = REQUEST_ID.set(given_id)
        try:
            status, message, extra = self._answer(environ, path, method)
        finally:
            REQUEST_ID.reset(token)
        body = message.encode()
        headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("X-Request-Id", given_id),
            *self._headers,
            *extra,
        ]
        start_response(f"{status} {REASONS.get(status, '')}".rstrip(), headers)
        return [body]

    @staticmethod
    def _answer(environ: WSGIEnvironment, path: WebhookPath, method: str) -> tuple[int, str, list[tuple[str, str]]]:
        if method != "POST":
            return 405, "method not allowed", [("Allow", "POST")]
        body = read_body(environ, path.max_body)
        if body is None:
            return 413, "request body too large", []
        try:
            status, message = path.accept(body, environ.get(path.signature_header, ""))
        except Exception:  # the platform delivers again; the log has what went wrong
            log.exception("a webhook delivery to %s failed", environ.get("PATH_INFO"))
            return 500, "internal error", []
        return status, message, []
