"""The building blocks of REST API v1's OpenAPI document: media types, schema and operation builders, and
the problems every operation may answer with (their schemas and responses).
"""

from __future__ import annotations

from typing import Any

PROBLEM = "application/problem+json"
JSON = "application/json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    schema = dict(schema)
    schema["type"] = [schema["type"], "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def object_schema(
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

# A send or a schedule is confirmed by the request itself: without confirm: true it is refused (409) with what it
# would do (the problem's "would"), as the console's confirmation step restates it.
CONFIRM_FIELDS: dict[str, Any] = {
    "confirm": {
        "type": "boolean",
        "default": False,
        "description": "true: the caller has seen what the send or schedule will do (recipients, languages, "
        "channels) and confirms it; without it the request is refused (409, code confirmation_missing) with that "
        "plan in the problem's would",
    },
    "notice_number": {
        "type": ["integer", "string"],
        "description": "the notice's number, typed to confirm an Extreme notice to the whole city (409, code "
        "wrong_notice_number, when it is missing or another number)",
    },
}

PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": object_schema(
        {
            "type": {"type": "string", "description": "a URI naming the kind of problem"},
            "title": STRING,
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": STRING,
            "instance": {"type": "string", "description": "the request path"},
            "errors": {"type": "object", "additionalProperties": STRING},
            "rule": {"type": "string", "description": "the desk's rule that refused the request (403)"},
            "code": {
                "type": "string",
                "description": "a stable code of the refusal (403, 409): the same whatever the detail's wording",
            },
            "would": {
                "type": "object",
                "description": "a send or schedule not confirmed (409, code confirmation_missing or "
                "wrong_notice_number): what it would do; confirm it by sending the request again with confirm: true",
                "properties": {
                    "notice_id": {"type": "integer"},
                    "recipients": {"type": "integer", "minimum": 0},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "channels": {"type": "array", "items": {"type": "string"}},
                    "training": {"type": "boolean"},
                    "notice_number_required": {"type": "boolean"},
                    "at": {"type": ["string", "null"], "format": "date-time"},
                    "cron": {"type": ["string", "null"]},
                    "sentence": {"type": "string"},
                },
            },
        },
        required=["type", "title", "status", "detail"],
        description="RFC 9457 problem details",
    ),
    "ValidationProblem": {
        "allOf": [ref("Problem"), {"type": "object", "required": ["errors"]}],
        "description": "a problem naming each invalid field in errors (field → message); "
        "a kind's parameters are named params.<name>",
    },
}


def _problem_response(
    description: str, *, schema: str = "Problem", headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {PROBLEM: {"schema": ref(schema)}}}
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


def json_response(description: str, schema: str, *, location: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {JSON: {"schema": ref(schema)}}}
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


def operation(
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
    result: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if description:
        result["description"] = description
    if parameters:
        result["parameters"] = parameters
    if body:
        media: dict[str, Any] = {"schema": ref(body)}
        if example is not None:
            media["example"] = example
        result["requestBody"] = {"required": body_required, "content": {JSON: media}}
    result["responses"] = {**ok, **_errors(*sorted(set(errors)))}
    return result


def query_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
