"""The OpenAPI schemas of residents' petitions (cases): a case, its events, a page of them, a change of status."""

from __future__ import annotations

from typing import Any

from bot.api.openapi_parts import BOOLEAN, COUNT, INTEGER, STRING, TIME, object_schema, ref
from bot.conversation.models import CaseStatus
from bot.conversation.petitions import CATEGORIES


def case_schemas() -> dict[str, Any]:
    case_statuses = [s.value for s in CaseStatus]
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
        "agency": {"type": ["string", "null"], "description": "the agency answering it (agency key)"},
        "due_on": {
            "type": ["string", "null"],
            "format": "date",
            "description": "due date: the category's limit in working days on Taiwan's official calendar",
        },
        "satisfaction": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        "created_at": TIME,
        "updated_at": TIME,
        "url": STRING,
    }
    return {
        "Case": object_schema(case_fields),
        "CaseEvent": object_schema(
            {
                "status": {"type": "string", "enum": case_statuses},
                "note": {"type": ["string", "null"]},
                "officer": {"type": ["string", "null"]},
                "internal": BOOLEAN,
                "agency": {"type": ["string", "null"], "description": "the agency the case was with from then"},
                "at": TIME,
            }
        ),
        "CaseDetail": object_schema({**case_fields, "events": {"type": "array", "items": ref("CaseEvent")}}),
        "CasePage": object_schema(
            {"items": {"type": "array", "items": ref("Case")}, "total": COUNT, "limit": INTEGER, "offset": COUNT}
        ),
        "CaseStatusRequest": object_schema(
            {
                "status": {"type": "string", "enum": case_statuses},
                "note": {"type": ["string", "null"], "maxLength": 2000},
            },
            required=["status"],
        ),
        "CaseStatusResult": object_schema(
            {
                "case": ref("CaseDetail"),
                "resident_notified": {"type": "string", "description": "whether and how the resident was told"},
            }
        ),
    }
