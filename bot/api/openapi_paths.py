"""The paths of REST API v1's OpenAPI document, by resource: kinds, notices, cases, channels."""

from __future__ import annotations

from typing import Any

from bot.api.inputs import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from bot.api.openapi_parts import BODY_ERRORS, READ_ERRORS, json_response, operation, query_parameter
from bot.conversation.models import CaseStatus
from bot.conversation.petitions import CATEGORIES
from messages.db import MAX_ID
from messages.models import NoticeStatus

AGENCY_KEY_PATTERN = "^[a-z][a-z0-9_]{1,63}$"  # bot.office.agencies.AGENCY_KEY, as ECMA-262 writes it
PAGING = [
    query_parameter(
        "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "how many items"
    ),
    query_parameter(
        "offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}, "how many to skip"
    ),
]
NOTICE_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "the notice's id",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "example": 1,
}
CASE_NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "the case number, KH-<year>-<n>",
    "schema": {"type": "string", "pattern": "^[Kk][Hh]-[0-9]{4}-[0-9]{6}$"},
    "example": "KH-2025-000001",
}


NOTICE_EXAMPLE: dict[str, Any] = {
    "kind": "typhoon_land_warning",
    "params": {
        "typhoon_name": "山陀兒|Krathon",
        "intensity": "severe",
        "districts": ["苓雅區", "前鎮區"],
        "landfall": "2024-10-03T12:00",
    },
    "training": False,
}


def kind_paths() -> dict[str, Any]:
    return {
        "/kinds": {
            "get": operation(
                "listKinds",
                "Notice kinds and their parameters",
                "kinds",
                {"200": json_response("The kinds.", "KindList")},
                READ_ERRORS,
            )
        }
    }


def notice_paths(kinds: list[str]) -> dict[str, Any]:
    notice = json_response("The notice.", "Notice")
    item = "/notices/{id}"
    return {
        "/notices": {
            "get": operation(
                "listNotices",
                "List notices, newest first",
                "notices",
                {"200": json_response("A page of notices.", "NoticePage")},
                (*READ_ERRORS, 422),
                parameters=[
                    query_parameter(
                        "status",
                        {"type": "string", "enum": [s.value for s in NoticeStatus]},
                        "only notices in this state",
                    ),
                    query_parameter("kind", {"type": "string", "enum": kinds}, "only notices of this kind"),
                    query_parameter("training", {"type": "boolean"}, "only training (true) or live (false)"),
                    *PAGING,
                ],
            ),
            "post": operation(
                "createNotice",
                "Compose a draft notice",
                "notices",
                {"201": json_response("The draft.", "Notice", location="the notice's URL")},
                (*READ_ERRORS, *BODY_ERRORS),
                body="NoticeInput",
                example=NOTICE_EXAMPLE,
                description="A test key's notices are always training notices.",
            ),
        },
        item: {
            "parameters": [NOTICE_ID],
            "get": operation("getNotice", "One notice", "notices", {"200": notice}, (*READ_ERRORS, 404)),
            "patch": operation(
                "editNotice",
                "Change a draft or rejected notice (it becomes a draft)",
                "notices",
                {"200": notice},
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="NoticePatch",
                example={"params": {**NOTICE_EXAMPLE["params"], "intensity": "moderate"}},
            ),
        },
        f"{item}/preview": {
            "parameters": [NOTICE_ID],
            "get": operation(
                "previewNotice",
                "The notice in every language and channel, and its audience",
                "notices",
                {"200": json_response("The preview grid.", "Preview")},
                (*READ_ERRORS, 404),
            ),
        },
        f"{item}/submit": {
            "parameters": [NOTICE_ID],
            "post": operation(
                "submitNotice",
                "Submit a draft for approval",
                "notices",
                {"200": notice},
                (*READ_ERRORS, 404, 409),
                description="Refused (409) when nobody would receive the notice.",
            ),
        },
        f"{item}/approve": {
            "parameters": [NOTICE_ID],
            "post": operation(
                "approveNotice",
                "Approve a submitted notice",
                "notices",
                {"200": notice},
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="ApproveRequest",
                body_required=False,
                example={"acknowledge_untranslated": False},
                description="A live notice needs an approver with the approver role who neither "
                "wrote, changed nor submitted it (403 otherwise); a test key cannot "
                "approve a live notice. If some language would show the free text "
                "untranslated, acknowledge_untranslated must be true (422 otherwise).",
            ),
        },
        f"{item}/reject": {
            "parameters": [NOTICE_ID],
            "post": operation(
                "rejectNotice",
                "Send a submitted notice back to its author",
                "notices",
                {"200": notice},
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="RejectRequest",
                example={"reason": "Name the typhoon in English as well."},
            ),
        },
        f"{item}/send": {
            "parameters": [NOTICE_ID],
            "post": operation(
                "sendNotice",
                "Send an approved notice now",
                "notices",
                {
                    "202": json_response(
                        "Fanned out; the workers deliver it.", "SendResult", location="the delivery report's URL"
                    )
                },
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="SendRequest",
                body_required=False,
                example={"confirm": True, "exceed_quota": False},
                description="Confirmed by the request: without confirm: true it is refused (409, code "
                "confirmation_missing) with what it would do in the problem's would (recipients, languages, "
                "channels); an Extreme notice to the whole city also needs its notice_number. "
                "A test key cannot send a live notice (403). LINE's monthly quota is "
                "asked first: a notice needing more LINE messages (one per resident) "
                "than the month has left is refused (422, errors.exceed_quota) unless "
                "exceed_quota is true; the preview's line_quota shows the figures.",
            ),
        },
        f"{item}/schedule": {
            "parameters": [NOTICE_ID],
            "post": operation(
                "scheduleNotice",
                "Send an approved notice later, once or by a cron expression",
                "notices",
                {"200": notice},
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="ScheduleRequest",
                example={"at": "2099-10-03T09:00", "confirm": True},
                description="Confirmed by the request, as a send is: without confirm: true it is refused (409, "
                "code confirmation_missing) with what it would do in the problem's would.",
            ),
        },
        f"{item}/cancel": {
            "parameters": [NOTICE_ID],
            "post": operation(
                "cancelNotice",
                "Stop a notice, or write a Cancel of one that went out",
                "notices",
                {"200": json_response("Stopped, or the Cancel written.", "CancelResult")},
                (*READ_ERRORS, 404, 409),
                description="A Cancel of a notice that went out is a notice of its own, in the "
                "original's world: submitted at once, approved by a second officer "
                "(for a live notice) and then sent.",
            ),
        },
        f"{item}/updates": {
            "parameters": [NOTICE_ID],
            "post": operation(
                "updateNotice",
                "Draft an Update of a sent notice",
                "notices",
                {"201": json_response("The Update, a draft.", "Notice", location="the Update's URL")},
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="UpdateInput",
                example={"params": {"intensity": "moderate"}},
            ),
        },
        f"{item}/report": {
            "parameters": [NOTICE_ID],
            "get": operation(
                "getNoticeReport",
                "Delivery per channel and language",
                "notices",
                {"200": json_response("The delivery report.", "Report")},
                (*READ_ERRORS, 404),
            ),
        },
    }


