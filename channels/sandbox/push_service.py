"""A stand-in for a browser's push service (RFC 8030), checking what a real one checks and reading what it carries.

A push to ``/push/send/<id>`` must carry a VAPID ``Authorization: vapid t=<JWT>, k=<key>`` (RFC 8292): an ES256
JWT whose signature verifies against ``k``, whose ``aud`` is this service's origin, whose ``exp`` is in the next
24 hours and whose ``sub`` is a contact; with a ``TTL`` header and an ``aes128gcm`` body (RFC 8188) that decrypts
with the subscription's private key and auth secret (RFC 8291), which only this stand-in and the browser hold.
Each push is recorded decrypted, so a test reads the notification a browser would show.

Controls: ``POST /sandbox/push/subscriptions`` makes a subscription as a browser would (endpoint, p256dh, auth);
``GET /sandbox/push/subscriptions/<id>`` lists what it received; ``POST …/<id>/expire`` makes the service answer
410 Gone, as for a browser that unsubscribed; ``POST /sandbox/push/faults`` queues answers (429 with
``Retry-After``, 5xx) for the next pushes. A push for another push service (a real browser's endpoint, which the
sandbox-mode channel rewrites to ``/push/foreign/<host>/<path>``) is checked and recorded, but cannot be read.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import jwt as vapid_jwt
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from channels.sandbox.line_state import json_response

MAX_PUSH_BYTES = 4096  # RFC 8030 §7.2: a push service must accept at least this much, and may refuse more
MAX_EXP_S = 24 * 3600  # RFC 8292 §2: exp no more than 24 hours ahead
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
URGENCIES = frozenset({"very-low", "low", "normal", "high"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class PushSubscription:
    id: str
    private_key: ec.EllipticCurvePrivateKey  # the browser's; never leaves the stand-in
    auth: bytes
    application_server_key: str | None = None  # the key the page subscribed with; other signers get 403
    expired: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64(point)


@dataclass
class PushServiceState:
    subscriptions: dict[str, PushSubscription] = field(default_factory=dict)
    foreign: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, float | None]] = field(default_factory=list)  # queued faults: status, Retry-After
    pushes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def origin_of(request: Request) -> str:
    return f"{request.scheme}://{request.host}"


def verified_claims(request: Request) -> tuple[dict[str, Any], str]:
    """The VAPID JWT's claims and the signer's key, or Refused(401) naming what is wrong."""
    header = request.headers.get("Authorization", "")
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "vapid":
        raise Refused(401, "Authorization must be 'vapid t=<JWT>, k=<key>' (RFC 8292)")
    parts = dict(item.strip().split("=", 1) for item in rest.split(",") if "=" in item)
    token, key = parts.get("t", ""), parts.get("k", "")
    if not token or not key:
        raise Refused(401, "the vapid Authorization needs both t= and k=")
    try:
        jwt_header = json.loads(_unb64(token.split(".", 1)[0]))
        claims: dict[str, Any] = vapid_jwt.decode(token, key)
    except (InvalidSignature, ValueError, TypeError):
        raise Refused(401, "the VAPID signature does not verify against k") from None
    if jwt_header.get("alg") != "ES256":
        raise Refused(401, "the VAPID JWT must be signed with ES256")
    if claims.get("aud") != origin_of(request):
        raise Refused(401, f"the VAPID aud {claims.get('aud')!r} is not this push service ({origin_of(request)})")
    exp = claims.get("exp")
    now = time.time()
    if not isinstance(exp, int) or exp <= now or exp > now + MAX_EXP_S + 60:
        raise Refused(401, "the VAPID exp must be within the next 24 hours")
    sub = str(claims.get("sub", ""))
    if not sub.startswith(("mailto:", "https://")):
        raise Refused(401, "the VAPID sub must be a mailto: or https: contact")
    return claims, key


def checked_headers(request: Request) -> dict[str, str]:
    """TTL, Urgency and Topic as RFC 8030 says they must be, and an aes128gcm body of a size pushes may have."""
    ttl = request.headers.get("TTL", "")
    if not ttl.isdigit():
        raise Refused(400, "a push needs a TTL header of whole seconds")
    urgency = request.headers.get("Urgency", "normal")
    if urgency not in URGENCIES:
        raise Refused(400, f"Urgency must be one of {', '.join(sorted(URGENCIES))}")
    topic = request.headers.get("Topic")
    if topic is not None and not TOPIC.match(topic):
        raise Refused(400, "Topic must be 1-32 characters of the URL-safe base64 alphabet")
    if request.headers.get("Content-Encoding", "").lower() != "aes128gcm":
        raise Refused(415, "the body must be aes128gcm (RFC 8188)")
    if (request.content_length or 0) > MAX_PUSH_BYTES:
        raise Refused(413, f"a push may carry at most {MAX_PUSH_BYTES} bytes")
    return {"ttl": ttl, "urgency": urgency, "topic": topic or ""}


class PushServiceSandbox:
    def __init__(self, state: PushServiceState | None = None) -> None:
        self.state = state or PushServiceState()
        self.url_map = Map(
            [
                Rule("/push/send/<subscription_id>", endpoint="push", methods=["POST"]),
                Rule("/push/foreign/<path:rest>", endpoint="foreign", methods=["POST"]),
                Rule("/sandbox/push/subscriptions", endpoint="subscribe", methods=["POST"]),
                Rule("/sandbox/push/subscriptions/<subscription_id>", endpoint="received", methods=["GET"]),
                Rule("/sandbox/push/subscriptions/<subscription_id>/expire", endpoint="expire", methods=["POST"]),
                Rule("/sandbox/push/foreign", endpoint="foreign_list", methods=["GET"]),
                Rule("/sandbox/push/faults", endpoint="faults", methods=["POST"]),
                Rule("/sandbox/push/reset", endpoint="reset", methods=["POST"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **values)
        except Refused as exc:
            response = json_response({"error": exc.reason}, exc.status)
        except HTTPException as exc:
            response = json_response({"error": exc.description}, exc.code or 400)
        return response(environ, start_response)

    # ------------------------------------------------------------------ what a browser would do

    def subscribe(self, application_server_key: str | None = None) -> PushSubscription:
        subscription = PushSubscription(
            id=secrets.token_urlsafe(16),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
            application_server_key=application_server_key,
        )
        with self.state.lock:
            self.state.subscriptions[subscription.id] = subscription
        return subscription

    def received(self, subscription_id: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.subscriptions[subscription_id].messages)

    # ------------------------------------------------------------------ pushes

    def _gate(self, request: Request) -> tuple[dict[str, Any], str, dict[str, str]]:
        claims, key = verified_claims(request)
        headers = checked_headers(request)
        with self.state.lock:
            answer = self.state.answers.pop(0) if self.state.answers else None
        if answer is not None:
            status, retry_after = answer
            extra = {"Retry-After": str(int(retry_after))} if retry_after is not None else None
            raise _Answer(json_response({"error": "injected"}, status, extra))
        return claims, key, headers

    def on_push(self, request: Request, subscription_id: str) -> Response:
        with self.state.lock:
            subscription = self.state.subscriptions.get(subscription_id)
        if subscription is None:
            return json_response({"error": "no such subscription"}, 404)
        try:
            claims, key, headers = self._gate(request)
        except _Answer as answer:
            return answer.response
        if subscription.expired:
            return json_response({"error": "the subscription has expired or was unsubscribed"}, 410)
        if subscription.application_server_key and key != subscription.application_server_key:
            raise Refused(403, "signed with a key other than the one the browser subscribed with")
        try:
            plain = http_ece.decrypt(
                request.get_data(), private_key=subscription.private_key, auth_secret=subscription.auth
            )
        except Exception as exc:  # http_ece raises its own, ValueError or cryptography's InvalidTag
            raise Refused(400, f"the body does not decrypt (RFC 8291 aes128gcm): {type(exc).__name__}") from None
        text = plain.decode("utf-8")
        try:
            payload: Any = json.loads(text)
        except ValueError:
            payload = text
        message_id = secrets.token_urlsafe(12)
        record = {"id": message_id, "payload": payload, **headers, "vapid": claims, "received_at": time.time()}
        with self.state.lock:
            subscription.messages.append(record)
            self.state.pushes += 1
        return Response(status=201, headers={"Location": f"/push/message/{message_id}"})

    def on_foreign(self, request: Request, rest: str) -> Response:
        try:
            claims, _key, headers = self._gate(request)
        except _Answer as answer:
            return answer.response
        with self.state.lock:
            self.state.foreign.append(
                {"endpoint": rest, "bytes": len(request.get_data()), **headers, "vapid": claims, "at": time.time()}
            )
            self.state.pushes += 1
        return Response(status=201)

    # ------------------------------------------------------------------ sandbox controls

    def on_subscribe(self, request: Request) -> Response:
        data = request.get_json(silent=True) or {}
        subscription = self.subscribe(data.get("application_server_key"))
        origin = origin_of(request)
        return json_response(
            {
                "id": subscription.id,
                "endpoint": f"{origin}/push/send/{subscription.id}",
                "keys": {"p256dh": subscription.p256dh, "auth": _b64(subscription.auth)},
            },
            201,
        )

    def on_received(self, request: Request, subscription_id: str) -> Response:
        with self.state.lock:
            subscription = self.state.subscriptions.get(subscription_id)
            if subscription is None:
                return json_response({"error": "no such subscription"}, 404)
            return json_response(
                {"id": subscription_id, "expired": subscription.expired, "messages": subscription.messages}
            )

    def on_expire(self, request: Request, subscription_id: str) -> Response:
        with self.state.lock:
            subscription = self.state.subscriptions.get(subscription_id)
            if subscription is None:
                return json_response({"error": "no such subscription"}, 404)
            subscription.expired = True
        return json_response({"id": subscription_id, "expired": True})

    def on_foreign_list(self, request: Request) -> Response:
        with self.state.lock:
            return json_response({"pushes": list(self.state.foreign)})

    def on_faults(self, request: Request) -> Response:
        """``{"statuses": [429, 503], "retry_after": 2}``: the next pushes get these answers, one each."""
        data = request.get_json(silent=True) or {}
        try:
            statuses = [int(status) for status in data.get("statuses", [])]
            retry_after = float(data["retry_after"]) if data.get("retry_after") is not None else None
        except (TypeError, ValueError):
            raise Refused(400, "statuses must be numbers, retry_after seconds") from None
        with self.state.lock:
            self.state.answers = [(status, retry_after) for status in statuses]
        return json_response({"queued": statuses})

    def reset(self) -> None:
        with self.state.lock:
            self.state.subscriptions.clear()
            self.state.foreign.clear()
            self.state.answers.clear()
            self.state.pushes = 0

    def on_reset(self, request: Request) -> Response:
        self.reset()
        return json_response({"reset": True})


class _Answer(Exception):
    """A queued fault's answer, given instead of accepting the push."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response
