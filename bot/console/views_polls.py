"""Polls in the console: the options and closing time on the compose form of a ``poll`` notice, and a poll's
results page (votes per option and district, turnout among recipients), refreshed on its own."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request

from bot.console import blueprint
from bot.console.auth import current_actor, now, officer_required, services
from bot.console.names import helpers
from bot.console.ui import translate, ui_language
from bot.office import notice_rules, polls
from scheduler.sending import NoticeActionError

REFRESH_SECONDS = 30  # the counts refresh themselves (with a pause button); without JavaScript, a Refresh link


@blueprint.get("/notices/<int:notice_id>/poll")
@officer_required()
def poll_page(notice_id: int) -> Any:
    actor, svc = current_actor(), services()
    with svc.session_factory() as session:
        try:
            notice = notice_rules.load(session, actor, notice_id)
        except NoticeActionError:
            abort(404)
        results = polls.results(session, notice, svc.glossary, now=now())
        if results is None:
            abort(404)
        labels = polls.option_labels(session, notice, svc.composer, ui_language())
        session.expunge(notice)
    return render_template(
        "console/_poll_live.html" if request.args.get("partial") else "console/poll.html",
        title=translate("poll.title", id=notice_id),
        notice=notice,
        results=results,
        labels=labels,
        refresh_seconds=REFRESH_SECONDS,
        training_page=notice.training,
        **helpers(),
    )
