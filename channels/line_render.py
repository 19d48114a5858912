"""LINE message objects for a notice: a Flex bubble with a coloured severity band (or plain text when the bubble
would be too big), its notification text, and the checks of LINE's limits made before a request is spent.

Plain JSON only: the SDK's models validate these in ``channels.line``, the one module that knows them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from channels.base import ChannelPreview, LimitExceeded, PersonalMessage, truncate_utf16, utf16_length
from channels.presentation import band_colour
from messages.localised import LocalisedNotice

MAX_ALT_TEXT = 1500
MAX_BUBBLE_BYTES = 30 * 1024
MAX_TEXT = 5000


# ----------------------------------------------------------------------------- rendering


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": truncate_utf16(text, MAX_TEXT), "wrap": True, **style}


def _band_headline(notice: LocalisedNotice) -> str:
    if notice.test_mark and notice.headline.startswith(notice.test_mark):
        return notice.headline[len(notice.test_mark) :].lstrip()
    return notice.headline


def flex_bubble(notice: LocalisedNotice) -> dict[str, Any]:
    """The notice as a LINE Flex bubble: a coloured band with the severity, then the text."""
    colour = band_colour(notice)
    body: list[dict[str, Any]] = []
    if notice.body:
        body.append(_text(notice.body, size="sm"))
    if notice.instruction:
        body.append({"type": "separator", "margin": "md"})
        body.append(_text(notice.instruction, size="sm", weight="bold", margin="md"))
    if notice.checkin:
        body.append(_text(notice.checkin[0], size="sm", weight="bold", margin="md"))
    if notice.poll:
        numbered = "\n".join(f"{n}. {label}" for n, label in enumerate(notice.poll.options, 1))
        body.append(_text(f"{numbered}\n{notice.poll.prompt}", size="sm", weight="bold", margin="md"))
    footer_lines = [line for line in (notice.times_text, notice.source_text) if line]
    body += [_text(line, size="xxs", color="#555555", margin="md") for line in footer_lines]
    bubble: dict[str, Any] = {
        "type": "bubble",
        "size": "mega",
        "header": {
            "type": "box",
            "layout": "vertical",
            "backgroundColor": colour,
            "paddingAll": "md",
            "contents": [
                # The band's first line is what a reader sees first: the training mark, then the severity. The
                # headline under it leaves out the mark the band already shows.
                _text(notice.band_label or notice.severity_label, size="xs", color="#FFFFFF", weight="bold"),
                _text(_band_headline(notice), size="md", color="#FFFFFF", weight="bold"),
            ],
        },
        "body": {"type": "box", "layout": "vertical", "contents": body or [_text(notice.headline, size="sm")]},
    }
    if notice.link:
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "color": colour,
                    "height": "sm",
                    "action": {"type": "uri", "label": notice.link_label[:40], "uri": notice.link},
                }
            ],
        }
    return bubble


def alt_text(notice: LocalisedNotice) -> str:
    """What a phone shows in its notification and where Flex cannot be shown (≤ 1,500 characters)."""
    text = f"{notice.title_line}\n{notice.body}".strip()
    return text if len(text) <= MAX_ALT_TEXT else text[: MAX_ALT_TEXT - 1].rstrip() + "…"


def checkin_quick_reply(notice: LocalisedNotice) -> dict[str, Any] | None:
    """ "I'm safe" / "I need help" under a notice asking recipients to check in: postbacks the bot answers
    (``action=checkin&a=safe|help&n=<notice id>``)."""
    if not notice.checkin or notice.notice_id is None:
        return None
    items = []
    for answer, label in zip(("safe", "help"), notice.checkin[1:], strict=True):
        data = f"action=checkin&a={answer}&n={notice.notice_id}"
        items.append(
            {
                "type": "action",
                "action": {"type": "postback", "label": label[:20], "data": data, "displayText": label[:300]},
            }
        )
    return {"items": items}


def poll_quick_reply(notice: LocalisedNotice) -> dict[str, Any] | None:
    """A poll's options under it, one button each: postbacks the bot answers (``action=vote&n=<notice id>&o=<n>``,
    options numbered from 1)."""
    if not notice.poll or notice.notice_id is None:
        return None
    items = []
    for number, label in enumerate(notice.poll.options, 1):
        data = f"action=vote&n={notice.notice_id}&o={number}"
        items.append(
            {
                "type": "action",
                "action": {"type": "postback", "label": label[:20], "data": data, "displayText": label[:300]},
            }
        )
    return {"items": items}


def render_messages(notice: LocalisedNotice) -> list[dict[str, Any]]:
    """LINE message objects for a notice: a Flex bubble, or plain text if the bubble would be too big; with the
    check-in quick replies when the notice asks recipients to check in."""
    bubble = flex_bubble(notice)
    if len(json.dumps(bubble, ensure_ascii=False).encode("utf-8")) <= MAX_BUBBLE_BYTES:
        message: dict[str, Any] = {"type": "flex", "altText": alt_text(notice), "contents": bubble}
    else:
        text = f"{notice.plain_text}\n\n{notice.checkin[0]}" if notice.checkin else notice.plain_text
        if notice.poll:
            text = f"{text}\n\n{notice.poll.prompt}"
        message = {"type": "text", "text": truncate_utf16(text, MAX_TEXT)}
    quick_reply = poll_quick_reply(notice) or checkin_quick_reply(notice)
    if quick_reply:
        message["quickReply"] = quick_reply
    return [message]


def check_messages(messages: Sequence[dict[str, Any]]) -> None:
    """Refuse what LINE would refuse, before spending a request on it."""
    if not 1 <= len(messages) <= 5:
        raise LimitExceeded(f"LINE takes 1 to 5 messages per request, not {len(messages)}")
    for message in messages:
        if message["type"] == "text" and utf16_length(message["text"]) > MAX_TEXT:
            raise LimitExceeded(f"a LINE text message holds at most {MAX_TEXT} UTF-16 code units")
        if message["type"] == "flex":
            if len(message["altText"]) > MAX_ALT_TEXT:
                raise LimitExceeded(f"LINE altText holds at most {MAX_ALT_TEXT} characters")
            if len(json.dumps(message["contents"], ensure_ascii=False).encode("utf-8")) > MAX_BUBBLE_BYTES:
                raise LimitExceeded("a LINE Flex bubble is at most 30 KB")


def preview_messages(notice: LocalisedNotice, *, name: str, label: str) -> ChannelPreview:
    """The notice as LINE would carry it, for the preview grid: the messages as sent, the notification text as the
    title, the quick-reply buttons' labels and what LINE would refuse."""
    messages = render_messages(notice)
    problems: tuple[str, ...] = ()
    try:
        check_messages(messages)
    except LimitExceeded as exc:
        problems = (f"LINE would refuse it: {exc}",)
    buttons = tuple(
        item["action"]["label"] for message in messages for item in message.get("quickReply", {}).get("items", [])
    )
    return ChannelPreview(
        name,
        label,
        notice.plain_text,
        title=alt_text(notice),
        buttons=buttons,
        payload=messages,
        problems=problems,
        look="chat",
    )


def personal_messages(messages: Sequence[PersonalMessage]) -> list[dict[str, Any]]:
    """Messages to one resident as LINE text messages, their buttons as postback quick replies (at most 5)."""
    rendered = []
    for message in messages[:5]:
        item: dict[str, Any] = {"type": "text", "text": truncate_utf16(message.text, MAX_TEXT)}
        if message.buttons:
            item["quickReply"] = {
                "items": [
                    {
                        "type": "action",
                        "action": {"type": "postback", "label": label, "data": data, "displayText": label},
                    }
                    for label, data in message.buttons
                ]
            }
        rendered.append(item)
    return rendered