def case_paths() -> dict[str, Any]:
    detail = json_response("The case with its events.", "CaseDetail")
    return {
        "/cases": {
            "get": operation(
                "listCases",
                "List petitions, newest first",
                "cases",
                {"200": json_response("A page of cases.", "CasePage")},
                (*READ_ERRORS, 422),
                parameters=[
                    query_parameter(
                        "status", {"type": "string", "enum": [s.value for s in CaseStatus]}, "only cases in this state"
                    ),
                    query_parameter("district", {"type": "string"}, "a district's key or name"),
                    query_parameter("category", {"type": "string", "enum": list(CATEGORIES)}, "only this category"),
                    query_parameter("assignee", {"type": "string", "maxLength": 120}, "an officer's username"),
                    query_parameter(
                        "agency",
                        {"type": "string", "pattern": AGENCY_KEY_PATTERN},
                        "only the cases with this agency (an agency key; 422 if there is no such agency). An agency "
                        "officer's key sees only its own agency's cases whatever this says: another agency's key "
                        "gives an empty page.",
                    ),
                    *PAGING,
                ],
            )
        },
        "/cases/{number}": {
            "parameters": [CASE_NUMBER],
            "get": operation("getCase", "One case and its events", "cases", {"200": detail}, (*READ_ERRORS, 404)),
        },
        "/cases/{number}/status": {
            "parameters": [CASE_NUMBER],
            "post": operation(
                "changeCaseStatus",
                "Change a case's status; the resident is told",
                "cases",
                {"200": json_response("The case after the change.", "CaseStatusResult")},
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="CaseStatusRequest",
                example={"status": "in_progress", "note": "The road works team is on its way."},
            ),
        },
    }


def channel_paths() -> dict[str, Any]:
    return {
        "/channels": {
            "get": operation(
                "listChannels",
                "Each channel: sending or paused, why, since when, what waits on it",
                "channels",
                {"200": json_response("The channels.", "ChannelList")},
                READ_ERRORS,
                description="LINE's monthly quota pauses the LINE channel until an officer resumes "
                "it (console or `civicast channel resume line`, after asking LINE for "
                "the quota); its deliveries wait meanwhile.",
            )
        }
    }
