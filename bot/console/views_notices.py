"""Console pages for notices: the list, compose and edit, the notice with its preview grid and actions, delivery."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from bot.console import blueprint
from bot.console.auth import current_actor, now, officer_required, services
from bot.console.confirm_step import CONFIRMED, pending_confirmation
from bot.console.delivery import delivery_view
from bot.console.forms import SEVERITIES, build_fields, form_time, params_from_form
from bot.console.notice_actions import (
    CONFIRMED_ACTIONS,
    WRONG_NUMBER_CATEGORY,
    available_actions,
    refusal_category,
    run_action,
)
from bot.console.notice_districts import notice_districts
from bot.console.poll_form import options_from_form, poll_form_fields
from bot.console.refusals import refusal_text, refused, text_problem
from bot.console.ui import translate, ui_language
from bot.office import drafts, notice_rules, polls
from bot.office.accounts import Permission, PermissionDenied
from bot.office.audit import entries
from bot.office.confirmation import is_city_wide
from bot.office.preview import NoticePreview, build_preview
from bot.routing import requested_page
from messages.i18n import LANGUAGES
from messages.kinds import Kind, UnknownKind
from messages.models import Notice, NoticeStatus
from messages.params import InvalidParameters
from messages.polls import POLL_KIND
from scheduler.sending import NoticeActionError

PAGE_SIZE = 50
MAX_REASON_CHARS = 300  # of a failure's own words, shown to the officer
log = logging.getLogger(__name__)


def kind_title(kind_id: str) -> str:
    svc = services()
    kind = svc.kinds.kinds.get(kind_id)
    if kind is None:
        return kind_id
    return svc.catalogs.get(ui_language()).translate(f"{kind.id}.title", kind.title)


def param_label(name: str) -> str:
    try:
        return translate(f"param.{name}")
    except KeyError:
        return name.replace("_", " ")


@blueprint.app_template_filter("taipei")
def _taipei(value: Any, seconds: bool = False) -> str:
    from messages.i18n import TAIPEI

    return value.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "")) if value else "—"


@blueprint.get("/")
@officer_required(Permission.VIEW_CASES)
def notices() -> Any:
    if not current_actor().can(Permission.VIEW):  # an agency officer: their cases are their home
        return redirect(url_for("console.case_desk"))
    status = request.args.get("status") or None
    status = status if status in {s.value for s in NoticeStatus} else None  # an unknown one filters nothing
    page = requested_page()
    with services().session_factory() as session:
        query = select(Notice)
        if status:
            query = query.where(Notice.status == status)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(Notice.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "console/notices.html",
        title=translate("notices.title"),
        notices=rows,
        status=status,
        statuses=[s.value for s in NoticeStatus],
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        kind_title=kind_title,
    )


def _input_from_form(kind: Kind, form: MultiDict[str, str], *, training: bool | None = None) -> drafts.NoticeInput:
    return drafts.NoticeInput(
        kind=kind.id,
        params=params_from_form(kind, form, services().glossary),
        severity=form.get("severity") or None,
        free_text=form.get("free_text") or None,
        free_text_lang=form.get("free_text_lang") or "zh-Hant",
        training=bool(form.get("training")) if training is None else training,
        effective=form.get("effective") or None,
        expires=form.get("expires") or None,
        ask_checkin=bool(form.get("ask_checkin")),
    )


def _form_page(
    kind: Kind,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    form: dict[str, Any],
    mode: str,
    notice: Notice | None = None,
    status: int = 200,
) -> tuple[str, int]:
    svc = services()
    fields = build_fields(
        kind,
        svc.kinds,
        svc.glossary,
        svc.catalogs,
        ui_language(),
        label_for=param_label,
        whole_city_label=translate("compose.whole_city"),
        area_label=lambda key: translate(f"districts.area_{key}"),
        map_title=translate("districts.map_title"),
        values=values,
        errors=errors,
    )
    title = translate(f"compose.title_{mode}", kind=kind_title(kind.id))
    return render_template(
        "console/compose.html",
        title=title,
        kind=kind,
        fields=fields,
        errors=errors,
        form=form,
        mode=mode,
        notice=notice,
        severities=SEVERITIES,
        languages=LANGUAGES,
        param_label=param_label,
        kind_title=kind_title,
        training_page=bool(form.get("training")),
        **(poll_form_fields() if kind.id == POLL_KIND and mode == "new" else {}),
    ), status


def _save(kind: Kind, mode: str, notice: Notice | None, save) -> Any:
    """Run a compose/edit/update and go to the notice, or show the form again naming each bad field."""
    form = request.form
    data = _input_from_form(kind, form, training=notice.training if mode == "update" and notice else None)
    try:
        with services().session_factory.begin() as session:
            saved_id = save(session, data).id
    except (InvalidParameters, polls.PollError) as exc:
        errors = {name: text_problem(problem) for name, problem in exc.errors.items()}
    except (NoticeActionError, ValueError) as exc:
        errors = {"_": refusal_text(exc)}
    else:
        flash(translate(f"flash.saved_{mode}", id=saved_id), "success")
        return redirect(url_for("console.notice", notice_id=saved_id), 303)
    values = params_from_form(kind, form, services().glossary)
    return _form_page(kind, values=values, errors=errors, form=form.to_dict(), mode=mode, notice=notice, status=422)


@blueprint.route("/compose", methods=["GET", "POST"])
@officer_required(Permission.COMPOSE)
def compose() -> Any:
    svc = services()
    kind_id = request.values.get("kind")
    if not kind_id:
        kinds = sorted(svc.kinds.kinds.values(), key=lambda k: (k.topic.value, kind_title(k.id)))
        return render_template(
            "console/choose_kind.html", title=translate("compose.choose_kind"), kinds=kinds, kind_title=kind_title
        )
    try:
        kind = svc.kinds.get(kind_id)
    except UnknownKind:
        abort(404)
    actor = current_actor()
    if request.method == "POST" and kind.id == POLL_KIND:
        options, closes_at = options_from_form(request.form), request.form.get("closes_at")
        return _save(
            kind,
            "new",
            None,
            lambda session, data: polls.compose_poll(
                session, svc.composer, actor, data, options=options, closes_at=closes_at, now=now()
            ),
        )
    if request.method == "POST":
        return _save(
            kind,
            "new",
            None,
            lambda session, data: drafts.compose_notice(session, svc.composer, actor, data, now=now()),
        )
    form = {"free_text_lang": "zh-Hant", "training": request.args.get("training")}
    return _form_page(
        kind, values=dict(kind.example_params) if request.args.get("example") else {}, errors={}, form=form, mode="new"
    )


def _notice_form(notice: Notice) -> dict[str, Any]:
    return {
        "severity": notice.severity or "",
        "free_text": notice.free_text or "",
        "free_text_lang": notice.free_text_lang,
        "training": notice.training,
        "effective": form_time(notice.effective),
        "expires": form_time(notice.expires),
        "ask_checkin": bool(notice.ask_checkin),
    }


def _revise(notice_id: int, mode: str, save: Callable[..., Notice]) -> Any:
    """Edit a draft, or write an Update of a sent notice: the form starts from the notice's own fields."""
    svc = services()
    notice = _load(notice_id)
    try:
        kind = svc.kinds.get(notice.kind)
    except UnknownKind:  # a kind withdrawn since the notice was stored: there is no form to edit it with
        abort(404)
    actor = current_actor()
    if request.method == "POST":
        return _save(
            kind, mode, notice, lambda session, data: save(session, svc.composer, actor, notice_id, data, now=now())
        )
    return _form_page(kind, values=notice.params, errors={}, form=_notice_form(notice), mode=mode, notice=notice)


