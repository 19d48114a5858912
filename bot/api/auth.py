"""``Authorization: Bearer cvk_<test|live>_<id>_<secret>``: who is calling, as an office Actor.

The key is checked by ``bot.office.api_keys.verify_api_key`` (which also notes its last use); the
actor carries the key's mode, so the desk can refuse a test key anything live.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime

from flask import current_app, g, request

from bot.api.problems import Problem
from bot.office.accounts import Actor, actor_of
from bot.office.api_keys import InvalidApiKey, verify_api_key
from bot.office.services import Services
from scheduler.ratelimit import TokenBucket

REALM = 'Bearer realm="civicast"'
LIMITS_EXTENSION = "civicast.api_rate_limits"


class KeyRateLimits:
    """A token bucket per API key in this process: ``per_minute`` requests, a minute's worth at once.

    A runaway script is slowed down, not the console or the other keys. With several web processes
    each allows the full rate (the limit is there against accidents, not as a quota)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def wait_for(self, key_id: str) -> float:
        """0.0 when the key may make this request, else the seconds it must wait."""
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = TokenBucket(self.per_minute / 60, burst=self.per_minute)
        return bucket.try_take()


def _limits() -> KeyRateLimits:
    extensions = current_app.extensions
    if LIMITS_EXTENSION not in extensions:
        extensions.setdefault(LIMITS_EXTENSION, KeyRateLimits(services().settings.api.requests_per_minute))
    return extensions[LIMITS_EXTENSION]


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
        raise _unauthorized("only bearer API keys are accepted: 'Authorization: Bearer <key>'", error="invalid_request")
    with services().session_factory.begin() as session:
        try:
            key, officer = verify_api_key(session, presented.strip(), now=datetime.now(UTC))
        except InvalidApiKey as exc:
            raise _unauthorized(str(exc), error="invalid_token") from None
        key_id = key.key_id
        g.actor = actor_of(officer, via="api", key_mode=key.mode, key_id=key.key_id)
    limits = _limits()
    wait = math.ceil(limits.wait_for(key_id))
    if wait:
        raise Problem(
            "rate-limited",
            f"this key may make {limits.per_minute} requests a minute; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def current_actor() -> Actor:
    return g.actor
