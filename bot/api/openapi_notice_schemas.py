"""The OpenAPI schemas of notice kinds and notices: what an officer writes, the notice, its preview, the requests
that act on it and their results.
"""

from __future__ import annotations

from typing import Any

from bot.api.inputs import SEVERITIES
from bot.api.openapi_action_schemas import action_request_schemas
from bot.api.openapi_parts import (
    BOOLEAN,
    COUNT,
    COUNTS_BY_NAME,
    INTEGER,
    STRING,
    TIME,
    nullable,
    object_schema,
    ref,
)
from bot.api.openapi_poll_schemas import poll_input_schema
from messages.compose import MAX_FREE_TEXT
from messages.kinds import ParamType, Topic
from messages.models import MsgType, NoticeStatus


def notice_schemas(kinds: list[str], languages: list[str]) -> dict[str, Any]:
    statuses = [s.value for s in NoticeStatus]
    input_time = {
        "type": ["string", "null"],
        "maxLength": 64,
        "description": "ISO 8601 date and time; Taipei time unless it carries an offset",
    }
    notice_fields = {
        "kind": {"type": "string", "enum": kinds, "description": "a notice kind (GET /kinds)"},
        "params": {
            "type": "object",
            "additionalProperties": True,
            "description": "the kind's parameters by name (GET /kinds lists them)",
        },
        "severity": nullable(
            {
                "type": "string",
                "enum": list(SEVERITIES),
                "description": "overrides the severity the kind's level gives; null keeps it",
            }
        ),
        "free_text": {
            "type": ["string", "null"],
            "maxLength": MAX_FREE_TEXT,
            "description": "the officer's own words; machine translated (and marked) where needed",
        },
        "free_text_lang": {"type": "string", "enum": languages, "default": "zh-Hant"},
        "training": {
            "type": "boolean",
            "default": False,
            "description": "a training notice says TEST and reaches only test recipients; always true for a test key",
        },
        "effective": input_time,
        "expires": input_time,
        "ask_checkin": {
            "type": "boolean",
            "default": False,
            "description": 'ask recipients "Are you safe?": LINE shows "I\'m safe" / "I need '
            'help" under the notice; a help answer opens a case for the disaster duty '
            "desk. An Update keeps the original's unless it says otherwise",
        },
    }
    localised = object_schema(
        {
            "title": {
                "type": "string",
                "description": "severity label and headline, led by the training mark on a "
                "training notice: the line to show first",
            },
            "headline": STRING,
            "body": STRING,
            "instruction": STRING,
            "areas": {"type": "array", "items": STRING},
            "severity": {"type": "string", "enum": list(SEVERITIES)},
            "severity_label": STRING,
            "agency": STRING,
            "effective": {"type": ["string", "null"], "description": "as residents read it, in the language"},
            "expires": {"type": ["string", "null"], "description": "as residents read it, in the language"},
            "link": {"type": ["string", "null"]},
            "training": BOOLEAN,
            "machine_translated": BOOLEAN,
            "held": BOOLEAN,
        },
        description="The notice as residents read it in one language.",
    )
    return {
        "KindParam": object_schema(
            {
                "name": STRING,
                "type": {"type": "string", "enum": [t.value for t in ParamType]},
                "required": BOOLEAN,
                "enum": STRING,
                "allowed": {"type": "array", "items": STRING},
                "group": STRING,
                "min": {"type": "number"},
                "max": {"type": "number"},
                "after": {"type": "string", "description": "a time parameter this one may not come before"},
                "example": {"description": "an example value"},
            },
            required=["name", "type", "required", "example"],
        ),
        "Kind": object_schema(
            {
                "id": STRING,
                "title": STRING,
                "topic": {"type": "string", "enum": [t.value for t in Topic]},
                "agency": STRING,
                "free_text_only": BOOLEAN,
                "cap": object_schema(
                    {
                        "category": STRING,
                        "event_code": STRING,
                        "urgency": STRING,
                        "severity": STRING,
                        "certainty": STRING,
                    }
                ),
                "levels": nullable(
                    object_schema(
                        {
                            "param": STRING,
                            "rows": {
                                "type": "array",
                                "items": object_schema(
                                    {
                                        "level": {
                                            "type": ["string", "number"],
                                            "description": "a value of the parameter's enum, "
                                            "or the lowest number of the row",
                                        },
                                        "urgency": STRING,
                                        "severity": STRING,
                                        "certainty": STRING,
                                    }
                                ),
                            },
                        },
                        description="what CAP urgency, severity and certainty each level of one parameter gives, "
                        "lowest level first; null when the kind has no level",
                    )
                ),
                "params": {"type": "array", "items": ref("KindParam")},
            }
        ),
        "KindList": object_schema({"kinds": {"type": "array", "items": ref("Kind")}}),
        "NoticeInput": object_schema(
            {**notice_fields, "poll": ref("PollInput")},
            required=["kind"],
            description="A new notice. A notice of kind poll needs ``poll``; any other kind refuses it.",
        ),
        "PollInput": poll_input_schema(input_time),
        "NoticePatch": object_schema(
            notice_fields, required=[], description="Fields to change; params, when given, replaces all parameters."
        ),
        "UpdateInput": object_schema(
            notice_fields,
            required=[],
            description="An Update of a sent notice: kind, params, severity, free_text_lang "
            "and ask_checkin default to the original's; training is always the "
            "original's.",
        ),
        "Notice": object_schema(
            {
                "id": {"type": "integer", "minimum": 1},
                "identifier": STRING,
                "kind": STRING,
                "status": {"type": "string", "enum": statuses},
                "msg_type": {"type": "string", "enum": [m.value for m in MsgType]},
                "training": BOOLEAN,
                "sandboxed": {
                    "type": "boolean",
                    "description": "made with a test key: when civicast is live, its "
                    "deliveries are simulated and reach no real channel",
                },
                "topic": STRING,
                "severity": nullable({"type": "string", "enum": list(SEVERITIES)}),
                "params": {"type": "object", "additionalProperties": True},
                "districts": {"type": "array", "items": STRING, "description": 'district keys, or ["all"]'},
                "free_text": {"type": ["string", "null"]},
                "free_text_lang": STRING,
                "ask_checkin": {"type": "boolean", "description": 'recipients are asked "Are you safe?" (check-in)'},
                "poll": nullable(
                    object_schema(
                        {
                            "closes_at": TIME,
                            "options": {
                                "type": "array",
                                "items": object_schema(
                                    {
                                        "number": INTEGER,
                                        "phrase": {"type": ["string", "null"]},
                                        "text": {"type": ["string", "null"]},
                                    }
                                ),
                            },
                        },
                        description="a poll's options and closing time; null for any other notice",
                    )
                ),
                "effective": nullable(TIME),
                "expires": nullable(TIME),
                "send_at": {
                    **nullable(TIME),
                    "description": "when a notice sent once goes out; for a recurring "
                    "notice, when its recurrence began",
                },
                "recurrence": {"type": ["string", "null"], "description": "cron expression of a recurring notice"},
                "recurrence_of": {
                    "type": ["integer", "null"],
                    "description": "the recurring notice this is an occurrence of (sent, or missed)",
                },
                "occurrence_at": {
                    **nullable(TIME),
                    "description": "the time of the recurrence this occurrence is for",
                },
                "sent_at": nullable(TIME),
                "author": {"type": ["string", "null"]},
                "contributors": {
                    "type": "array",
                    "items": STRING,
                    "description": "officers who changed or submitted it besides its author: none of them "
                    "may approve it when it is live",
                },
                "approver": {"type": ["string", "null"]},
                "review_note": {"type": ["string", "null"], "description": "why it was rejected"},
                "references_id": {
                    "type": ["integer", "null"],
                    "description": "the notice an Update or Cancel refers to",
                },
                "created_at": TIME,
                "updated_at": TIME,
                "actions": object_schema(
                    {
                        verb: BOOLEAN
                        for verb in ("edit", "submit", "approve", "reject", "send", "schedule", "cancel", "update")
                    },
                    description="what the calling key may do to the notice now, as the rules decide "
                    "(the audience is counted when it is done)",
                ),
                "url": STRING,
            }
        ),
        "NoticePage": object_schema(
            {"items": {"type": "array", "items": ref("Notice")}, "total": COUNT, "limit": INTEGER, "offset": COUNT}
        ),
        "LocalisedNotice": localised,
        "LanguagePreview": object_schema(
            {
                "language": {"type": "string", "enum": languages},
                "language_name": STRING,
                "notice": ref("LocalisedNotice"),
                "channels": {
                    "type": "array",
                    "items": ref("ChannelPreview"),
                    "description": "this language on every channel of the grid, in its order",
                },
                "line_messages": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "the LINE message objects, as sent",
                },
                "line_alt_text": STRING,
                "crawl_line": STRING,
                "facebook_section": {**STRING, "description": "this language's part of the Facebook page post"},
                "poll_options": {
                    "type": ["array", "null"],
                    "items": STRING,
                    "description": "a poll's answers in this language, option 1 first; null for any other notice",
                },
                "audience": {**COUNTS_BY_NAME, "description": "residents per resident channel"},
                "on_facebook": BOOLEAN,
                "problems": {"type": "array", "items": STRING},
            }
        ),
        "Preview": object_schema(
            {
                "notice_id": INTEGER,
                "total": COUNT,
                "problems": {"type": "array", "items": STRING, "description": "why it would not go out as it should"},
                "audience": {
                    "type": "object",
                    "additionalProperties": COUNTS_BY_NAME,
                    "description": "residents per channel and language",
                },
                "district_audience": {
                    "type": "object",
                    "additionalProperties": COUNTS_BY_NAME,
                    "description": "residents per resident channel and district (and whole_city)",
                },
                "districts": {**COUNTS_BY_NAME, "description": "LINE residents per district (and whole_city)"},
                "district_names": {"type": "object", "additionalProperties": STRING},
                "untranslated": {
                    "type": "array",
                    "items": STRING,
                    "description": "languages that would show the free text untranslated (the engine "
                    "failed or it is held): approving needs acknowledge_untranslated",
                },
                "sends": {
                    "type": "array",
                    "items": ref("ChannelPreview"),
                    "description": "the one send each public channel makes carrying several languages (a page post)",
                },
                "facebook_post": {"type": ["string", "null"]},
                "cap_xml": STRING,
                "languages": {"type": "array", "items": ref("LanguagePreview")},
                "quota": nullable(ref("QuotaForecast")),
                "line_quota": nullable(ref("QuotaForecast")),
            }
        ),
        "QuotaForecast": object_schema(
            {
                "channel": STRING,
                "needed": {**COUNT, "description": "messages the notice consumes: one per resident it goes to"},
                "used": {"type": ["integer", "null"], "description": "messages used this month, as LINE reports it"},
                "limit": {"type": ["integer", "null"], "description": "the month's limit; null: none set"},
                "remaining": {"type": ["integer", "null"], "description": "left this month; null: no limit or unread"},
                "exceeds": {"type": "boolean", "description": "sending needs exceed_quota"},
                "error": {"type": ["string", "null"], "description": "why LINE's quota could not be read"},
            },
            description="A notice's cost in LINE messages beside the month's quota (null: LINE not enabled).",
        ),
        **action_request_schemas(),
        "SendResult": object_schema(
            {
                "notice_id": INTEGER,
                "deliveries": COUNT,
                "recipients": {
                    "type": "object",
                    "additionalProperties": COUNTS_BY_NAME,
                    "description": "residents per channel and language (a public channel counts its posts)",
                },
                "total_recipients": COUNT,
                "notice": ref("Notice"),
            }
        ),
        "CancelResult": object_schema(
            {"notice": ref("Notice"), "cancellation": nullable(ref("Notice"))},
            description="cancellation is the Cancel notice written (submitted) for a notice "
            "that went out: once a second officer approves and sends it, it goes "
            "to those who received the notice; null when the notice had not gone "
            "out and simply stopped",
        ),
    }
