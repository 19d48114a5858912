"""The OpenAPI schema of a new poll's options and closing time (the ``poll`` field of a new notice)."""

from __future__ import annotations

from typing import Any

from bot.api.openapi_parts import object_schema
from messages.polls import MAX_OPTION_CHARS, MAX_OPTIONS, MIN_OPTIONS, PHRASE_OPTIONS


def poll_input_schema(input_time: dict[str, Any]) -> dict[str, Any]:
    return object_schema(
        {
            "options": {
                "type": "array",
                "minItems": MIN_OPTIONS,
                "maxItems": MAX_OPTIONS,
                "items": {
                    "oneOf": [
                        object_schema(
                            {"phrase": {"type": "string", "enum": list(PHRASE_OPTIONS)}},
                            description="a reviewed answer from the phrase bank, in every language",
                        ),
                        object_schema(
                            {"text": {"type": "string", "minLength": 1, "maxLength": MAX_OPTION_CHARS}},
                            description="the officer's own words, in free_text_lang: machine translated "
                            "(and reviewable) like the free text",
                        ),
                    ]
                },
                "description": "the answers, option 1 first: LINE shows them as quick replies under the question",
            },
            "closes_at": {
                **input_time,
                "type": "string",
                "description": "when voting closes (ISO 8601; Taipei "
                "time unless it carries an offset); a vote after it is refused",
            },
        },
        description="A poll: the notice's free text is the question; each resident votes once and the first "
        "answer counts. Closed live polls' results are open data (/opendata/polls.json).",
    )
