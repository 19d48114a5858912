"""The OpenAPI schemas of delivery: a notice's report (per channel and language, occurrences, LINE messages) and
the channels' states (paused, what waits on them).
"""

from __future__ import annotations

from typing import Any

from bot.api.openapi_parts import BOOLEAN, COUNT, INTEGER, STRING, TIME, nullable, object_schema, ref
from messages.models import NoticeStatus


def delivery_schemas() -> dict[str, Any]:
    statuses = [s.value for s in NoticeStatus]
    counts = {name: COUNT for name in ("targeted", "sent", "failed", "dead", "pending")}
    counts |= {"first_sent": nullable(TIME), "last_sent": nullable(TIME)}
    return {
        "ChannelPreview": object_schema(  # one language on one channel of the preview grid
            {
                "channel": STRING,
                "label": STRING,
                "look": {"type": "string", "enum": ["chat", "post", "crawl", "text"]},
                "title": STRING,
                "text": STRING,
                "buttons": {"type": "array", "items": STRING},
                "payload": {"description": "what the channel would send, in its own format"},
                "problems": {"type": "array", "items": STRING, "description": "what the platform would refuse"},
                "included": {"type": "boolean", "description": "false: the channel does not publish this language"},
            }
        ),
        "DeliveryCounts": object_schema(counts),
        "ChannelReport": object_schema(
            {
                **counts,
                "languages": {"type": "object", "additionalProperties": ref("DeliveryCounts")},
                "errors": {
                    "type": "array",
                    "items": object_schema({"error": {"type": ["string", "null"]}, "deliveries": COUNT}),
                },
            }
        ),
        "Occurrence": object_schema(
            {
                "notice_id": INTEGER,
                "occurrence_at": nullable(TIME),
                "status": {"type": "string", "enum": statuses},
                "sent_at": nullable(TIME),
            }
        ),
        "Occurrences": object_schema(
            {
                "total": COUNT,
                "missed": COUNT,
                "items": {"type": "array", "items": ref("Occurrence"), "description": "the latest, newest first"},
            },
            description="a recurring notice's occurrences: each sent once, or missed (no scheduler ran in time)",
        ),
        "Report": object_schema(
            {
                "notice_id": INTEGER,
                "status": {"type": "string", "enum": statuses},
                "training": BOOLEAN,
                "sent_at": nullable(TIME),
                "channels": {"type": "object", "additionalProperties": ref("ChannelReport")},
                "occurrence_of": {
                    "type": ["integer", "null"],
                    "description": "the recurring notice this is an occurrence of",
                },
                "occurrence_at": nullable(TIME),
                "occurrences": nullable(ref("Occurrences")),
                "untranslated": object_schema(
                    {"languages": {"type": "array", "items": STRING}, "residents": COUNT},
                    description="languages in which the free text went out "
                    "untranslated, and the residents targeted in them",
                ),
                "paused_channels": {
                    "type": "array",
                    "items": ref("PausedChannel"),
                    "description": "channels paused now; their deliveries wait",
                },
                "messages": {
                    "type": "object",
                    "additionalProperties": ref("LineMessages"),
                    "description": "per channel whose messages count against a monthly allowance (LINE's), its "
                    "messages of the month",
                },
                "line_messages": {
                    **nullable(ref("LineMessages")),
                    "description": "LINE's entry of messages (null when LINE is not enabled); kept for older clients",
                },
            }
        ),
        "LineMessages": object_schema(
            {
                "notice": object_schema({"paid": {**COUNT, "description": "LINE residents this notice reached"}}),
                "channel": STRING,
                "month": {
                    "type": "string",
                    "pattern": r"^\d{4}-\d{2}$",
                    "description": "the month (Asia/Taipei) the notice went out in, or this month before it did",
                },
                "paid": object_schema(
                    {
                        "multicast": {**COUNT, "description": "notices' messages, one per resident"},
                        "push": {**COUNT, "description": "the bot's answers sent without a reply token"},
                        "total": COUNT,
                    }
                ),
                "free": object_schema(
                    {"reply": {**COUNT, "description": "the bot's replies to residents' messages"}, "total": COUNT}
                ),
            },
            description="LINE messages, counted as LINE counts them: one per recipient; multicasts and pushes "
            "against the monthly quota (paid), replies free.",
        ),
        "Pending": object_schema(
            {"deliveries": COUNT, "residents": {**COUNT, "description": "0 for a public channel"}},
            description="Deliveries not yet sent (waiting, or failed and to be retried).",
        ),
        "PausedChannel": object_schema(
            {
                "channel": STRING,
                "reason": {"type": ["string", "null"], "description": "why it was paused, in the platform's words"},
                "since": nullable(TIME),
                "pending": {**ref("Pending"), "description": "this notice's deliveries waiting on the channel"},
                "pending_all_notices": ref("Pending"),
            },
            description="A channel civicast paused (LINE's monthly quota used up) until an officer resumes it.",
        ),
        "ChannelState": object_schema(
            {
                "channel": STRING,
                "enabled": {"type": "boolean", "description": "false: switched off, yet still paused"},
                "paused": BOOLEAN,
                "reason": {"type": ["string", "null"], "description": "why it is paused, in the platform's words"},
                "since": {**nullable(TIME), "description": "when it was paused; null while it sends"},
                "pending": ref("Pending"),
            }
        ),
        "ChannelList": object_schema({"channels": {"type": "array", "items": ref("ChannelState")}}),
    }
