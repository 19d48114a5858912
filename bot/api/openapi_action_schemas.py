"""The OpenAPI schemas of the requests that act on a notice: approve, send, reject, schedule. A send and a schedule
are confirmed by the request itself (``confirm``, and ``notice_number`` for an Extreme notice to the whole city)."""

from __future__ import annotations

from typing import Any

from bot.api.openapi_parts import CONFIRM_FIELDS, object_schema
from bot.office.desk import MAX_REASON


def action_request_schemas() -> dict[str, Any]:
    return {
        "ApproveRequest": object_schema(
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
        "SendRequest": object_schema(
            {
                **CONFIRM_FIELDS,
                "exceed_quota": {
                    "type": "boolean",
                    "default": False,
                    "description": "true: send although the notice needs more LINE messages than this month's quota "
                    "has left (LINE refuses the rest and the channel pauses until the limit is raised); without "
                    "it such a send is refused (422)",
                },
            },
            required=[],
        ),
        "RejectRequest": object_schema(
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
            **object_schema(
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
                    **CONFIRM_FIELDS,
                },
                required=[],
            ),
            "oneOf": [{"required": ["at"]}, {"required": ["cron"]}],
        },
    }
