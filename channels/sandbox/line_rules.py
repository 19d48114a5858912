"""What the LINE Messaging API checks in a send request, as the sandbox checks it."""

from __future__ import annotations

import json
import re
from typing import Any

from channels.base import utf16_length

USER_ID = re.compile(r"^U[0-9a-f]{32}$")
USER_IDS = re.compile(r"(?:U[0-9a-f]{32},)*U[0-9a-f]{32}")
MAX_FLEX_BYTES = 30 * 1024


def recipient_problems(to: Any) -> list[dict[str, str]]:
    """LINE's complaints about a multicast's ``to``: 1 to 500 valid user ids."""
    if not isinstance(to, list) or not 1 <= len(to) <= 500:
        return [{"message": "Size must be between 1 and 500", "property": "to"}]
    if USER_IDS.fullmatch(_joined(to)):  # one regular-expression pass; only a bad list is checked id by id
        return []
    return [
        {"message": "Invalid user ID", "property": f"to[{i}]"}
        for i, user in enumerate(to)
        if not isinstance(user, str) or not USER_ID.match(user)
    ]


def _joined(values: list[Any]) -> str:
    try:
        return ",".join(values)
    except TypeError:  # something that is not a string: the list is invalid
        return ""


def _over_30_kb(contents: dict[str, Any], body_size: int | None) -> bool:
    if body_size is not None and body_size <= MAX_FLEX_BYTES:
        return False  # a whole request under 30 KB cannot hold a bubble over it
    return len(json.dumps(contents, ensure_ascii=False).encode("utf-8")) > MAX_FLEX_BYTES


def message_problems(messages: Any, body_size: int | None = None) -> list[dict[str, str]]:
    """LINE's complaints about 1 to 5 message objects: types, text and altText lengths, Flex size, quick replies."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return [{"message": "Size must be between 1 and 5", "property": "messages"}]
    problems = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict) or message.get("type") not in {
            "text",
            "flex",
            "sticker",
            "image",
            "video",
            "audio",
            "location",
            "imagemap",
            "template",
        }:
            problems.append({"message": "Invalid message type", "property": f"{where}.type"})
            continue
        if message["type"] == "text":
            text = message.get("text")
            if not isinstance(text, str) or not 1 <= utf16_length(text) <= 5000:
                problems.append({"message": "Length must be between 1 and 5000", "property": f"{where}.text"})
        if message["type"] == "flex":
            alt = message.get("altText")
            if not isinstance(alt, str) or not 1 <= len(alt) <= 1500:
                problems.append({"message": "Length must be between 1 and 1500", "property": f"{where}.altText"})
            contents = message.get("contents")
            if not isinstance(contents, dict) or contents.get("type") not in ("bubble", "carousel"):
                problems.append({"message": "Invalid flex container", "property": f"{where}.contents"})
            elif _over_30_kb(contents, body_size):
                problems.append({"message": "Size must be at most 30KB", "property": f"{where}.contents"})
        items = (message.get("quickReply") or {}).get("items", [])
        if len(items) > 13:
            problems.append({"message": "Size must be between 0 and 13", "property": f"{where}.quickReply.items"})
    return problems
