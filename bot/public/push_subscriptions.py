"""A browser's push subscription as a resident of its own kind: what a page may send, checked; stored and removed.

The resident's id is a hash of the endpoint (the endpoint itself is a secret of the browser's push service and is
kept only in the delivery address); language, topics and districts segment it as they do a LINE resident.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session

from channels.webpush import endpoint_id
from messages.glossary import WHOLE_CITY, Glossary, UnknownTerm
from scheduler.audience import (
    TOPIC_BITS,
    Subscriber,
    SubscriberStatus,
    district_mask,
    find_subscriber,
    topic_mask,
)

CHANNEL = "webpush"
MAX_ENDPOINT = 1024
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


class SubscriptionRefused(ValueError):
    """What is wrong with a subscription a page sent, in a sentence for the developer reading the answer."""


@dataclass(frozen=True)
class PushSubscriptionRequest:
    endpoint: str
    p256dh: str
    auth: str
    language: str
    topics: tuple[str, ...]
    districts: tuple[str, ...]  # empty: the whole city

    @property
    def address(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def _text(data: dict[str, Any], name: str, *, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise SubscriptionRefused(f"{name} is required and must be text")
    if CONTROL.search(value):
        raise SubscriptionRefused(f"{name} contains control characters")
    if len(value) > limit:
        raise SubscriptionRefused(f"{name} is longer than {limit} characters")
    return value


def _unb64(value: str, name: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise SubscriptionRefused(f"{name} is not URL-safe base64") from None


def checked_endpoint(value: str, *, allow_local_http: bool) -> str:
    """An https URL of a push service (in sandbox mode also http on this machine, where the sandbox runs)."""
    parts = urlsplit(value)
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and allow_local_http
    if not (parts.scheme == "https" or local) or not parts.netloc or any(c.isspace() for c in value):
        raise SubscriptionRefused("endpoint must be the https:// URL the browser's push service gave")
    return value


def checked_keys(keys: Any) -> tuple[str, str]:
    """p256dh: the browser's P-256 public key (65 bytes, a point on the curve); auth: its 16-byte secret."""
    if not isinstance(keys, dict):
        raise SubscriptionRefused("keys must be an object with p256dh and auth")
    p256dh = _text(keys, "p256dh", limit=200)
    auth = _text(keys, "auth", limit=100)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(p256dh, "p256dh"))
    except ValueError:
        raise SubscriptionRefused("p256dh is not a P-256 public key") from None
    if len(_unb64(auth, "auth")) != 16:
        raise SubscriptionRefused("auth must be 16 bytes")
    return p256dh, auth


def parse_subscription(
    data: Any, *, languages: tuple[str, ...], glossary: Glossary, allow_local_http: bool
) -> PushSubscriptionRequest:
    """The page's JSON: {subscription: {endpoint, keys: {p256dh, auth}}, language, topics: [...], districts: [...]}."""
    if not isinstance(data, dict):
        raise SubscriptionRefused("the body must be a JSON object")
    subscription = data.get("subscription")
    if not isinstance(subscription, dict):
        raise SubscriptionRefused("subscription must be the browser's PushSubscription as JSON")
    endpoint = checked_endpoint(_text(subscription, "endpoint", limit=MAX_ENDPOINT), allow_local_http=allow_local_http)
    p256dh, auth = checked_keys(subscription.get("keys"))
    language = _text(data, "language", limit=16)
    if language not in languages:
        raise SubscriptionRefused(f"language {language!r} is not one of {', '.join(languages)}")
    topics = data.get("topics")
    if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
        raise SubscriptionRefused("topics must list at least one of " + ", ".join(TOPIC_BITS))
    unknown = [topic for topic in topics if topic not in TOPIC_BITS]
    if unknown:
        raise SubscriptionRefused(f"unknown topic {unknown[0][:40]!r}: choose from {', '.join(TOPIC_BITS)}")
    districts = data.get("districts", [])
    if not isinstance(districts, list) or not all(isinstance(d, str) for d in districts):
        raise SubscriptionRefused("districts must be a list of district keys (empty for the whole city)")
    for key in districts:
        if key != WHOLE_CITY:
            try:
                glossary.term("district", key)
            except UnknownTerm:
                raise SubscriptionRefused(f"unknown district {key[:40]!r}") from None
    chosen = () if WHOLE_CITY in districts else tuple(dict.fromkeys(districts))
    return PushSubscriptionRequest(endpoint, p256dh, auth, language, tuple(dict.fromkeys(topics)), chosen)


def store_subscription(
    session: Session, glossary: Glossary, request: PushSubscriptionRequest
) -> tuple[Subscriber, bool]:
    """The browser's resident row, made or brought up to date (a browser subscribing again changes its choices);
    True when it is new."""
    resident = find_subscriber(session, CHANNEL, endpoint_id(request.endpoint))
    created = resident is None
    if resident is None:
        resident = Subscriber(channel=CHANNEL, platform_user_id=endpoint_id(request.endpoint))
        session.add(resident)
    resident.language = request.language
    resident.topics = topic_mask(request.topics)
    resident.whole_city = not request.districts
    resident.districts = district_mask(glossary, request.districts)
    resident.status = SubscriberStatus.ACTIVE
    resident.address = request.address
    session.flush()
    return resident, created


def remove_subscription(session: Session, endpoint: str) -> bool:
    """The browser unsubscribed: it receives nothing more, and its address is not kept. False if unknown."""
    resident = find_subscriber(session, CHANNEL, endpoint_id(endpoint))
    if resident is None or resident.status == SubscriberStatus.INACTIVE:
        return False
    resident.status = SubscriberStatus.INACTIVE
    resident.address = None
    session.flush()
    return True
