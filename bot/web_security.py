"""What every response of the web application carries, whichever part answers it, and who the client is.

Each part of the site gets its own Content-Security-Policy: the console runs its own script and styles,
the residents' pages their stylesheet and the alerts script, and the API, the feeds and the webhooks are data that no
browser should run or frame. Every response, error pages and static files included, also says
``nosniff``, refuses to be framed and limits the referrer; HSTS when the public address is HTTPS. API
responses carry drafts and residents' cases: nobody may keep a copy (the OpenAPI document excepted).

Behind a reverse proxy the client's address is the one the proxy adds to ``X-Forwarded-For``:
``web.trusted_proxy_hops`` says how many proxies to trust, and with 0 the header is ignored.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum

from flask import Flask, Request, Response, request
from werkzeug.http import parse_list_header
from werkzeug.middleware.proxy_fix import ProxyFix

CONSOLE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
# The residents' pages run one script of our own (alerts in the browser), which registers our service worker and
# posts the subscription here; nothing else.
PUBLIC_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'none'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the city's other hosts are not ours to decide
CACHEABLE_API_PATHS = frozenset({"/api/v1/openapi.json"})


class SitePart(StrEnum):
    CONSOLE = "console"
    API = "api"
    FEEDS = "feeds"
    WEBHOOKS = "webhooks"
    PUBLIC = "public"  # the residents' pages, their stylesheet, and anything else


_PREFIXES = (
    ("/console", SitePart.CONSOLE),
    ("/api", SitePart.API),
    ("/feeds", SitePart.FEEDS),
    ("/webhooks", SitePart.WEBHOOKS),
)
_POLICIES = {
    SitePart.CONSOLE: (CONSOLE_CSP, "same-origin"),
    SitePart.PUBLIC: (PUBLIC_CSP, "strict-origin-when-cross-origin"),
    SitePart.API: (DATA_CSP, "no-referrer"),
    SitePart.FEEDS: (DATA_CSP, "no-referrer"),
    SitePart.WEBHOOKS: (DATA_CSP, "no-referrer"),
}


def site_part(path: str) -> SitePart:
    for prefix, part in _PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return part
    return SitePart.PUBLIC


def security_headers(path: str, *, https: bool) -> list[tuple[str, str]]:
    """The headers every response on ``path``'s part of the site carries (caching aside)."""
    csp, referrer = _POLICIES[site_part(path)]
    headers = [
        ("Content-Security-Policy", csp),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", referrer),
    ]
    return [*headers, ("Strict-Transport-Security", HSTS)] if https else headers


def add_security_headers(response: Response, path: str, *, https: bool) -> Response:
    for name, value in security_headers(path, https=https):
        response.headers[name] = value
    part = site_part(path)
    if part is SitePart.API and path not in CACHEABLE_API_PATHS:
        response.headers["Cache-Control"] = "no-store"
    elif part is SitePart.CONSOLE:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def install(app: Flask, *, https: bool, trusted_proxy_hops: int) -> None:
    """The headers on every response (error pages and static files too), and the proxies to trust."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        return add_security_headers(response, request.path, https=https)

    if trusted_proxy_hops:
        # Wrapping wsgi_app is Flask's documented way to add WSGI middleware.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxy_hops)  # type: ignore[method-assign]  # as documented


def client_address(request: Request, trusted_proxy_hops: int) -> str | None:
    """The client's network address: the peer's with no proxy to trust, else the address the trusted proxy
    furthest from civicast saw. None when a request carries fewer forwarded addresses than there are
    proxies (or not an address): then only a proxy's own address is known, and counting refusals against
    it would make everyone behind it wait."""
    if trusted_proxy_hops:  # read as ProxyFix reads it (it has set remote_addr from the same value)
        forwarded = parse_list_header(request.headers.get("X-Forwarded-For", ""))
        if len(forwarded) < trusted_proxy_hops:
            return None
        try:  # what a proxy wrote: an address, or nothing to count against
            return str(ipaddress.ip_address(forwarded[-trusted_proxy_hops].strip()))
        except ValueError:
            return None
    return request.remote_addr or None
