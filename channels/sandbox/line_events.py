"""Simulated residents' events, delivered to the bot as LINE delivers webhooks.

Each event gets a fresh ``webhookEventId`` and, where LINE gives one, a reply
token the sandbox will honour once within a minute; the body is signed with the
channel secret in ``X-Line-Signature``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from channels.sandbox.line_state import LineSandboxState

USER_ID_PATTERN = r"^U[0-9a-f]{32}$"
REPLY_TOKEN_EVENTS = frozenset(
    {"message", "postback", "follow", "join", "memberJoined", "beacon", "accountLink", "things"}
)


def build_event(state: LineSandboxState, spec: dict[str, Any]) -> dict[str, Any]:
    """A webhook event as LINE sends it, with a fresh webhookEventId and, where LINE gives one, a reply token."""
    if "event" in spec:  # any event object, for event types the shortcuts below do not cover
        event = dict(spec["event"])
    else:
        kind = spec.get("type")
        user_id = spec.get("userId")
        if not user_id or not re.match(USER_ID_PATTERN, user_id):
            raise ValueError("userId must look like U followed by 32 hex digits")
        event = {"type": kind, "source": {"type": "user", "userId": user_id}}
        if kind == "message":
            event["message"] = {
                "id": str(uuid.uuid4().int)[:18],
                "type": "text",
                "text": str(spec.get("text", "")),
                "quoteToken": uuid.uuid4().hex,
            }
        elif kind == "postback":
            event["postback"] = {"data": str(spec.get("data", ""))}
        elif kind == "follow":
            event["follow"] = {"isUnblocked": bool(spec.get("isUnblocked", False))}
        elif kind != "unfollow":
            raise ValueError("type must be follow, unfollow, message or postback (or give a whole 'event')")
    event.setdefault("mode", "active")
    event.setdefault("timestamp", int(time.time() * 1000))
    event.setdefault("webhookEventId", uuid.uuid4().hex.upper()[:26])
    event.setdefault("deliveryContext", {"isRedelivery": bool(spec.get("isRedelivery", False))})
    user = (event.get("source") or {}).get("userId")
    if event.get("type") in REPLY_TOKEN_EVENTS and user and "replyToken" not in event:
        event["replyToken"] = uuid.uuid4().hex
    if event.get("replyToken") and user:
        with state.lock:
            state.reply_tokens[event["replyToken"]] = (user, time.time())
    return event


def issue_reply_tokens(state: LineSandboxState, user_ids: object) -> list[str]:
    """A fresh reply token for each user (in order), as LINE issues one with each event it delivers.

    For a load generator that builds and posts its own webhook bodies: its replies then spend real
    tokens, so only a genuinely late or refused reply falls back to push.
    """
    if not isinstance(user_ids, list) or not all(isinstance(u, str) and re.match(USER_ID_PATTERN, u) for u in user_ids):
        raise ValueError("userIds must be a list of user ids (U followed by 32 hex digits)")
    now = time.time()
    tokens = [uuid.uuid4().hex for _ in user_ids]
    with state.lock:
        state.reply_tokens.update((token, (user, now)) for token, user in zip(tokens, user_ids, strict=True))
    return tokens


def sign(channel_secret: str, body: bytes) -> str:
    """X-Line-Signature: base64 of the HMAC-SHA256 of the raw body, keyed with the channel secret."""
    return base64.b64encode(hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()).decode()


def deliver_webhook(state: LineSandboxState, events: list[dict[str, Any]]) -> tuple[int, str]:
    body = json.dumps({"destination": "U" + "0" * 32, "events": events}, ensure_ascii=False).encode("utf-8")
    try:
        response = requests.post(
            state.webhook_url or "",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Line-Signature": sign(state.channel_secret, body),
                "User-Agent": "LineBotWebhook/2.0",
            },
            timeout=10,
        )
    except requests.RequestException as exc:
        return 0, f"{type(exc).__name__}: {exc}"
    return response.status_code, response.text[:2000]
