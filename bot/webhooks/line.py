"""The LINE bot: a delivery to POST /webhooks/line verified and stored at once, its events answered after.

The signature is checked over the raw body with line-bot-sdk's validator and the
events are stored as delivered; they are read (unknown types included) and handled
after the response, because LINE wants its answer quickly and a reply may need a
profile look-up. A redelivered event (same ``webhookEventId``) is
handled once. Replies use the reply token; if LINE refuses the token (spent or
expired), the same messages go by push.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeGuard

from linebot.v3.webhook import SignatureValidator
from sqlalchemy.orm import sessionmaker

from bot.conversation.engine import ConversationEngine
from bot.conversation.line_format import line_messages
from bot.conversation.replies import EventKind, Incoming, Reply
from bot.richmenu import RichMenus
from bot.webhooks.inbox import Deliver, EventInbox, NothingKept
from channels.base import ChannelError
from channels.line import InvalidReplyToken, LineChannel
from scheduler.audience import catalog_language
from scheduler.menus import MenuKind, disaster_notices, given_menu, in_disaster_mode

log = logging.getLogger("civicast.line_webhook")
MAX_BODY = 1024 * 1024
EVENT_ID_NAMESPACE = uuid.UUID("8d7c0a3e-8b0d-4f5e-9a0b-6c1c5d2e7f10")


@dataclass(frozen=True)
class LineEvent:
    event_id: str
    reply_token: str | None
    incoming: Incoming


def to_incoming(payload: dict[str, Any]) -> LineEvent | None:
    """A stored event as civicast's, or None for events without a user to answer (group joins, ...).

    Read from the JSON LINE documents for webhook events, field by field, as the Messenger webhook
    reads Meta's: only the fields a turn uses, each checked for its type. A field of the wrong type,
    or an event type civicast does not know, makes an OTHER event, which is acknowledged and not
    understood. (Building line-bot-sdk's models for this was a tenth of a webhook worker's time.)
    """
    user_id = line_user(payload)
    event_id = payload.get("webhookEventId")
    if not user_id or not isinstance(event_id, str) or not event_id:
        return None
    token = payload.get("replyToken")
    reply_token = token if isinstance(token, str) and token else None
    kind, extra = _kind_of(payload)
    return LineEvent(event_id, reply_token, Incoming(channel="line", user_id=user_id, kind=kind, **extra))


def _kind_of(payload: dict[str, Any]) -> tuple[EventKind, dict[str, Any]]:
    match payload.get("type"):
        case "follow":
            return EventKind.FOLLOW, {}
        case "unfollow":
            return EventKind.UNFOLLOW, {}
        case "postback":
            data = _object(payload.get("postback")).get("data")
            if isinstance(data, str):
                return EventKind.POSTBACK, {"data": data}
        case "message":
            return _message_kind(_object(payload.get("message")))
    return EventKind.OTHER, {}


def _message_kind(content: dict[str, Any]) -> tuple[EventKind, dict[str, Any]]:
    match content.get("type"):
        case "text" if isinstance(content.get("text"), str):
            return EventKind.TEXT, {"text": content["text"]}
        case "location":
            latitude, longitude, address = content.get("latitude"), content.get("longitude"), content.get("address")
            if _number(latitude) and _number(longitude) and (address is None or isinstance(address, str)):
                return EventKind.LOCATION, {
                    "latitude": float(latitude),
                    "longitude": float(longitude),
                    "address": address,
                }
        case "image" if isinstance(content.get("id"), str):
            return EventKind.IMAGE, {"content_id": content["id"]}
    return EventKind.OTHER, {}


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def line_user(event: dict[str, Any]) -> str:
    """The user who sent a raw event ("" for group and room events without one, which get no answer)."""
    source = event.get("source")
    return str(source.get("userId") or "") if isinstance(source, dict) and source.get("type") == "user" else ""


def menu_language(incoming: Incoming) -> str | None:
    """The language whose rich menu an event gives the resident: on following, their profile's; on choosing one,
    that one; None for anything else."""
    if incoming.kind is EventKind.FOLLOW:
        return catalog_language(incoming.profile_language) if incoming.profile_language else None
    if incoming.kind is EventKind.POSTBACK and incoming.action.get("action") == "lang":
        return incoming.action.get("code") or None
    return None


class LineBot:
    """Everything /webhooks/line needs, built once by the application."""

    def __init__(
        self,
        *,
        channel_secret: str,
        engine: ConversationEngine,
        line: LineChannel,
        session_factory: sessionmaker,
        executor: ThreadPoolExecutor,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        handle_here: bool = True,
        keep_events: timedelta = timedelta(days=30),
    ) -> None:
        self.signature = SignatureValidator(channel_secret)
        self.engine = engine
        self.line = line
        self.session_factory = session_factory
        self.clock = clock
        self.inbox = EventInbox(
            channel="line",
            session_factory=session_factory,
            executor=executor,
            handle_payload=self.handle_payload,
            user_of=line_user,
            clock=clock,
            handle_here=handle_here,
            keep_events=keep_events,
            handle_many=self.handle_payloads,
            decide=self.decide,
        )

    def accept(self, body: bytes, signature: str) -> tuple[int, str]:
        """Check and store a webhook delivery; the status LINE gets back, and why.

        Only the signature, the event ids and the senders are read here: the rest of each event is
        read when it is handled, after LINE has its answer.
        """
        try:
            text = body.decode("utf-8")
            if not self.signature.validate(text, signature):
                return 400, "invalid signature"
            events = json.loads(text)["events"]
            answerable = [
                (str(event["webhookEventId"]), event)
                for event in events
                if isinstance(event, dict) and event.get("webhookEventId") and line_user(event)
            ]
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            return 400, "not a LINE webhook body"
        if not self.inbox.accept(answerable):  # LINE redelivers what was not acknowledged
            return 503, "events not stored; deliver again later"
        return 200, "ok"

    def handle_payload(self, event_id: str, payload: dict[str, Any]) -> None:
        """One stored event, after the webhook answered: once only, however often LINE delivers it."""
        self.handle_payloads([(event_id, payload)], lambda _: None)

    def handle_payloads(self, events: list[tuple[str, dict[str, Any]]], answered: Callable[[str], None]) -> None:
        """One resident's stored events, in order: their turns in one transaction, then the answers.

        Raises NothingKept if the turns failed (nothing was stored or sent); an error while sending
        comes after ``answered`` was called for each event answered before it.
        """
        self.decide([events])[0](answered)

    def decide(self, residents: list[list[tuple[str, dict[str, Any]]]]) -> list[Deliver]:
        """Several residents' stored events: every turn in one transaction, then for each resident a
        function that sends their answers in order, calling ``answered`` with each event answered.

        Raises NothingKept if the turns failed: nothing was stored, and nothing is sent.
        """
        parsed: list[list[tuple[str, LineEvent | None]]] = []
        for events in residents:
            mine: list[tuple[str, LineEvent | None]] = []
            for event_id, payload in events:
                event = to_incoming(payload)
                if event is not None and event.incoming.kind is EventKind.FOLLOW:
                    event = replace(
                        event,
                        incoming=replace(
                            event.incoming, profile_language=self._profile_language(event.incoming.user_id)
                        ),
                    )
                mine.append((event_id, event))
            parsed.append(mine)
        try:
            turns = self.engine.handle_batch(
                [[event.incoming for _, event in mine if event is not None] for mine in parsed]
            )
        except Exception as exc:
            count = sum(len(mine) for mine in parsed)
            raise NothingKept(f"{count} LINE events not answered: {exc}") from exc
        menus = self._menus_to_link([pair for mine in parsed for pair in mine])
        return [partial(self._deliver, mine, replies, menus) for mine, replies in zip(parsed, turns, strict=True)]

    def _deliver(
        self,
        events: list[tuple[str, LineEvent | None]],
        turns: list[list[Reply]],
        menus: dict[str, tuple[str, MenuKind]],
        answered: Callable[[str], None],
    ) -> None:
        replies_of = iter(turns)
        for event_id, event in events:
            if event is not None:
                replies = next(replies_of)
                if event_id in menus:
                    self._link_menu(event.incoming.user_id, *menus[event_id])
                if replies:
                    self.send(
                        event.incoming.user_id,
                        event.reply_token,
                        replies,
                        retry_key=str(uuid.uuid5(EVENT_ID_NAMESPACE, event_id)),
                    )
            answered(event_id)

    def _menus_to_link(self, events: list[tuple[str, LineEvent | None]]) -> dict[str, tuple[str, MenuKind]]:
        """The rich menu (id, kind) each event that sets a language links: the language's menu, or its disaster
        menu while a live Severe or Extreme notice covers the resident. Looked up for a round's events together,
        after their turns were kept (a new resident's districts are stored by then)."""
        wanted = {
            event_id: (event.incoming.user_id, language)
            for event_id, event in events
            if event is not None and (language := menu_language(event.incoming))
        }
        if not wanted:
            return {}
        with self.session_factory() as session:
            menus = RichMenus.menu_ids(session)
            disaster: set[str] = set()
            if any(kind is MenuKind.DISASTER for _, kind in menus):
                notices = disaster_notices(
                    session, self.clock(), kinds=self.engine.composer.kinds, glossary=self.engine.glossary
                )
                disaster = in_disaster_mode(session, [user for user, _ in wanted.values()], notices)
        to_link = {}
        for event_id, (user, language) in wanted.items():
            if (language, MenuKind.NORMAL) not in menus:  # no menus created: nothing to link
                continue
            # (menus created before disaster menus existed have none: the normal one stays)
            kind = MenuKind.DISASTER if user in disaster and (language, MenuKind.DISASTER) in menus else MenuKind.NORMAL
            to_link[event_id] = (menus[language, kind], kind)
        return to_link

    def _link_menu(self, user_id: str, menu_id: str, kind: MenuKind) -> None:
        try:
            self.line.link_rich_menu(user_id, menu_id)
        except ChannelError as exc:
            log.warning("rich menu for %s not linked: %s", user_id, exc)
            return
        with self.session_factory.begin() as session:
            given_menu(session, user_id, kind)

    def _profile_language(self, user_id: str) -> str | None:
        try:
            profile = self.line.get_profile(user_id)
        except ChannelError as exc:
            log.warning("profile of %s unavailable: %s", user_id, exc)
            return None
        return profile.language if profile else None

    def send(self, user_id: str, reply_token: str | None, replies: list[Reply], *, retry_key: str) -> None:
        messages = line_messages(replies)
        if reply_token:
            try:
                self.line.reply(reply_token, messages)
                return
            except InvalidReplyToken:
                log.info("reply token refused for %s; pushing instead", user_id)
        self.line.push(user_id, messages, retry_key=retry_key)
