"""The LINE webhook as LINE calls it: signed events of every type, redeliveries, bad signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests
from sqlalchemy import func, select

from bot.channel_settings import SANDBOX_SECRETS
from bot.conversation.line_format import line_messages
from bot.conversation.models import Conversation, WebhookEvent
from bot.conversation.replies import Choice, ChoiceKind, Reply
from tests.support.sandbox import users

SECRET = SANDBOX_SECRETS["line.channel_secret"]


def signed_post(stack, body: bytes, secret: str = SECRET):
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return requests.post(
        f"{stack.url}/webhooks/line",
        data=body,
        headers={"Content-Type": "application/json", "X-Line-Signature": signature},
        timeout=10,
    )


def envelope(*events) -> bytes:
    return json.dumps({"destination": "U" + "0" * 32, "events": list(events)}).encode()


def base_event(kind: str, user: str, **extra) -> dict:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        **extra,
    }


def count(stack, model) -> int:
    with stack.services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_connection_check_gets_200(stack):
    assert signed_post(stack, envelope()).status_code == 200


def test_a_bad_signature_gets_400_and_nothing_is_stored(stack):
    user = users(1)[0]
    response = signed_post(stack, envelope(base_event("follow", user, replyToken="x")), secret="not-the-secret")
    assert response.status_code == 400
    time.sleep(0.3)
    assert count(stack, WebhookEvent) == 0 and count(stack, Conversation) == 0
    unsigned = requests.post(f"{stack.url}/webhooks/line", data=envelope(), timeout=5)
    assert unsigned.status_code == 400


def test_an_oversized_body_is_refused(stack):
    assert signed_post(stack, b"x" * (1024 * 1024 + 1)).status_code == 413


def test_only_post_is_answered(stack):
    response = requests.get(f"{stack.url}/webhooks/line", timeout=5)
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")


USER_EVENTS = [
    ("message", {"replyToken": "r", "message": {"id": "1", "type": "text", "text": "hello", "quoteToken": "q"}}),
    (
        "message",
        {
            "replyToken": "r",
            "message": {"id": "2", "type": "image", "quoteToken": "q", "contentProvider": {"type": "line"}},
        },
    ),
    (
        "message",
        {
            "replyToken": "r",
            "message": {
                "id": "3",
                "type": "video",
                "duration": 1000,
                "quoteToken": "q",
                "contentProvider": {"type": "line"},
            },
        },
    ),
    (
        "message",
        {
            "replyToken": "r",
            "message": {"id": "4", "type": "audio", "duration": 1000, "contentProvider": {"type": "line"}},
        },
    ),
    ("message", {"replyToken": "r", "message": {"id": "5", "type": "file", "fileName": "a.pdf", "fileSize": 10}}),
    (
        "message",
        {
            "replyToken": "r",
            "message": {"id": "6", "type": "location", "latitude": 22.63, "longitude": 120.30, "address": "Kaohsiung"},
        },
    ),
    (
        "message",
        {
            "replyToken": "r",
            "message": {
                "id": "7",
                "type": "sticker",
                "packageId": "1",
                "stickerId": "1",
                "stickerResourceType": "STATIC",
                "quoteToken": "q",
            },
        },
    ),
    ("follow", {"replyToken": "r", "follow": {"isUnblocked": False}}),
    ("unfollow", {}),
    ("postback", {"replyToken": "r", "postback": {"data": "action=menu"}}),
    ("videoPlayComplete", {"replyToken": "r", "videoPlayComplete": {"trackingId": "t"}}),
    ("beacon", {"replyToken": "r", "beacon": {"hwid": "d41d8cd98f", "type": "enter"}}),
    ("accountLink", {"replyToken": "r", "link": {"result": "ok", "nonce": "n"}}),
    ("things", {"replyToken": "r", "things": {"deviceId": "t", "type": "link"}}),
    ("unsend", {"unsend": {"messageId": "1"}}),
    ("membership", {"replyToken": "r", "membership": {"type": "joined", "membershipId": 1}}),
    ("module", {"module": {"type": "attached", "botId": "U" + "1" * 32, "scopes": ["message.write"]}}),
    ("activated", {"chatControl": {"expireAt": 1}}),
    ("deactivated", {}),
    ("botSuspended", {}),
    ("botResumed", {}),
    ("somethingLineInventsNext", {"surprise": {"nested": True}}),
]
GROUP_EVENTS = [
    ("join", {"replyToken": "r", "source": {"type": "group", "groupId": "C" + "1" * 32}}),
    ("leave", {"source": {"type": "group", "groupId": "C" + "1" * 32}}),
    (
        "memberJoined",
        {
            "replyToken": "r",
            "source": {"type": "group", "groupId": "C" + "1" * 32},
            "joined": {"members": [{"type": "user", "userId": "U" + "2" * 32}]},
        },
    ),
    (
        "memberLeft",
        {
            "source": {"type": "group", "groupId": "C" + "1" * 32},
            "left": {"members": [{"type": "user", "userId": "U" + "2" * 32}]},
        },
    ),
]


@pytest.mark.parametrize(("kind", "extra"), USER_EVENTS + GROUP_EVENTS, ids=lambda v: v if isinstance(v, str) else "")
def test_every_event_type_is_accepted(stack, kind, extra):
    event = base_event(kind, users(1)[0], **extra)
    response = signed_post(stack, envelope(event))
    assert response.status_code == 200, response.text


def test_a_batch_of_every_type_at_once(stack):
    events = [base_event(kind, users(1)[0], **extra) for kind, extra in USER_EVENTS + GROUP_EVENTS]
    assert signed_post(stack, envelope(*events)).status_code == 200


def test_a_redelivered_event_is_handled_once(stack):
    user = users(1)[0]
    stack.simulate(userId=user, type="follow")
    stack.wait_for_messages(user, 2)
    event = base_event(
        "message",
        user,
        message={"id": "9", "type": "text", "text": "menu", "quoteToken": "q"},
        replyToken=uuid.uuid4().hex,
    )
    redelivery = {**event, "deliveryContext": {"isRedelivery": True}}
    assert signed_post(stack, envelope(event)).status_code == 200
    assert signed_post(stack, envelope(redelivery)).status_code == 200
    time.sleep(1.0)
    menus = [m for m in stack.inbox(user) if m["message"].get("quickReply") and "menu" not in m["message"]["text"]]
    assert len(stack.inbox(user)) == 3, [m["message"]["text"][:30] for m in stack.inbox(user)]
    assert menus


def test_a_refused_reply_token_falls_back_to_push(stack):
    user = users(1)[0]
    stack.simulate(userId=user, type="follow")
    stack.wait_for_messages(user, 2)
    # LINE no longer honours this token (expired): the answer must still arrive.
    event = base_event("postback", user, replyToken="expired-token", postback={"data": "action=menu"})
    assert signed_post(stack, envelope(event)).status_code == 200
    messages = stack.wait_for_messages(user, 3)
    assert messages[-1]["via"] == "push"


def test_a_location_choice_becomes_lines_location_quick_reply_and_is_left_out_on_messenger():
    reply = Reply("Where are you?", (Choice.location("Share my location"), Choice.of("Skip", "skip")))
    items = line_messages([reply])[0]["quickReply"]["items"]
    assert items[0]["action"] == {"type": "location", "label": "Share my location"}
    assert items[1]["action"]["type"] == "postback" and items[1]["action"]["data"] == "action=skip"
    assert [c.kind for c in reply.choices] == [ChoiceKind.LOCATION, ChoiceKind.POSTBACK]