@blueprint.route("/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@officer_required(Permission.COMPOSE)
def edit(notice_id: int) -> Any:
    return _revise(notice_id, "edit", drafts.edit_notice)


@blueprint.route("/notices/<int:notice_id>/update", methods=["GET", "POST"])
@officer_required(Permission.COMPOSE)
def update(notice_id: int) -> Any:
    """An Update of a sent notice: the original's fields to correct, sent to those who received it."""
    return _revise(notice_id, "update", drafts.issue_update)


def _load(notice_id: int) -> Notice:
    with services().session_factory() as session:
        try:
            notice = notice_rules.load(session, current_actor(), notice_id)
        except NoticeActionError:
            abort(404)
        _ = notice.references  # loaded while the session is open
        return notice


def _history(notice_id: int) -> list[Any]:
    """Who did what to the notice, oldest first: its own history, from the audit log."""
    with services().session_factory() as session:
        rows, _total = entries(session, subject_type="notice", subject_id=str(notice_id), limit=200)
        return list(reversed(rows))


def _preview_or_error(notice_id: int) -> tuple[NoticePreview | None, str | None]:
    """The preview grid, or what to say instead when it cannot be built: the page itself still works."""
    try:
        return build_preview(services(), notice_id), None
    except SQLAlchemyError:
        log.exception("notice %s: the database did not answer while building its preview", notice_id)
        return None, translate("preview.unavailable")
    except Exception as exc:  # a notice stored before its kind, glossary or phrases changed, or odd text
        log.exception("notice %s: its preview cannot be built", notice_id)
        reason = (str(exc) or type(exc).__name__).encode("utf-8", "backslashreplace").decode("utf-8")
        return None, translate("preview.failed", reason=reason[:MAX_REASON_CHARS], id=notice_id)


@blueprint.get("/notices/<int:notice_id>")
@officer_required()
def notice(notice_id: int) -> Any:
    loaded = _load(notice_id)
    preview, preview_error = _preview_or_error(notice_id)
    from bot.console.names import label  # names imports this module: imported when first used

    actor = current_actor()
    actions = available_actions(actor, loaded, preview.total if preview else 0)
    return render_template(
        "console/notice.html",
        title=translate("notice.title", id=notice_id),
        notice=loaded,
        preview=preview,
        preview_error=preview_error,
        actions=actions,
        kind_title=kind_title,
        languages=LANGUAGES,
        training_page=loaded.training,
        history=_history(notice_id),
        label=label,
        districts=notice_districts(loaded),
        city_wide=is_city_wide(loaded),
    )


def _confirmation_page(notice_id: int, action: str, *, error: str | None = None) -> Any:
    """The step that restates a send or a schedule before it happens; a refusal goes back to the notice."""
    try:
        pending = pending_confirmation(notice_id, action, request.form, error=error)
    except PermissionDenied as exc:
        flash(refused(exc), "error")
        return redirect(url_for("console.notice", notice_id=notice_id), 303)
    except NoticeActionError as exc:
        flash(refused(exc), refusal_category(action, request.form))
        return redirect(url_for("console.notice", notice_id=notice_id), 303)
    return render_template(
        "console/confirm_action.html",
        title=translate(f"confirm.title_{action}", id=notice_id),
        notice=pending.notice,
        pending=pending,
        kind_title=kind_title,
        training_page=pending.notice.training,
        refused=error is not None,
    ), (422 if error else 200)


@blueprint.post("/notices/<int:notice_id>/<action>")
@officer_required()
def act(notice_id: int, action: str) -> Any:
    if action in CONFIRMED_ACTIONS and request.form.get("confirm") != CONFIRMED:
        return _confirmation_page(notice_id, action)
    message, category, target = run_action(notice_id, action, request.form)
    if category == WRONG_NUMBER_CATEGORY:  # asked again, saying what was wrong
        return _confirmation_page(notice_id, action, error=message)
    flash(message, category)
    return redirect(target or url_for("console.notice", notice_id=notice_id), 303)


@blueprint.get("/notices/<int:notice_id>/delivery")
@officer_required()
def delivery(notice_id: int) -> Any:
    loaded = _load(notice_id)
    view = delivery_view(notice_id)
    template = "console/_delivery_live.html" if request.args.get("partial") else "console/delivery.html"
    return render_template(
        template,
        title=translate("delivery.title", id=notice_id),
        notice=loaded,
        view=view,
        kind_title=kind_title,
        training_page=loaded.training,
    )
