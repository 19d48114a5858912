"""A poll's options in the officer's own words, reviewed per language: each machine translation (or the lack of
one) beside a field for the reviewed text, saved through ``bot.office.polls.review_option`` with its audit row,
as a notice's own translations are on the translations page (same permission)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from bot.console import blueprint
from bot.console.auth import current_actor, now, officer_required, services
from bot.console.names import helpers, language_label
from bot.console.ui import translate
from bot.office import notice_rules, polls
from bot.office.accounts import Permission
from bot.office.translations import ReviewError
from messages.polls import Poll
from scheduler.sending import NoticeActionError

ErrorKey = tuple[int, str]  # (option number, language)


def _options_page(
    notice_id: int, *, errors: dict[ErrorKey, str] | None = None, values: dict[ErrorKey, str] | None = None
) -> tuple[str, int]:
    svc = services()
    with svc.session_factory() as session:
        try:
            notice = notice_rules.load(session, current_actor(), notice_id)
        except NoticeActionError:
            abort(404)
        if session.get(Poll, notice_id) is None:
            abort(404)
        options = polls.options_to_review(session, notice, svc.settings.languages)
        session.expunge(notice)
    return render_template(
        "console/poll_options.html",
        title=translate("poll_options.title", id=notice_id),
        notice=notice,
        options=options,
        languages=[code for code in svc.settings.languages if code != notice.free_text_lang],
        errors=errors or {},
        values=values or {},
        training_page=notice.training,
        **helpers(),
    ), (422 if errors else 200)


@blueprint.get("/notices/<int:notice_id>/poll/options")
@officer_required()
def poll_options_page(notice_id: int) -> Any:
    return _options_page(notice_id)


@blueprint.post("/notices/<int:notice_id>/poll/options/<int:position>/<language>")
@officer_required(Permission.REVIEW_TRANSLATIONS)
def review_poll_option(notice_id: int, position: int, language: str) -> Any:
    text = request.form.get("text", "")
    try:
        with services().session_factory.begin() as session:
            try:
                notice_rules.load(session, current_actor(), notice_id)
            except NoticeActionError:
                abort(404)
            polls.review_option(session, current_actor(), notice_id, position, language, text, now=now())
    except ReviewError as exc:
        if exc.code in ("missing", "language"):
            abort(404)
        message = translate(f"review_error.{exc.code}")
        return _options_page(notice_id, errors={(position, language): message}, values={(position, language): text})
    flash(translate("poll_options.saved", number=position, language=language_label(language), id=notice_id), "success")
    return redirect(url_for("console.poll_options_page", notice_id=notice_id), 303)
