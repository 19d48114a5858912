"""A stored LINE event read as civicast's: what a turn needs of each type, and OTHER for a field of the wrong
type or an event civicast does not know (acknowledged, never an error)."""

from __future__ import annotations

import pytest

from bot.conversation.replies import EventKind
from bot.webhooks.line import to_incoming

USER = "U" + "a" * 32


def event(kind: str, **extra) -> dict:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": 1,
        "source": {"type": "user", "userId": USER},
        "webhookEventId": "01HZX",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "token-1",
        **extra,
    }


def message(**content) -> dict:
    return event("message", message={"id": "1", "quoteToken": "q", **content})


CASES = [
    (event("follow", follow={"isUnblocked": False}), EventKind.FOLLOW, {}),
    (event("unfollow", replyToken=None), EventKind.UNFOLLOW, {}),
    (event("postback", postback={"data": "action=lang&code=th"}), EventKind.POSTBACK, {"data": "action=lang&code=th"}),
    (message(type="text", text="颱風停班嗎"), EventKind.TEXT, {"text": "颱風停班嗎"}),
    (
        message(type="location", latitude=22.63, longitude=120, address="高雄市三民區"),
        EventKind.LOCATION,
        {"latitude": 22.63, "longitude": 120.0, "address": "高雄市三民區"},
    ),
    (message(type="location", latitude=22.63, longitude=120.3), EventKind.LOCATION, {"address": None}),
    (message(type="image", id="5532", contentProvider={"type": "line"}), EventKind.IMAGE, {"content_id": "5532"}),
    # What civicast does not understand, or LINE sends in a shape it did not document: acknowledged only.
    (message(type="sticker", packageId="1", stickerId="1"), EventKind.OTHER, {}),
    (message(type="text", text=12), EventKind.OTHER, {"text": ""}),
    (message(type="text"), EventKind.OTHER, {}),
    (message(type="location", latitude="22.6", longitude=120.3), EventKind.OTHER, {"latitude": None}),
    (message(type="location", latitude=True, longitude=120.3), EventKind.OTHER, {}),
    (message(type="location", latitude=22.6, longitude=120.3, address=["x"]), EventKind.OTHER, {}),
    (event("message", message="hello"), EventKind.OTHER, {}),
    (event("postback", postback={"params": {}}), EventKind.OTHER, {"data": ""}),
    (event("postback"), EventKind.OTHER, {}),
    (event("beacon", beacon={"hwid": "d41d8cd98f", "type": "enter"}), EventKind.OTHER, {}),
    (event("somethingLineInventsNext", surprise={"nested": True}), EventKind.OTHER, {}),
]


@pytest.mark.parametrize(("payload", "kind", "fields"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_each_event_is_read_as_its_kind(payload, kind, fields):
    read = to_incoming(payload)
    assert read is not None
    assert read.event_id == "01HZX"
    assert (read.incoming.channel, read.incoming.user_id, read.incoming.kind) == ("line", USER, kind)
    for name, value in fields.items():
        assert getattr(read.incoming, name) == value


def test_the_reply_token_is_kept_when_line_gives_one():
    assert to_incoming(event("follow")).reply_token == "token-1"
    assert to_incoming(event("unfollow", replyToken=None)).reply_token is None
    assert to_incoming(event("follow", replyToken=7)).reply_token is None


@pytest.mark.parametrize(
    "payload",
    [
        event("join", source={"type": "group", "groupId": "C" + "1" * 32}),
        event("message", source={"type": "group", "groupId": "C1", "userId": USER}, message={"type": "text"}),
        event("follow", source={"type": "user"}),
        event("follow", source="U1"),
        event("follow", webhookEventId=None),
        event("follow", webhookEventId=""),
    ],
    ids=["group", "in-a-group", "no-user", "source-not-an-object", "no-id", "empty-id"],
)
def test_events_without_a_resident_to_answer_are_none(payload):
    assert to_incoming(payload) is None
