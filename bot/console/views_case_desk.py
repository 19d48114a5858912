"""Console pages for petitions' agencies and deadlines: the case desk (reminders and the overdue list), giving or
transferring a case to an agency, and the agencies themselves (admins).

An agency officer's console starts at the case desk and shows only their agency's cases and reminders.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from bot.console import blueprint
from bot.console.auth import current_actor, now, officer_required, services
from bot.console.names import helpers
from bot.console.refusals import refusal_text, refused
from bot.console.ui import translate, ui_language
from bot.console.views_admin import told_text
from bot.conversation.petitions import CaseError
from bot.office.accounts import Permission
from bot.office.agencies import AgencyError, add_agency, edit_agency, list_agencies
from bot.office.case_agencies import send_to_agency
from bot.office.case_deadlines import mark_reminder_seen, overdue_cases, reminders_for
from messages.i18n import LANGUAGES


def agency_names() -> dict[str, str]:
    with services().session_factory() as session:
        return {agency.key: agency.name(ui_language()) for agency in list_agencies(session)}


@blueprint.get("/cases/desk")
@officer_required(Permission.VIEW_CASES)
def case_desk() -> Any:
    actor = current_actor()
    with services().session_factory.begin() as session:  # the overdue cases shown are recorded as read
        reminders = list(reminders_for(session, actor))
        overdue = list(overdue_cases(session, actor, now=now()))
        rows = [(r.id, r.kind, r.due_on, r.case.number, r.case.agency) for r in reminders]
    return render_template(
        "console/case_desk.html",
        title=translate("desk.title"),
        reminders=rows,
        overdue=overdue,
        agencies=agency_names(),
        today=now(),
        **helpers(),
    )


@blueprint.route("/cases/reminders/<int:reminder_id>/seen", methods=["GET", "POST"])
@officer_required(Permission.HANDLE_CASES)
def reminder_seen(reminder_id: int) -> Any:
    if request.method == "POST":
        try:
            with services().session_factory.begin() as session:
                mark_reminder_seen(session, current_actor(), reminder_id, now=now())
            flash(translate("desk.seen"), "success")
        except LookupError:
            flash(translate("desk.no_reminder"), "error")
    return redirect(url_for("console.case_desk"), 303)


@blueprint.route("/cases/<number>/agency", methods=["GET", "POST"])
@officer_required(Permission.HANDLE_CASES)
def case_agency(number: str) -> Any:
    target = url_for("console.case", number=number)
    if request.method == "GET":
        return redirect(target)
    agency, reason = request.form.get("agency", "").strip(), request.form.get("reason", "").strip()
    try:
        change, told = send_to_agency(services(), current_actor(), number, agency, reason=reason or None, now=now())
    except CaseError as exc:
        flash(refused(exc), "error")
        return redirect(target, 303)
    names = agency_names()
    key = "case.transferred" if change.transferred else "case.agency_set"
    flash(translate(key, agency=names.get(agency, agency), due=str(change.due_on)), "success")
    flash(told_text(told), "info")
    # An agency officer who transferred the case away can no longer open it.
    return redirect(target if current_actor().agency in (None, change.agency) else url_for("console.case_desk"), 303)


def _agencies_page(*, errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    with services().session_factory() as session:
        agencies = list_agencies(session)
        rows = [(a.key, dict(a.names), a.active) for a in agencies]
    return render_template(
        "console/agencies.html",
        title=translate("agencies.title"),
        agencies=rows,
        languages=list(LANGUAGES),
        errors=errors or {},
        **helpers(),
    ), status


@blueprint.get("/agencies")
@officer_required(Permission.MANAGE_OFFICERS)
def agencies() -> Any:
    return _agencies_page()


@blueprint.route("/agencies/<key>", methods=["GET", "POST"])
@officer_required(Permission.MANAGE_OFFICERS)
def agency_edit(key: str) -> Any:
    if request.method == "GET":
        return redirect(url_for("console.agencies"))
    names = {language: request.form.get(f"name-{language}", "") for language in LANGUAGES}
    svc = services()
    try:
        with svc.session_factory.begin() as session:
            if key == "new":
                add_agency(
                    session,
                    current_actor(),
                    request.form.get("key", ""),
                    names=names,
                    glossary=svc.glossary,
                    now=now(),
                )
            else:
                edit_agency(
                    session, current_actor(), key, names=names, active=bool(request.form.get("active")), now=now()
                )
    except AgencyError as exc:
        return _agencies_page(errors={key: refusal_text(exc)}, status=422)
    flash(translate("agencies.saved"), "success")
    return redirect(url_for("console.agencies"), 303)
