"""The console's signed-cookie sessions, without building a signer for requests that carry no session.

Flask's own interface builds an itsdangerous serializer on every request, cookie or not (and
the serializer encodes a probe value to learn its type). Most requests civicast serves carry
no session cookie: webhook deliveries, feeds, the API, residents' pages. On a typhoon night
the webhook alone takes hundreds of deliveries a second, and that construction was about a
twelfth of each one's time, so a request without the cookie gets an empty session straight
away, and the signer is built once per key.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessions(SecureCookieSessionInterface):
    """Flask's SecureCookieSessionInterface, signing and checking exactly as it does."""

    def __init__(self) -> None:
        self._signers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        # The key and its fallbacks name the signer: a rotated key (in tests, a new app) gets a new one.
        key = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        signer = self._signers.get(key)
        if signer is None:
            signer = super().get_signing_serializer(app)
            if signer is not None:
                self._signers[key] = signer
        return signer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
