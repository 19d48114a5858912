"""The schemas of REST API v1's OpenAPI document: request and response bodies, problems."""

from __future__ import annotations

from typing import Any

from bot.api.inputs import SEVERITIES
from bot.conversation.models import CaseStatus
from bot.conversation.petitions import CATEGORIES
from bot.office.desk import MAX_REASON
from messages.compose import MAX_FREE_TEXT
from messages.kinds import ParamType, Topic
from messages.models import MsgType, NoticeStatus

PROBLEM = "application/problem+json"
JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    schema = dict(schema)
    schema["type"] = [schema["type"], "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _object(
    properties: dict[str, Any],
    *,
    required: list[str] | None = None,
    description: str | None = None,
    closed: bool = True,
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
BOOLEAN = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
COUNTS_BY_NAME = {"type": "object", "additionalProperties": COUNT}


def _schemas(kinds: list[str], languages: list[str]) -> dict[str, Any]:
    statuses = [s.value for s in NoticeStatus]
    case_statuses = [s.value for s in CaseStatus]
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
        "severity": _nullable(
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
    localised = _object(
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
    counts = {name: COUNT for name in ("targeted", "sent", "failed", "dead", "pending")}
    counts |= {"first_sent": _nullable(TIME), "last_sent": _nullable(TIME)}
    case_fields = {
        "number": {"type": "string", "examples": ["KH-2025-000001"]},
        "status": {"type": "string", "enum": case_statuses},
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "district": {"type": "string", "description": "district key"},
        "district_name": {"type": ["string", "null"]},
        "language": STRING,
        "channel": {"type": ["string", "null"], "description": "null once the resident asked to be forgotten"},
        "description": STRING,
        "location": {"type": ["string", "null"]},
        "has_photo": BOOLEAN,
        "assignee": {"type": ["string", "null"]},
        "satisfaction": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        "created_at": TIME,
        "updated_at": TIME,
        "url": STRING,
    }
    return {
        "Problem": _object(
            {
                "type": {"type": "string", "description": "a URI naming the kind of problem"},
                "title": STRING,
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": STRING,
                "instance": {"type": "string", "description": "the request path"},
                "errors": {"type": "object", "additionalProperties": STRING},
                "rule": {"type": "string", "description": "the desk's rule that refused the request (403)"},
            },
            required=["type", "title", "status", "detail"],
            description="RFC 9457 problem details",
        ),
        "ValidationProblem": {
            "allOf": [_ref("Problem"), {"type": "object", "required": ["errors"]}],
            "description": "a problem naming each invalid field in errors (field → message); "
            "a kind's parameters are named params.<name>",
        },
        "KindParam": _object(
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
        "Kind": _object(
            {
                "id": STRING,
                "title": STRING,
                "topic": {"type": "string", "enum": [t.value for t in Topic]},
                "agency": STRING,
                "free_text_only": BOOLEAN,
                "cap": _object(
                    {
                        "category": STRING,
                        "event_code": STRING,
                        "urgency": STRING,
                        "severity": STRING,
                        "certainty": STRING,
                    }
                ),
                "levels": _nullable(
                    _object(
                        {
                            "param": STRING,
                            "rows": {
                                "type": "array",
                                "items": _object(
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
                "params": {"type": "array", "items": _ref("KindParam")},
            }
        ),
        "KindList": _object({"kinds": {"type": "array", "items": _ref("Kind")}}),
        "NoticeInput": _object(notice_fields, required=["kind"], description="A new notice."),
        "NoticePatch": _object(
            notice_fields, required=[], description="Fields to change; params, when given, replaces all parameters."
        ),
        "UpdateInput": _object(
            notice_fields,
            required=[],
            description="An Update of a sent notice: kind, params, severity, free_text_lang "
            "and ask_checkin default to the original's; training is always the "
            "original's.",
        ),
        "Notice": _object(
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
                "severity": _nullable({"type": "string", "enum": list(SEVERITIES)}),
                "params": {"type": "object", "additionalProperties": True},
                "districts": {"type": "array", "items": STRING, "description": 'district keys, or ["all"]'},
                "free_text": {"type": ["string", "null"]},
                "free_text_lang": STRING,
                "ask_checkin": {"type": "boolean", "description": 'recipients are asked "Are you safe?" (check-in)'},
                "effective": _nullable(TIME),
                "expires": _nullable(TIME),
                "send_at": {
                    **_nullable(TIME),
                    "description": "when a notice sent once goes out; for a recurring "
                    "notice, when its recurrence began",
                },
                "recurrence": {"type": ["string", "null"], "description": "cron expression of a recurring notice"},
                "recurrence_of": {
                    "type": ["integer", "null"],
                    "description": "the recurring notice this is an occurrence of (sent, or missed)",
                },
                "occurrence_at": {
                    **_nullable(TIME),
                    "description": "the time of the recurrence this occurrence is for",
                },
                "sent_at": _nullable(TIME),
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
                "actions": _object(
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
        "NoticePage": _object(
            {"items": {"type": "array", "items": _ref("Notice")}, "total": COUNT, "limit": INTEGER, "offset": COUNT}
        ),
        "LocalisedNotice": localised,
        "LanguagePreview": _object(
            {
                "language": {"type": "string", "enum": languages},
                "language_name": STRING,
                "notice": _ref("LocalisedNotice"),
                "line_messages": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "the LINE message objects, as sent",
                },
                "line_alt_text": STRING,
                "crawl_line": STRING,
                "audience": {**COUNTS_BY_NAME, "description": "residents per resident channel"},
                "on_facebook": BOOLEAN,
                "problems": {"type": "array", "items": STRING},
            }
        ),
        "Preview": _object(
            {
                "notice_id": INTEGER,
                "total": COUNT,
                "problems": {"type": "array", "items": STRING, "description": "why it would not go out as it should"},
                "audience": {
                    "type": "object",
                    "additionalProperties": COUNTS_BY_NAME,
                    "description": "residents per channel and language",
                },
                "districts": {**COUNTS_BY_NAME, "description": "LINE residents per district (and whole_city)"},
                "district_names": {"type": "object", "additionalProperties": STRING},
                "untranslated": {
                    "type": "array",
                    "items": STRING,
                    "description": "languages that would show the free text untranslated (the engine "
                    "failed or it is held): approving needs acknowledge_untranslated",
                },
                "facebook_post": {"type": ["string", "null"]},
                "cap_xml": STRING,
                "languages": {"type": "array", "items": _ref("LanguagePreview")},
                "line_quota": _nullable(_ref("QuotaForecast")),
            }
        ),
        "QuotaForecast": _object(
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
        "ApproveRequest": _object(
            {
                "acknowledge_untranslated": {
                    "type": "boolean",
                    "default": False,
                    "description": "true: approve although some languages would show the free text untranslated (the "
                    "engine failed or the translation is held); without it such an approval is refused (422)",
                }
            },
            required=[],
        ),
        "SendRequest": _object(
            {
                "exceed_quota": {
                    "type": "boolean",
                    "default": False,
                    "description": "true: send although the notice needs more LINE messages than this month's quota "
                    "has left (LINE refuses the rest and the channel pauses until the limit is raised); without "
                    "it such a send is refused (422)",
                }
            },
            required=[],
        ),
        "RejectRequest": _object(
            {
                "reason": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_REASON,
                    "description": "why, so the author can correct it (not blank)",
                }
            }
        ),
        "ScheduleRequest": {
            **_object(
                {
                    "at": {
                        "type": "string",
                        "maxLength": 64,
                        "description": "ISO 8601, in the future; Taipei time unless it carries an offset",
                    },
                    "cron": {
                        "type": "string",
                        "maxLength": 120,
                        "description": "minute hour day month weekday, Taipei time: recurring",
                    },
                },
                required=[],
            ),
            "oneOf": [{"required": ["at"]}, {"required": ["cron"]}],
        },
        "SendResult": _object(
            {
                "notice_id": INTEGER,
                "deliveries": COUNT,
                "recipients": {
                    "type": "object",
                    "additionalProperties": COUNTS_BY_NAME,
                    "description": "residents per channel and language (a public channel counts its posts)",
                },
                "total_recipients": COUNT,
                "notice": _ref("Notice"),
            }
        ),
        "CancelResult": _object(
            {"notice": _ref("Notice"), "cancellation": _nullable(_ref("Notice"))},
            description="cancellation is the Cancel notice written (submitted) for a notice "
            "that went out: once a second officer approves and sends it, it goes "
            "to those who received the notice; null when the notice had not gone "
            "out and simply stopped",
        ),
        "DeliveryCounts": _object(counts),
        "ChannelReport": _object(
            {
                **counts,
                "languages": {"type": "object", "additionalProperties": _ref("DeliveryCounts")},
                "errors": {
                    "type": "array",
                    "items": _object({"error": {"type": ["string", "null"]}, "deliveries": COUNT}),
                },
            }
        ),
        "Occurrence": _object(
            {
                "notice_id": INTEGER,
                "occurrence_at": _nullable(TIME),
                "status": {"type": "string", "enum": statuses},
                "sent_at": _nullable(TIME),
            }
        ),
        "Occurrences": _object(
            {
                "total": COUNT,
                "missed": COUNT,
                "items": {"type": "array", "items": _ref("Occurrence"), "description": "the latest, newest first"},
            },
            description="a recurring notice's occurrences: each sent once, or missed (no scheduler ran in time)",
        ),
        "Report": _object(
            {
                "notice_id": INTEGER,
                "status": {"type": "string", "enum": statuses},
                "training": BOOLEAN,
                "sent_at": _nullable(TIME),
                "channels": {"type": "object", "additionalProperties": _ref("ChannelReport")},
                "occurrence_of": {
                    "type": ["integer", "null"],
                    "description": "the recurring notice this is an occurrence of",
                },
                "occurrence_at": _nullable(TIME),
                "occurrences": _nullable(_ref("Occurrences")),
                "untranslated": _object(
                    {"languages": {"type": "array", "items": STRING}, "residents": COUNT},
                    description="languages in which the free text went out "
                    "untranslated, and the residents targeted in them",
                ),
                "paused_channels": {
                    "type": "array",
                    "items": _ref("PausedChannel"),
                    "description": "channels paused now; their deliveries wait",
                },
                "line_messages": _ref("LineMessages"),
            }
        ),
        "LineMessages": _object(
            {
                "notice": _object({"paid": {**COUNT, "description": "LINE residents this notice reached"}}),
                "channel": STRING,
                "month": {
                    "type": "string",
                    "pattern": r"^\d{4}-\d{2}$",
                    "description": "the month (Asia/Taipei) the notice went out in, or this month before it did",
                },
                "paid": _object(
                    {
                        "multicast": {**COUNT, "description": "notices' messages, one per resident"},
                        "push": {**COUNT, "description": "the bot's answers sent without a reply token"},
                        "total": COUNT,
                    }
                ),
                "free": _object(
                    {"reply": {**COUNT, "description": "the bot's replies to residents' messages"}, "total": COUNT}
                ),
            },
            description="LINE messages, counted as LINE counts them: one per recipient; multicasts and pushes "
            "against the monthly quota (paid), replies free.",
        ),
        "Pending": _object(
            {"deliveries": COUNT, "residents": {**COUNT, "description": "0 for a public channel"}},
            description="Deliveries not yet sent (waiting, or failed and to be retried).",
        ),
        "PausedChannel": _object(
            {
                "channel": STRING,
                "reason": {"type": ["string", "null"], "description": "why it was paused, in the platform's words"},
                "since": _nullable(TIME),
                "pending": {**_ref("Pending"), "description": "this notice's deliveries waiting on the channel"},
                "pending_all_notices": _ref("Pending"),
            },
            description="A channel civicast paused (LINE's monthly quota used up) until an officer resumes it.",
        ),
        "ChannelState": _object(
            {
                "channel": STRING,
                "enabled": {"type": "boolean", "description": "false: switched off, yet still paused"},
                "paused": BOOLEAN,
                "reason": {"type": ["string", "null"], "description": "why it is paused, in the platform's words"},
                "since": {**_nullable(TIME), "description": "when it was paused; null while it sends"},
                "pending": _ref("Pending"),
            }
        ),
        "ChannelList": _object({"channels": {"type": "array", "items": _ref("ChannelState")}}),
        "Case": _object(case_fields),
        "CaseEvent": _object(
            {
                "status": {"type": "string", "enum": case_statuses},
                "note": {"type": ["string", "null"]},
                "officer": {"type": ["string", "null"]},
                "internal": BOOLEAN,
                "at": TIME,
            }
        ),
        "CaseDetail": _object({**case_fields, "events": {"type": "array", "items": _ref("CaseEvent")}}),
        "CasePage": _object(
            {"items": {"type": "array", "items": _ref("Case")}, "total": COUNT, "limit": INTEGER, "offset": COUNT}
        ),
        "CaseStatusRequest": _object(
            {
                "status": {"type": "string", "enum": case_statuses},
                "note": {"type": ["string", "null"], "maxLength": 2000},
            },
            required=["status"],
        ),
        "CaseStatusResult": _object(
            {
                "case": _ref("CaseDetail"),
                "resident_notified": {"type": "string", "description": "whether and how the resident was told"},
            }
        ),
    }
