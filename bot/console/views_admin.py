"""Console pages for petitions (陳情) and for officers and API keys.

A case's status change and assignment go through ``bot.office.cases``, which store the change, record it and then
tell the resident over the network: no session is open here while they run.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from bot.console import blueprint
from bot.console.auth import current_actor, now, officer_required, services
from bot.console.names import helpers, page_count
from bot.console.refusals import refusal_text, refused
from bot.console.ui import translate, ui_language
from bot.conversation.models import CaseStatus
from bot.conversation.petitions import CATEGORIES, CaseError, find_case
from bot.office import cases as office_cases
from bot.office.accounts import (
    USERNAME,
    AccountError,
    Permission,
    create_officer,
    find_officer,
    list_officers,
    new_password,
    set_active,
    set_password,
)
from bot.office.agencies import list_agencies
from bot.office.audit import AuditAction, record
from bot.office.console_sessions import EndReason, end_officer_sessions, open_session_counts
from bot.office.models import Role
from bot.office.officer_said import officer_created
from bot.office.sign_in import FREE_FAILURES, recent_refusals
from bot.routing import requested_page

CASE_PAGE_SIZE = 50
MAX_CASE_NUMBER_CHARS = 24  # the column's size: anything longer, or not plain text, names no case
CASE_FILTERS = ("status", "district", "category", "assignee")


# What bot.office.cases.tell_resident says happened, by the start of its words: shown in the officer's language.
def told_text(told: office_cases.ResidentTold) -> str:
    return translate(f"told.{told.outcome.value}", detail=told.detail, channel=told.channel)


def _officer_choices(session: Any) -> list[tuple[str, str]]:
    return [(o.username, o.display_name) for o in list_officers(session) if o.active]


# ----------------------------------------------------------------------------- petitions


@blueprint.get("/cases")
@officer_required(Permission.VIEW_CASES)
def cases() -> Any:
    svc = services()
    filters = {name: (request.args.get(name) or "").strip() for name in CASE_FILTERS}
    if filters["status"] not in {s.value for s in CaseStatus}:
        filters["status"] = ""
    page = requested_page()
    with svc.session_factory.begin() as session:  # the cases shown are recorded as read
        rows, total = office_cases.list_cases(
            session,
            current_actor(),
            now=now(),
            **{k: v or None for k, v in filters.items()},
            limit=CASE_PAGE_SIZE,
            offset=(page - 1) * CASE_PAGE_SIZE,
        )
        rows = list(rows)
        assignees = _officer_choices(session)
    return render_template(
        "console/cases.html",
        title=translate("cases.title"),
        rows=rows,
        total=total,
        page=page,
        pages=page_count(total, CASE_PAGE_SIZE),
        filters=filters,
        statuses=[s.value for s in CaseStatus],
        categories=CATEGORIES,
        districts=[term.key for term in svc.glossary.terms("district")],
        assignees=assignees,
        **helpers(),
    )


def _case_number_or_404(number: str) -> str:
    if len(number) > MAX_CASE_NUMBER_CHARS or not number.isascii() or not number.isprintable():
        abort(404)
    return number


@blueprint.get("/cases/<number>")
@officer_required(Permission.VIEW_CASES)
def case(number: str) -> Any:
    number = _case_number_or_404(number)
    actor = current_actor()
    with services().session_factory.begin() as session:  # the read is recorded
        try:
            found = office_cases.read_case(session, actor, number, now=now())
        except CaseError:
            abort(404)
        events = office_cases.visible_events(actor, found)
        # Only those who may handle this case: a viewer cannot, another agency's officer may not.
        assignees = [(o.username, o.display_name) for o in office_cases.assignable_officers(session, found)]
        agencies = {a.key: a.name(ui_language()) for a in list_agencies(session)}
        active = [a.key for a in list_agencies(session, active_only=True)]
    return render_template(
        "console/case.html",
        agencies=agencies,
        active_agencies=active,
        title=translate("case.title", number=found.number),
        case=found,
        events=events,
        assignees=assignees,
        statuses=[s.value for s in CaseStatus],
        **helpers(),
    )


def _case_status(number: str) -> CaseStatus:
    number = _case_number_or_404(number)
    with services().session_factory() as session:
        try:
            return CaseStatus(find_case(session, number).status)
        except CaseError:
            abort(404)


@blueprint.route("/cases/<number>/<action>", methods=["GET", "POST"])
@officer_required(Permission.HANDLE_CASES)
def case_action(number: str, action: str) -> Any:
    if request.method == "GET":  # e.g. the language switch after a form: back to the case
        return redirect(url_for("console.case", number=number))
    svc = services()
    actor = current_actor()
    current = _case_status(number)
    target = url_for("console.case", number=number)
    try:
        if action == "assign":
            assignee = request.form.get("assignee", "").strip()
            _change, told = office_cases.assign_case(svc, actor, number, assignee, now=now())
            flash(translate("case.assigned", name=assignee), "success")
            flash(told_text(told), "info")
        elif action == "status":
            status, note = request.form.get("status", ""), request.form.get("note", "").strip()
            if status not in {s.value for s in CaseStatus}:
                flash(translate("case.error_status"), "error")
                return redirect(target, 303)
            if status == current and not note:
                flash(translate("case.error_same_status", status=translate(f"case_status.{status}")), "error")
                return redirect(target, 303)
            change, told = office_cases.update_case(svc, actor, number, status=status, note=note or None, now=now())
            flash(translate("case.status_changed", status=translate(f"case_status.{change.status}")), "success")
            flash(told_text(told), "info")
        elif action == "note":
            note = request.form.get("note", "").strip()
            if not note:
                flash(translate("case.error_note"), "error")
                return redirect(target, 303)
            with svc.session_factory.begin() as session:
                office_cases.add_note(session, actor, number, note, now=now())
            flash(translate("case.note_added"), "success")
        else:
            abort(404)
    except CaseError as exc:
        flash(refused(exc), "error")
    return redirect(target, 303)


# ----------------------------------------------------------------------------- officers and API keys

# The field of the new-officer form that a refused creation names (the agency's refusals name the agency).
REFUSED_FIELD = {
    "text": "display_name",
    "account.unknown_role": "role",
    "account.bad_username": "username",
    "account.exists": "username",
}


def _officers_page(
    *,
    secret: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    with services().session_factory() as session:
        officers = list_officers(session)
        open_sessions = open_session_counts(session, now=now())
        refusals = recent_refusals(session, now=now())
        agencies = [(a.key, a.name(ui_language())) for a in list_agencies(session, active_only=True)]
    return render_template(
        "console/officers.html",
        agencies=agencies,
        title=translate("officers.title"),
        officers=officers,
        secret=secret,
        errors=errors or {},
        form=form or {},
        roles=[r.value for r in Role],
        open_sessions=open_sessions,
        refusals=refusals,
        free_failures=FREE_FAILURES,
        now=now(),
        **helpers(),
    ), status


@blueprint.get("/officers")
@officer_required(Permission.MANAGE_OFFICERS)
def officers() -> Any:
    return _officers_page()


# The officers' forms answer on their own URL (a secret is shown once, never kept in a cookie); a GET there,
# as after switching the console's language, goes back to the officers page.
@blueprint.route("/officers/new", methods=["GET", "POST"])
@officer_required(Permission.MANAGE_OFFICERS)
def officer_create() -> Any:
    if request.method == "GET":
        return redirect(url_for("console.officers"))
    form = {name: request.form.get(name, "").strip() for name in ("username", "display_name", "role", "agency")}
    form["username"], form["display_name"] = form["username"].lower(), form["display_name"][:120]
    errors: dict[str, str] = {}
    if not USERNAME.match(form["username"]):
        errors["username"] = translate("officers.error_username")
    if form["role"] not in {r.value for r in Role}:
        errors["role"] = translate("officers.error_role")
    if not errors:
        with services().session_factory.begin() as session:
            if find_officer(session, form["username"]) is not None:
                errors["username"] = translate("officers.error_exists")
            else:
                try:
                    officer, password = create_officer(
                        session,
                        form["username"],
                        form["role"],
                        display_name=form["display_name"] or None,
                        agency=form["agency"] or None,
                    )
                except AccountError as exc:
                    errors[REFUSED_FIELD.get(exc.code or "", "agency")] = refusal_text(exc)
                    return _officers_page(errors=errors, form=form, status=422)
                record(
                    session,
                    current_actor(),
                    AuditAction.CREATE_OFFICER,
                    "officer",
                    officer.username,
                    now=now(),
                    summary=officer_created(officer.role, officer.agency),
                )
        if not errors:
            return _officers_page(secret={"kind": "password", "username": form["username"], "value": password})
    return _officers_page(errors=errors, form=form, status=422)


@blueprint.route("/officers/<username>/<action>", methods=["GET", "POST"])
@officer_required(Permission.MANAGE_OFFICERS)
def officer_action(username: str, action: str) -> Any:
    if request.method == "GET":
        return redirect(url_for("console.officers"))
    actor = current_actor()
    if action not in ("reset_password", "deactivate", "activate", "sign_out"):
        abort(404)
    if action in ("deactivate", "sign_out") and username == actor.username:
        flash(translate("officers.error_self"), "error")
        return redirect(url_for("console.officers"), 303)
    with services().session_factory.begin() as session:
        officer = find_officer(session, username)
        if officer is None:
            abort(404)
        if action == "reset_password":
            password = new_password()
            set_password(session, username, password, now=now())  # also ends their sessions
            record(session, actor, AuditAction.RESET_PASSWORD, "officer", username, now=now())
        elif action == "sign_out":
            ended = end_officer_sessions(session, officer.id, now=now(), reason=EndReason.SIGNED_OUT_ELSEWHERE)
            record(session, actor, AuditAction.END_SESSIONS, "officer", username, now=now(), detail={"sessions": ended})
        else:
            set_active(session, username, action == "activate", now=now())
            record(
                session,
                actor,
                AuditAction.ACTIVATE_OFFICER if action == "activate" else AuditAction.DEACTIVATE_OFFICER,
                "officer",
                username,
                now=now(),
            )
    if action == "reset_password":
        return _officers_page(secret={"kind": "password", "username": username, "value": password})
    if action == "sign_out":
        flash(translate("officers.signed_out", name=username, count=ended), "success")
    else:
        flash(translate(f"officers.{action}d", name=username), "success")
    return redirect(url_for("console.officers"), 303)
