"""The OpenAPI 3.1 document of REST API v1, written by hand (the property test holds it to the code).

Enumerations that are data (notice kinds, languages, statuses) are filled in from what the
application has loaded, so the document and the checks never disagree.
"""

from __future__ import annotations

from typing import Any

from bot.api.inputs import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from bot.api.openapi_schemas import JSON, PROBLEM, STRING, _ref, _schemas
from bot.conversation.models import CaseStatus
from bot.conversation.petitions import CATEGORIES
from bot.services import Services
from messages.db import MAX_ID
from messages.i18n import LANGUAGES
from messages.models import NoticeStatus


def _problem_response(
    description: str, *, schema: str = "Problem", headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {PROBLEM: {"schema": _ref(schema)}}}
    if headers:
        response["headers"] = headers
    return response


RESPONSES: dict[str, Any] = {
    "BadRequest": _problem_response("The body is not JSON, or not a JSON object."),
    "Unauthorized": _problem_response(
        "No API key, or one that is malformed, unknown, revoked or whose officer is inactive.",
        headers={"WWW-Authenticate": {"required": True, "schema": STRING, "description": 'Bearer realm="civicast"'}},
    ),
    "Forbidden": _problem_response(
        "The officer's role does not allow this, or one of the rules refuses it (named in "
        "rule): a live notice needs a second officer, a test key acts only on notices "
        "made with test keys."
    ),
    "NotFound": _problem_response("There is no such notice or case."),
    "Conflict": _problem_response(
        "Not in this state: e.g. not a draft, not approved, already cancelled, or nobody would receive it."
    ),
    "TooLarge": _problem_response("The body is larger than the server accepts."),
    "Unprocessable": _problem_response("Invalid fields, named in errors.", schema="ValidationProblem"),
    "InternalError": _problem_response("An unexpected error; the details are in the server's log."),
    "TooManyRequests": _problem_response(
        "Too many requests with this key (api.requests_per_minute); nothing was done.",
        headers={"Retry-After": {"required": True, "schema": STRING, "description": "seconds"}},
    ),
    "Unavailable": _problem_response(
        "The database did not answer; nothing was changed.",
        headers={"Retry-After": {"required": True, "schema": STRING, "description": "seconds"}},
    ),
}


def _json_response(description: str, schema: str, *, location: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {JSON: {"schema": _ref(schema)}}}
    if location:
        response["headers"] = {"Location": {"required": True, "schema": STRING, "description": location}}
    return response


def _errors(*codes: int) -> dict[str, Any]:
    names = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        409: "Conflict",
        413: "TooLarge",
        422: "Unprocessable",
        429: "TooManyRequests",
        500: "InternalError",
        503: "Unavailable",
    }
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in (*codes, 500, 503)}


READ_ERRORS = (401, 403, 429)
BODY_ERRORS = (400, 413, 422)


def _operation(
    operation_id: str,
    summary: str,
    tag: str,
    ok: dict[str, Any],
    errors: tuple[int, ...],
    *,
    body: str | None = None,
    example: dict[str, Any] | None = None,
    parameters: list[Any] | None = None,
    description: str | None = None,
    body_required: bool = True,
) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    if body:
        media: dict[str, Any] = {"schema": _ref(body)}
        if example is not None:
            media["example"] = example
        operation["requestBody"] = {"required": body_required, "content": {JSON: media}}
    operation["responses"] = {**ok, **_errors(*sorted(set(errors)))}
    return operation


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGING = [
    _query(
        "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "how many items"
    ),
    _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}, "how many to skip"),
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


