"""The bot's replies as LINE message objects: shared by the webhook's answers and the office's case notifications."""

from __future__ import annotations

from typing import Any

from bot.conversation.replies import Choice, ChoiceKind, Reply
from channels.base import truncate_utf16


def quick_reply_action(choice: Choice) -> dict[str, Any]:
    if choice.kind is ChoiceKind.LOCATION:
        return {"type": "location", "label": choice.label}
    return {"type": "postback", "label": choice.label, "data": choice.data, "displayText": choice.label}


def line_messages(replies: list[Reply]) -> list[dict[str, Any]]:
    """Replies as LINE message objects: text, with the choices as quick-reply buttons."""
    messages = []
    for reply in replies[:5]:
        message: dict[str, Any] = {"type": "text", "text": truncate_utf16(reply.text, 5000)}
        if reply.choices:
            message["quickReply"] = {
                "items": [{"type": "action", "action": quick_reply_action(choice)} for choice in reply.choices]
            }
        messages.append(message)
    return messages
