"""``Authorization: Bearer cvk_<test|live>_<id>_<secret>``: who is calling, as an office Actor.

The key is checked by ``bot.office.api_keys.verify_api_key`` (which also notes its last use); the
actor carries the key's mode, so the desk can refuse a test key anything live.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g, request

from bot.api.problems import Problem
from bot.office.accounts import Actor, actor_of
from bot.office.api_keys import InvalidApiKey, verify_api_key
from bot.services import Services

REALM = 'Bearer realm="civicast"'


def services() -> Services:
    return current_app.extensions["civicast"]


def _unauthorized(detail: str, *, error: str | None = None) -> Problem:
    challenge = REALM if error is None else f'{REALM}, error="{error}"'
    return Problem("unauthorized", detail, headers={"WWW-Authenticate": challenge})


def authenticate() -> None:
    """Set ``g.actor`` from the request's bearer key, or raise a 401 problem."""
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.strip().partition(" ")
    if not header.strip():
        raise _unauthorized("send your API key as 'Authorization: Bearer <key>'")
    if scheme.lower() != "bearer" or not presented.strip():
        raise _unauthorized("only bearer API keys are accepted: 'Authorization: Bearer <key>'",
                            error="invalid_request")
    with services().session_factory.begin() as session:
        try:
            key, officer = verify_api_key(session, presented.strip(), now=datetime.now(UTC))
        except InvalidApiKey as exc:
            raise _unauthorized(str(exc), error="invalid_token") from None
        g.actor = actor_of(officer, via="api", key_mode=key.mode)


def current_actor() -> Actor:
    return g.actor
