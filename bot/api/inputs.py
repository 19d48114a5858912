"""Reading requests: the JSON body, the shape of each body, query parameters and paging.

This checks the shape only (types, known fields, lengths, text the database can store); what a
notice's parameters mean is the composer's and the desk's business.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from flask import request

from bot.api.problems import Problem, invalid
from bot.office.confirmation import Confirmation
from bot.office.desk import MAX_REASON
from bot.office.drafts import NoticeInput
from messages.compose import MAX_FREE_TEXT
from messages.i18n import LANGUAGES
from messages.kinds import KindBook, ParamType, Severity, UnknownKind
from messages.models import Notice
from messages.params import parse_datetime
from messages.text import field_problems, nested_text_problems, normalise_newlines, text_problem
from scheduler.recurrence import BadRecurrence, next_fire_times

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_OFFSET = 1_000_000_000
NOTICE_FIELDS = (
    "kind",
    "params",
    "severity",
    "free_text",
    "free_text_lang",
    "training",
    "effective",
    "expires",
    "ask_checkin",
)
SEVERITIES = tuple(s.value for s in Severity)


def json_body(*, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is not JSON or not an object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise Problem("malformed-request", "the request needs a JSON object as its body")
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise Problem("malformed-request", f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise Problem("malformed-request", f"the body must be a JSON object, not {type(body).__name__}")
    return body


def text_problems(value: Any, path: str, *, multiline: bool = False) -> dict[str, str]:
    """Every string anywhere in ``value`` that civicast refuses to store (``messages.text``), by its path."""
    return nested_text_problems(value, path, multiline=multiline)


def query_text_problems() -> dict[str, str]:
    """Query parameters holding text civicast refuses (a NUL even breaks PostgreSQL's query), by name."""
    return field_problems(request.args.items(multi=True))


def time_problem(value: Any, *, unreadable: bool = True) -> str | None:
    """Why a time cannot be read (when asked) or stored; None when it can. ISO 8601, Taipei time by default."""
    try:
        parse_datetime(value).astimezone(UTC)
    except ValueError as exc:
        return str(exc) if unreadable else None
    except OverflowError:
        return f"{value!r} is out of range"
    return None


def datetime_param_problems(kinds: KindBook, data: NoticeInput) -> dict[str, str]:
    """Date-time parameters the composer could not convert (it raises OverflowError on them, not an error list)."""
    try:
        kind = kinds.get(data.kind)
    except UnknownKind:
        return {}
    problems = {}
    for name, param in kind.params.items():
        value = data.params.get(name)
        if param.type is ParamType.DATETIME and isinstance(value, str) and value.strip():
            problem = time_problem(value, unreadable=False)
            if problem:
                problems[f"params.{name}"] = problem
    return problems


def unknown_fields(body: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, str]:
    allowed = set(allowed)
    known = ", ".join(sorted(allowed))
    return {
        (ascii(name) if text_problem(str(name)) else str(name)): f"unknown field (fields: {known})"
        for name in body
        if name not in allowed
    }


def _optional_string(body: Mapping[str, Any], name: str, errors: dict[str, str], *, max_length: int = 200) -> None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        errors[name] = "must be a string or null"
    elif isinstance(value, str) and len(value) > max_length:
        errors[name] = f"must be at most {max_length} characters"


def notice_input(body: Mapping[str, Any], *, base: NoticeInput | None = None) -> NoticeInput:
    """A NoticeInput from a request body; with ``base`` (a PATCH or an Update) missing fields keep its values."""
    errors = unknown_fields(body, NOTICE_FIELDS)
    if base is None and "kind" not in body:
        errors["kind"] = "is required"
    if "kind" in body and (not isinstance(body["kind"], str) or not body["kind"].strip()):
        errors["kind"] = "must be a kind id (see GET /api/v1/kinds)"
    if "params" in body and not isinstance(body["params"], dict):
        errors["params"] = "must be an object of parameter values"
    severity = body.get("severity")
    if severity is not None and severity not in SEVERITIES:
        errors["severity"] = f"must be one of {', '.join(SEVERITIES)} or null (the kind's severity)"
    _optional_string(body, "free_text", errors, max_length=MAX_FREE_TEXT)
    lang = body.get("free_text_lang")
    if "free_text_lang" in body and (not isinstance(lang, str) or lang not in LANGUAGES):
        errors["free_text_lang"] = f"must be one of {', '.join(LANGUAGES)}"
    for flag in ("training", "ask_checkin"):
        if flag in body and not isinstance(body[flag], bool):
            errors[flag] = "must be true or false"
    for name in ("effective", "expires"):
        _optional_string(body, name, errors, max_length=64)
        if name not in errors and body.get(name):
            problem = time_problem(body[name], unreadable=False)  # unreadable ones: the composer names them
            if problem:
                errors[name] = problem
    errors.update(
        {
            name: message
            for name, message in text_problems(
                {key: value for key, value in body.items() if key != "free_text"}, ""
            ).items()
            if name not in errors
        }
    )
    if isinstance(body.get("free_text"), str) and "free_text" not in errors:
        errors.update(text_problems(body["free_text"], "free_text", multiline=True))
    if errors:
        raise invalid(errors)
    values = dict(base.__dict__) if base else {"params": {}, "free_text_lang": "zh-Hant", "training": False}
    values.update({name: body[name] for name in NOTICE_FIELDS if name in body})
    if values.get("free_text_lang") is None:
        values["free_text_lang"] = "zh-Hant"
    if isinstance(free_text := values.get("free_text"), str) and not free_text.strip():
        values["free_text"] = None
    values["kind"] = str(values["kind"]).strip()
    return NoticeInput(**values)


def input_of(notice: Notice) -> NoticeInput:
    """A stored notice as the input that would make it again (a PATCH changes only what it names)."""
    return NoticeInput(
        kind=notice.kind,
        params=dict(notice.params or {}),
        severity=notice.severity,
        free_text=notice.free_text,
        free_text_lang=notice.free_text_lang,
        training=bool(notice.training),
        effective=notice.effective,
        expires=notice.expires,
        ask_checkin=bool(notice.ask_checkin),
    )


def param_errors(errors: Mapping[str, str], data: NoticeInput, kind_params: Iterable[str]) -> dict[str, str]:
    """The composer's errors with parameter names as ``params.<name>`` (top-level fields keep their names)."""
    params = set(kind_params) | set(data.params)
    return {(f"params.{name}" if name in params else name): message for name, message in errors.items()}


def reason_of(body: Mapping[str, Any]) -> str:
    errors = unknown_fields(body, ("reason",))
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        errors["reason"] = "is required: say why, so the author can correct the notice"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"must be at most {MAX_REASON} characters"
    elif problem := text_problem(normalise_newlines(reason), multiline=True):
        errors["reason"] = problem
    if errors:
        raise invalid(errors)
    return str(reason).strip()  # a str: anything else raised above


def acknowledgement_of(body: Mapping[str, Any]) -> bool:
    """``{"acknowledge_untranslated": true}``: the approver knows some languages show the free text untranslated."""
    errors = unknown_fields(body, ("acknowledge_untranslated",))
    value = body.get("acknowledge_untranslated", False)
    if not isinstance(value, bool):
        errors["acknowledge_untranslated"] = "must be true or false"
    if errors:
        raise invalid(errors)
    return bool(value)


CONFIRM_FIELDS = ("confirm", "notice_number")


def _confirmation(body: Mapping[str, Any], errors: dict[str, str]) -> Confirmation:
    """``{"confirm": true}`` (and, for an Extreme notice to the whole city, ``"notice_number": N``)."""
    confirm, number = body.get("confirm", False), body.get("notice_number")
    if not isinstance(confirm, bool):
        errors["confirm"] = "must be true or false"
    if number is not None and (
        isinstance(number, bool)
        or not isinstance(number, (int, str))
        or (isinstance(number, str) and (text_problem(number) or len(number) > 20))
    ):
        errors["notice_number"] = "must be the notice's number"
    return Confirmation(confirmed=confirm is True, typed_number="" if number is None else str(number))


def send_request_of(body: Mapping[str, Any]) -> tuple[bool, Confirmation]:
    """``{"confirm": true, "exceed_quota": false}``: the confirmation, and whether to send although the notice needs
    more LINE messages than the month has left."""
    errors = unknown_fields(body, ("exceed_quota", *CONFIRM_FIELDS))
    value = body.get("exceed_quota", False)
    if not isinstance(value, bool):
        errors["exceed_quota"] = "must be true or false"
    confirmation = _confirmation(body, errors)
    if errors:
        raise invalid(errors)
    return bool(value), confirmation


def schedule_of(body: Mapping[str, Any], *, now: datetime) -> tuple[datetime | None, str | None, Confirmation]:
    """(at, cron, confirmation) from ``{"at": ISO}`` or ``{"cron": "m h dom mon dow"}`` with ``"confirm": true``;
    422 naming the field otherwise."""
    errors = unknown_fields(body, ("at", "cron", *CONFIRM_FIELDS))
    confirmation = _confirmation(body, errors)
    if ("at" in body) == ("cron" in body):
        errors["at"] = "give either at (a time) or cron (a recurrence), one of them"
    at, cron, parsed = body.get("at"), body.get("cron"), None
    if "at" in body:
        if not isinstance(at, str) or text_problem(at) or len(at) > 64:
            errors["at"] = "must be an ISO 8601 date and time, e.g. 2024-10-03T12:00 (Taipei time)"
        elif problem := time_problem(at):
            errors["at"] = problem
        elif (parsed := parse_datetime(at)) <= now:
            errors["at"] = "that time has passed; send the notice now instead"
    if "cron" in body:
        if not isinstance(cron, str) or text_problem(cron) or len(cron) > 120:
            errors["cron"] = "must be a cron expression: minute hour day month weekday"
        else:
            try:
                next_fire_times(cron, now, 1)
            except BadRecurrence as exc:
                errors["cron"] = str(exc)
    if errors:
        raise invalid(errors)
    return parsed, cron.strip() if isinstance(cron, str) else None, confirmation


def _query_int(name: str, default: int, minimum: int, maximum: int, errors: dict[str, str]) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
        if not raw.strip().lstrip("-").isdigit():
            raise ValueError
    except ValueError:
        errors[name] = "must be a whole number"
        return default
    if not minimum <= value <= maximum:
        errors[name] = f"must be between {minimum} and {maximum}"
    return value


def paging(errors: dict[str, str]) -> tuple[int, int]:
    limit = _query_int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT, errors)
    offset = _query_int("offset", 0, 0, MAX_OFFSET, errors)
    return limit, offset


def query_choice(name: str, choices: Iterable[str], errors: dict[str, str]) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    allowed = list(choices)
    if raw not in allowed:
        errors[name] = f"must be one of {', '.join(allowed)}"
        return None
    return raw


def unknown_query(allowed: Iterable[str], errors: dict[str, str]) -> None:
    """Name each query parameter the operation does not know (a misspelt filter would otherwise match all)."""
    known = set(allowed)
    errors.update(
        {
            name: f"unknown query parameter (parameters: {', '.join(sorted(known))})"
            for name in request.args
            if name not in known
        }
    )
