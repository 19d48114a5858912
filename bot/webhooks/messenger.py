"""GET/POST /webhooks/facebook: the Messenger side of the same conversation engine.

GET answers Facebook's subscription handshake (``hub.challenge`` when
``hub.verify_token`` matches). POST checks ``X-Hub-Signature-256`` (HMAC-SHA256
of the raw body with the app secret), turns each messaging event into civicast's
``Incoming`` and answers through the Send API, which Facebook allows only within
24 hours of the person's last message: a reply outside it is dropped and logged,
never forced with a message tag.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy.orm import sessionmaker

from bot.conversation.engine import ConversationEngine
from bot.conversation.replies import ChoiceKind, EventKind, Incoming, Reply
from bot.webhooks.inbox import EventInbox
from channels.base import ChannelError
from channels.facebook import FacebookChannel, OutsideMessagingWindow

log = logging.getLogger("civicast.messenger_webhook")
blueprint = Blueprint("messenger_webhook", __name__)
MAX_BODY = 1024 * 1024


def valid_signature(app_secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header or "")


def to_incoming(messaging: dict[str, Any]) -> tuple[str, Incoming] | None:
    """(event id, Incoming) for a Messenger messaging event, or None for echoes, reads and deliveries."""
    sender = (messaging.get("sender") or {}).get("id")
    if not sender:
        return None
    message = messaging.get("message") or {}
    if message.get("is_echo"):
        return None
    if "postback" in messaging:
        postback = messaging["postback"]
        event_id = postback.get("mid") or f"postback:{sender}:{messaging.get('timestamp')}"
        return event_id, Incoming("messenger", sender, EventKind.POSTBACK, data=postback.get("payload", ""))
    if not message:
        return None
    event_id = message.get("mid") or f"message:{sender}:{messaging.get('timestamp')}"
    if "quick_reply" in message:
        payload = message["quick_reply"].get("payload", "")
        return event_id, Incoming("messenger", sender, EventKind.POSTBACK, data=payload)
    if "text" in message:
        return event_id, Incoming("messenger", sender, EventKind.TEXT, text=message["text"])
    for attachment in message.get("attachments") or []:
        payload = attachment.get("payload") or {}
        if attachment.get("type") == "location":
            coordinates = payload.get("coordinates") or {}
            return event_id, Incoming(
                "messenger",
                sender,
                EventKind.LOCATION,
                latitude=coordinates.get("lat"),
                longitude=coordinates.get("long"),
            )
        if attachment.get("type") == "image":
            return event_id, Incoming("messenger", sender, EventKind.IMAGE, content_id=payload.get("url"))
    return event_id, Incoming("messenger", sender, EventKind.OTHER)


class MessengerBot:
    def __init__(
        self,
        *,
        app_secret: str,
        verify_token: str,
        engine: ConversationEngine,
        facebook: FacebookChannel,
        session_factory: sessionmaker,
        executor: ThreadPoolExecutor,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        handle_here: bool = True,
        keep_events: timedelta = timedelta(days=30),
    ) -> None:
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.engine = engine
        self.facebook = facebook
        self.inbox = EventInbox(
            channel="messenger",
            session_factory=session_factory,
            executor=executor,
            handle_payload=self.handle_payload,
            user_of=lambda messaging: str((messaging.get("sender") or {}).get("id", "")),
            clock=clock,
            handle_here=handle_here,
            keep_events=keep_events,
        )

    def accept(self, body: bytes, signature: str) -> tuple[int, str]:
        if not valid_signature(self.app_secret, body, signature):
            return 400, "invalid signature"
        try:
            document = json.loads(body)
        except ValueError:
            return 400, "not JSON"
        if not isinstance(document, dict) or document.get("object") != "page":
            return 404, "not a page subscription"
        answerable = []
        for entry in document.get("entry") or []:
            for messaging in entry.get("messaging") or []:
                converted = to_incoming(messaging)
                if converted is not None:
                    answerable.append((converted[0], messaging))
        if not self.inbox.accept(answerable):  # Facebook retries what was not acknowledged
            return 503, "events not stored; deliver again later"
        return 200, "EVENT_RECEIVED"

    def handle_payload(self, event_id: str, payload: dict[str, Any]) -> None:
        converted = to_incoming(payload)
        if converted is None:
            return
        incoming = converted[1]
        # Messenger has no "follow": the engine starts the onboarding at a stranger's first message.
        for reply in self.engine.handle(incoming):
            self.send(incoming.user_id, reply)

    def send(self, psid: str, reply: Reply) -> None:
        # Messenger retired its location quick reply: a location choice is left out there.
        quick = [
            {"content_type": "text", "title": c.label, "payload": c.data}
            for c in reply.choices
            if c.kind is ChoiceKind.POSTBACK
        ]
        try:
            self.facebook.reply(psid, reply.text, quick_replies=quick or None)
        except OutsideMessagingWindow:
            log.info("not answering %s: outside Messenger's 24-hour window", psid)
        except ChannelError as exc:
            log.warning("Messenger reply to %s failed: %s", psid, exc)


@blueprint.get("/webhooks/facebook")
def verify() -> Response:
    bot: MessengerBot = current_app.extensions["civicast.messenger_bot"]
    if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
        request.args.get("hub.verify_token", ""), bot.verify_token
    ):
        return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")
    return Response("verification failed", status=403)
