"""Errors as ``application/problem+json`` (RFC 9457): one shape for every refusal the API gives.

Each problem has ``type`` (a stable URI naming the kind of problem), ``title``, ``status`` and
``detail``; a validation problem adds ``errors`` (field → message). The office's exceptions are
mapped here, once: PermissionDenied → 403, a rule refusal → 409, bad input → 422, a database that
does not answer → 503. Nothing under /api/v1 answers with an HTML page or a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from bot.office.accounts import PermissionDenied
from bot.office.desk import UntranslatedNotAcknowledged
from bot.office.quota import QuotaWouldBeExceeded
from messages.i18n import UnknownLanguage
from messages.kinds import UnknownKind
from messages.params import InvalidParameters
from scheduler.fanout import NotDue
from scheduler.sending import NoticeActionError

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "tag:civicast,2025:problems/"
API_PREFIX = "/api/v1"
log = logging.getLogger(__name__)

# slug → (status, title): the problems the API documents.
PROBLEMS: dict[str, tuple[int, str]] = {
    "malformed-request": (400, "The request is malformed"),
    "unauthorized": (401, "An API key is needed"),
    "forbidden": (403, "Your role or key does not allow this"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "conflict": (409, "The notice cannot do that in its present state"),
    "confirmation-required": (409, "Confirm what the send or schedule will do"),
    "too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "Send the body as application/json"),
    "invalid-input": (422, "The request has invalid fields"),
    "rate-limited": (429, "Too many requests with this API key"),
    "internal-error": (500, "Something went wrong on our side"),
    "unavailable": (503, "The database is not answering; try again shortly"),
}
_SLUG_BY_STATUS = {status: slug for slug, (status, _title) in PROBLEMS.items()}


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        errors: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
        title: str | None = None,
        rule: str | None = None,
        code: str | None = None,
        would: Mapping[str, Any] | None = None,
    ):
        super().__init__(detail)
        default_status, default_title = PROBLEMS.get(slug, (status or 500, title or "Error"))
        self.slug = slug
        self.status = status or default_status
        self.title = title or default_title
        self.detail = detail
        self.errors = dict(errors) if errors is not None else None
        self.headers = dict(headers or {})
        self.rule = rule
        self.code = code  # the office's refusal code (messages.refusal): the same refusal whatever its wording
        self.would = dict(would) if would is not None else None  # an unconfirmed send's plan


def invalid(errors: Mapping[str, str], detail: str | None = None) -> Problem:
    detail = detail or "; ".join(f"{name}: {message}" for name, message in errors.items())
    return Problem("invalid-input", detail, errors=errors)


def _writable(text: str) -> str:
    """Text as it can be written back: a refused lone surrogate is shown as its escape, never re-encoded."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": _writable(problem.detail),
        "instance": _writable(request.path),
    }
    if problem.errors is not None:
        body["errors"] = {_writable(str(name)): _writable(str(message)) for name, message in problem.errors.items()}
    if problem.rule is not None:
        body["rule"] = problem.rule
    if problem.code is not None:
        body["code"] = problem.code
    if problem.would is not None:
        body["would"] = problem.would
    response = jsonify(body)
    response.status_code = problem.status
    response.mimetype = PROBLEM_MEDIA_TYPE
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def http_problem_response(exc: HTTPException) -> Response:
    """An HTTP error (a routing one included) as problem+json."""
    return problem_response(_from_http(exc))


def _from_http(exc: HTTPException) -> Problem:
    status = exc.code or 500
    slug = _SLUG_BY_STATUS.get(status, f"http-{status}")
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    detail = exc.description or exc.name
    if status == 404:
        detail = f"there is no resource at {request.path}"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.path}; allowed: {headers.get('Allow', 'none')}"
    return Problem(slug, detail, headers=headers, status=status, title=PROBLEMS.get(slug, (status, exc.name))[1])


def install(blueprint: Blueprint) -> None:
    """Register the API's error handlers on its blueprint. Unrouted /api/v1 paths reach no blueprint: the
    application's own handler answers them with ``http_problem_response``."""

    @blueprint.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc)

    @blueprint.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied) -> Response:
        return problem_response(Problem("forbidden", str(exc), rule=getattr(exc, "rule", None), code=exc.code))

    @blueprint.errorhandler(UntranslatedNotAcknowledged)
    def _untranslated(exc: UntranslatedNotAcknowledged) -> Response:
        return problem_response(invalid({"acknowledge_untranslated": str(exc)}, str(exc)))

    @blueprint.errorhandler(QuotaWouldBeExceeded)
    def _over_quota(exc: QuotaWouldBeExceeded) -> Response:
        return problem_response(invalid({"exceed_quota": str(exc)}, str(exc)))

    @blueprint.errorhandler(NoticeActionError)
    def _refused(exc: NoticeActionError) -> Response:
        return problem_response(Problem("conflict", str(exc), code=exc.code))

    @blueprint.errorhandler(NotDue)
    def _not_due(exc: NotDue) -> Response:
        return problem_response(Problem("conflict", str(exc), code=exc.code))

    @blueprint.errorhandler(InvalidParameters)
    def _invalid_params(exc: InvalidParameters) -> Response:
        return problem_response(invalid(exc.errors, str(exc)))

    @blueprint.errorhandler(UnknownKind)
    def _unknown_kind(exc: UnknownKind) -> Response:
        return problem_response(invalid({"kind": str(exc)}))

    @blueprint.errorhandler(UnknownLanguage)
    def _unknown_language(exc: UnknownLanguage) -> Response:
        return problem_response(invalid({"free_text_lang": str(exc)}))

    @blueprint.errorhandler(SQLAlchemyError)
    def _database(exc: SQLAlchemyError) -> Response:
        log.exception("database error answering %s %s", request.method, request.path)
        return problem_response(
            Problem("unavailable", "the database did not answer; nothing was changed", headers={"Retry-After": "5"})
        )

    @blueprint.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return http_problem_response(exc)
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return problem_response(Problem("internal-error", "the request failed; the error is in the server's log"))