def _notice_paths(kinds: list[str]) -> dict[str, Any]:
    notice = _json_response("The notice.", "Notice")
    item = "/notices/{id}"
    return {
        "/notices": {
            "get": _operation(
                "listNotices",
                "List notices, newest first",
                "notices",
                {"200": _json_response("A page of notices.", "NoticePage")},
                (*READ_ERRORS, 422),
                parameters=[
                    _query(
                        "status",
                        {"type": "string", "enum": [s.value for s in NoticeStatus]},
                        "only notices in this state",
                    ),
                    _query("kind", {"type": "string", "enum": kinds}, "only notices of this kind"),
                    _query("training", {"type": "boolean"}, "only training (true) or live (false)"),
                    *PAGING,
                ],
            ),
            "post": _operation(
                "createNotice",
                "Compose a draft notice",
                "notices",
                {"201": _json_response("The draft.", "Notice", location="the notice's URL")},
                (*READ_ERRORS, *BODY_ERRORS),
                body="NoticeInput",
                example=NOTICE_EXAMPLE,
                description="A test key's notices are always training notices.",
            ),
        },
        item: {
            "parameters": [NOTICE_ID],
            "get": _operation("getNotice", "One notice", "notices", {"200": notice}, (*READ_ERRORS, 404)),
            "patch": _operation(
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
            "get": _operation(
                "previewNotice",
                "The notice in every language and channel, and its audience",
                "notices",
                {"200": _json_response("The preview grid.", "Preview")},
                (*READ_ERRORS, 404),
            ),
        },
        f"{item}/submit": {
            "parameters": [NOTICE_ID],
            "post": _operation(
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
            "post": _operation(
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
            "post": _operation(
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
            "post": _operation(
                "sendNotice",
                "Send an approved notice now",
                "notices",
                {
                    "202": _json_response(
                        "Fanned out; the workers deliver it.", "SendResult", location="the delivery report's URL"
                    )
                },
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="SendRequest",
                body_required=False,
                example={"exceed_quota": False},
                description="A test key cannot send a live notice (403). LINE's monthly quota is "
                "asked first: a notice needing more LINE messages (one per resident) "
                "than the month has left is refused (422, errors.exceed_quota) unless "
                "exceed_quota is true; the preview's line_quota shows the figures.",
            ),
        },
        f"{item}/schedule": {
            "parameters": [NOTICE_ID],
            "post": _operation(
                "scheduleNotice",
                "Send an approved notice later, once or by a cron expression",
                "notices",
                {"200": notice},
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="ScheduleRequest",
                example={"at": "2099-10-03T09:00"},
            ),
        },
        f"{item}/cancel": {
            "parameters": [NOTICE_ID],
            "post": _operation(
                "cancelNotice",
                "Stop a notice, or write a Cancel of one that went out",
                "notices",
                {"200": _json_response("Stopped, or the Cancel written.", "CancelResult")},
                (*READ_ERRORS, 404, 409),
                description="A Cancel of a notice that went out is a notice of its own, in the "
                "original's world: submitted at once, approved by a second officer "
                "(for a live notice) and then sent.",
            ),
        },
        f"{item}/updates": {
            "parameters": [NOTICE_ID],
            "post": _operation(
                "updateNotice",
                "Draft an Update of a sent notice",
                "notices",
                {"201": _json_response("The Update, a draft.", "Notice", location="the Update's URL")},
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="UpdateInput",
                example={"params": {"intensity": "moderate"}},
            ),
        },
        f"{item}/report": {
            "parameters": [NOTICE_ID],
            "get": _operation(
                "getNoticeReport",
                "Delivery per channel and language",
                "notices",
                {"200": _json_response("The delivery report.", "Report")},
                (*READ_ERRORS, 404),
            ),
        },
    }


def _case_paths() -> dict[str, Any]:
    detail = _json_response("The case with its events.", "CaseDetail")
    return {
        "/cases": {
            "get": _operation(
                "listCases",
                "List petitions, newest first",
                "cases",
                {"200": _json_response("A page of cases.", "CasePage")},
                (*READ_ERRORS, 422),
                parameters=[
                    _query(
                        "status", {"type": "string", "enum": [s.value for s in CaseStatus]}, "only cases in this state"
                    ),
                    _query("district", {"type": "string"}, "a district's key or name"),
                    _query("category", {"type": "string", "enum": list(CATEGORIES)}, "only this category"),
                    _query("assignee", {"type": "string", "maxLength": 120}, "an officer's username"),
                    *PAGING,
                ],
            )
        },
        "/cases/{number}": {
            "parameters": [CASE_NUMBER],
            "get": _operation("getCase", "One case and its events", "cases", {"200": detail}, (*READ_ERRORS, 404)),
        },
        "/cases/{number}/status": {
            "parameters": [CASE_NUMBER],
            "post": _operation(
                "changeCaseStatus",
                "Change a case's status; the resident is told",
                "cases",
                {"200": _json_response("The case after the change.", "CaseStatusResult")},
                (*READ_ERRORS, 404, 409, *BODY_ERRORS),
                body="CaseStatusRequest",
                example={"status": "in_progress", "note": "The road works team is on its way."},
            ),
        },
    }


def _channel_paths() -> dict[str, Any]:
    return {
        "/channels": {
            "get": _operation(
                "listChannels",
                "Each channel: sending or paused, why, since when, what waits on it",
                "channels",
                {"200": _json_response("The channels.", "ChannelList")},
                READ_ERRORS,
                description="LINE's monthly quota pauses the LINE channel until an officer resumes "
                "it (console or `civicast channel resume line`, after asking LINE for "
                "the quota); its deliveries wait meanwhile.",
            )
        }
    }


def build_document(services: Services) -> dict[str, Any]:
    kinds = list(services.kinds.kinds)
    languages = list(LANGUAGES)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "civicast REST API",
            "version": "1.0.0",
            "description": "Compose, approve, send and follow Kaohsiung City's multilingual notices, see which "
            "channels are paused, and handle residents' petitions. Authenticate with an API key: "
            "'Authorization: Bearer cvk_<test|live>_<id>_<secret>'. A test key works only on training "
            "notices. Errors are "
            "application/problem+json (RFC 9457). Times are ISO 8601 with an offset.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"apiKey": []}],
        "tags": [{"name": "kinds"}, {"name": "notices"}, {"name": "cases"}, {"name": "channels"}, {"name": "document"}],
        "paths": {
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This document",
                    "tags": ["document"],
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {JSON: {"schema": {"type": "object"}}},
                        },
                        "500": {"$ref": "#/components/responses/InternalError"},
                    },
                }
            },
            "/kinds": {
                "get": _operation(
                    "listKinds",
                    "Notice kinds and their parameters",
                    "kinds",
                    {"200": _json_response("The kinds.", "KindList")},
                    READ_ERRORS,
                )
            },
            **_notice_paths(kinds),
            **_case_paths(),
            **_channel_paths(),
        },
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "cvk_<test|live>_<id>_<secret>"}
            },
            "schemas": _schemas(kinds, languages),
            "responses": RESPONSES,
        },
    }
