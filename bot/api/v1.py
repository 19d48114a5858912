"""REST API v1: notices (compose, edit, preview, submit, approve, reject, send, schedule, cancel, update,
report) and the kinds. Cases are in ``bot.api.cases``; errors in ``bot.api.problems``; the document in
``bot.api.openapi``.

Every rule is the desk's (``bot.office.desk``, ``bot.office.notice_rules``); a route reads the request,
calls the desk and writes the answer. Reading a notice goes through the desk too, so a test key sees only
notices made with test keys. Approving, sending, cancelling and previewing open their own sessions, so no
session is held across the network calls they make.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.api import cases, problems
from bot.api.auth import authenticate, current_actor, services
from bot.api.confirm import unconfirmed_answered
from bot.api.inputs import (
    acknowledgement_of,
    datetime_param_problems,
    input_of,
    json_body,
    notice_input,
    paging,
    param_errors,
    query_choice,
    query_text_problems,
    reason_of,
    schedule_of,
    send_request_of,
    unknown_query,
)
from bot.api.openapi import build_document
from bot.api.poll_input import poll_input
from bot.api.preview_json import preview_json
from bot.api.problems import Problem, invalid
from bot.api.serialise import fanout_json, notice_json, page_json, report_json
from bot.office import desk, drafts, notice_rules, polls
from bot.office.accounts import Permission
from bot.office.drafts import NoticeInput
from bot.office.notice_rules import visible_to
from bot.office.preview import build_preview
from bot.office.quota import quota_channels
from messages.db import MAX_ID
from messages.models import Notice, NoticeStatus
from messages.params import InvalidParameters
from scheduler.report import delivery_report

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")
blueprint.register_blueprint(cases.blueprint)
problems.install(blueprint)
PUBLIC_ENDPOINTS = {"api_v1.openapi_document"}


@blueprint.before_request
def _authenticate() -> None:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate()
    refused = query_text_problems()
    if refused:
        raise invalid(refused)


def _now() -> datetime:
    return datetime.now(UTC)


def _json(body: dict[str, Any], status: int = 200, *, location: str | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    if location:
        response.headers["Location"] = location
    return response


def _notice(session: Session, notice_id: int) -> Notice:
    """The notice, if the calling key may read it (403 naming the rule when it may not)."""
    notice = session.get(Notice, notice_id) if 0 < notice_id <= MAX_ID else None
    if notice is None:
        raise Problem("not-found", f"there is no notice {notice_id}")
    return notice_rules.load(session, current_actor(), notice_id)


def _compose_errors(exc: InvalidParameters, data: NoticeInput) -> Problem:
    kind = services().kinds.get(data.kind)
    return invalid(param_errors(exc.errors, data, kind.params), str(exc))


def _checked(data: NoticeInput) -> NoticeInput:
    problems_found = datetime_param_problems(services().kinds, data)
    if problems_found:
        raise invalid(problems_found)
    return data


# ---------------------------------------------------------------------------------------------- document, kinds


@blueprint.get("/openapi.json")
def openapi_document() -> Response:
    return _json(build_document(services()))


@blueprint.get("/kinds")
def list_kinds() -> Response:
    from messages.kinds_json import kinds_as_json

    current_actor().require(Permission.VIEW)
    return _json({"kinds": kinds_as_json(services().kinds)})


# ---------------------------------------------------------------------------------------------- notices


@blueprint.get("/notices")
def list_notices() -> Response:
    actor = current_actor()
    actor.require(Permission.VIEW)
    errors: dict[str, str] = {}
    unknown_query(("status", "kind", "training", "limit", "offset"), errors)
    limit, offset = paging(errors)
    status = query_choice("status", [s.value for s in NoticeStatus], errors)
    kind = query_choice("kind", list(services().kinds.kinds), errors)
    training = query_choice("training", ("true", "false"), errors)
    if errors:
        raise invalid(errors)
    conditions = [visible_to(actor)]
    if status:
        conditions.append(Notice.status == status)
    if kind:
        conditions.append(Notice.kind == kind)
    if training:
        conditions.append(Notice.training.is_(training == "true"))
    with services().session_factory() as session:
        total = session.scalar(select(func.count()).select_from(Notice).where(*conditions)) or 0
        rows = session.scalars(
            select(Notice).where(*conditions).order_by(Notice.id.desc()).limit(limit).offset(offset)
        ).all()
        items = [notice_json(notice, actor) for notice in rows]
    return _json(page_json(items, total=total, limit=limit, offset=offset))


@blueprint.post("/notices")
def create_notice() -> Response:
    actor = current_actor()
    body = json_body()
    poll = poll_input(body.pop("poll")) if "poll" in body else None
    data = _checked(notice_input(body))
    with services().session_factory.begin() as session:
        try:
            if poll is None:
                notice = drafts.compose_notice(session, services().composer, actor, data, now=_now())
            else:
                options, closes_at = poll
                notice = polls.compose_poll(
                    session, services().composer, actor, data, options=options, closes_at=closes_at, now=_now()
                )
        except InvalidParameters as exc:
            raise _compose_errors(exc, data) from None
        except polls.PollError as exc:
            named = {name if name == "kind" else f"poll.{name}": problem for name, problem in exc.errors.items()}
            raise invalid(named) from None
        body = notice_json(notice, actor)
    return _json(body, 201, location=body["url"])


@blueprint.get("/notices/<int:notice_id>")
def get_notice(notice_id: int) -> Response:
    actor = current_actor()
    actor.require(Permission.VIEW)
    with services().session_factory() as session:
        return _json(notice_json(_notice(session, notice_id), actor))


@blueprint.patch("/notices/<int:notice_id>")
def edit_notice(notice_id: int) -> Response:
    actor = current_actor()
    with services().session_factory.begin() as session:
        notice = _notice(session, notice_id)
        data = _checked(notice_input(json_body(), base=input_of(notice)))
        try:
            notice = drafts.edit_notice(session, services().composer, actor, notice_id, data, now=_now())
        except InvalidParameters as exc:
            raise _compose_errors(exc, data) from None
        session.flush()
        body = notice_json(notice, actor)
    return _json(body)


@blueprint.get("/notices/<int:notice_id>/preview")
def preview_notice(notice_id: int) -> Response:
    current_actor().require(Permission.VIEW)
    with services().session_factory() as session:
        _notice(session, notice_id)
    return _json(preview_json(build_preview(services(), notice_id)))


@blueprint.post("/notices/<int:notice_id>/submit")
def submit_notice(notice_id: int) -> Response:
    actor, svc = current_actor(), services()
    with svc.session_factory.begin() as session:
        _notice(session, notice_id)
        notice = desk.submit_notice(
            session, actor, notice_id, glossary=svc.glossary, channels=svc.channel_limits, now=_now()
        )
        body = notice_json(notice, actor)
    return _json(body)


@blueprint.post("/notices/<int:notice_id>/approve")
def approve_notice(notice_id: int) -> Response:
    actor, svc = current_actor(), services()
    with svc.session_factory() as session:
        _notice(session, notice_id)
    acknowledged = acknowledgement_of(json_body(required=False))
    desk.approve_notice(svc.dispatch, actor, notice_id, acknowledge_untranslated=acknowledged, now=_now())
    with svc.session_factory() as session:
        return _json(notice_json(_notice(session, notice_id), actor))


@blueprint.post("/notices/<int:notice_id>/reject")
def reject_notice(notice_id: int) -> Response:
    actor = current_actor()
    with services().session_factory.begin() as session:
        _notice(session, notice_id)
        reason = reason_of(json_body())
        body = notice_json(desk.reject_notice(session, actor, notice_id, reason, now=_now()), actor)
    return _json(body)


@blueprint.post("/notices/<int:notice_id>/send")
def send_notice(notice_id: int) -> Response:
    actor, svc = current_actor(), services()
    with svc.session_factory() as session:
        _notice(session, notice_id)
    exceed_quota, confirmation = send_request_of(json_body(required=False))
    with unconfirmed_answered(svc, notice_id):
        result = desk.send_notice_now(
            svc.dispatch,
            actor,
            notice_id,
            channels=svc.channel_limits,
            quotas=svc.channels,
            exceed_quota=exceed_quota,
            confirmation=confirmation,
        )
    with svc.session_factory() as session:
        body = fanout_json(result, notice_json(_notice(session, notice_id), actor))
    return _json(body, 202, location=f"/api/v1/notices/{notice_id}/report")


@blueprint.post("/notices/<int:notice_id>/schedule")
def schedule_notice(notice_id: int) -> Response:
    actor, svc = current_actor(), services()
    now = _now()
    with svc.session_factory() as session:
        _notice(session, notice_id)
    at, cron, confirmation = schedule_of(json_body(), now=now)
    with unconfirmed_answered(svc, notice_id, at=at, cron=cron), svc.session_factory.begin() as session:
        notice = desk.schedule_notice(
            session,
            actor,
            notice_id,
            at=at,
            cron=cron,
            glossary=svc.glossary,
            channels=svc.channel_limits,
            now=now,
            live_min_interval=timedelta(minutes=svc.settings.scheduler.live_min_interval_minutes),
            confirmation=confirmation,
            kinds=svc.kinds,
        )
        body = notice_json(notice, actor)
    return _json(body)


@blueprint.post("/notices/<int:notice_id>/cancel")
def cancel_notice(notice_id: int) -> Response:
    actor, svc = current_actor(), services()
    with svc.session_factory() as session:
        _notice(session, notice_id)
    result = desk.cancel_notice(svc.dispatch, actor, notice_id)
    with svc.session_factory() as session:
        original = notice_json(_notice(session, notice_id), actor)
        cancellation = notice_json(_notice(session, result.id), actor) if result.id != notice_id else None
    return _json({"notice": original, "cancellation": cancellation})


@blueprint.post("/notices/<int:notice_id>/updates")
def update_notice(notice_id: int) -> Response:
    actor, svc = current_actor(), services()
    with svc.session_factory.begin() as session:
        original = _notice(session, notice_id)
        base = NoticeInput(
            kind=original.kind,
            params=dict(original.params or {}),
            severity=original.severity,
            free_text=original.free_text,
            free_text_lang=original.free_text_lang,
            training=bool(original.training),
            expires=original.expires,
            ask_checkin=bool(original.ask_checkin),
        )
        data = _checked(notice_input(json_body(), base=base))
        try:
            update = drafts.issue_update(session, svc.composer, actor, notice_id, data, now=_now())
        except InvalidParameters as exc:
            raise _compose_errors(exc, data) from None
        body = notice_json(update, actor)
    return _json(body, 201, location=body["url"])


@blueprint.get("/notices/<int:notice_id>/report")
def notice_report(notice_id: int) -> Response:
    current_actor().require(Permission.VIEW)
    services().flush_message_counts()  # the bot's replies and pushes of the last seconds count too
    with services().session_factory() as session:
        notice = _notice(session, notice_id)
        counted = quota_channels(services().channels)
        return _json(report_json(delivery_report(session, notice_id, counted=counted), notice))
