"""The check-in page of a notice asking recipients "Are you safe?": answers per district, refreshed on its own,
and the "I need help" cases for the disaster duty desk, each linking to its case page."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request

from bot.console import blueprint
from bot.console.auth import current_actor, officer_required, services
from bot.console.names import helpers
from bot.console.ui import translate
from bot.office import checkins, notice_rules
from bot.office.accounts import Permission
from scheduler.sending import NoticeActionError

REFRESH_SECONDS = 30  # the counts refresh themselves (with a pause button); without JavaScript, a Refresh link


@blueprint.get("/notices/<int:notice_id>/checkins")
@officer_required()
def checkins_page(notice_id: int) -> Any:
    actor = current_actor()
    with services().session_factory() as session:
        try:
            notice = notice_rules.load(session, actor, notice_id)
        except NoticeActionError:
            abort(404)
        summary = checkins.summary(session, notice, services().glossary)
        requests = checkins.help_requests(session, actor, notice_id) if actor.can(Permission.VIEW_CASES) else None
        session.expunge(notice)
    return render_template(
        "console/_checkins_live.html" if request.args.get("partial") else "console/checkins.html",
        title=translate("checkins.title", id=notice_id),
        notice=notice,
        summary=summary,
        requests=requests,
        refresh_seconds=REFRESH_SECONDS,
        training_page=notice.training,
        **helpers(),
    )
