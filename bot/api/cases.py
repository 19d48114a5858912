"""Petitions (陳情) in the API: list and read cases with their events; change a case's status.

Petitions are residents' data: a test key gets 403 on every operation; each read is recorded in the
audit log with the key that made it; internal notes are shown only to officers who handle cases. An agency officer's key
sees only its agency's cases: the list's ``agency`` filter naming another agency gives an empty page. A
status change goes through ``bot.office.cases.update_case``, which stores it, records it and then tells
the resident (outside any session).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.auth import current_actor, services
from bot.api.inputs import json_body, paging, query_choice, text_problems, unknown_fields, unknown_query
from bot.api.problems import Problem, invalid, problem_response
from bot.api.serialise import case_detail_json, case_json, page_json
from bot.conversation.models import Agency, Case, CaseStatus
from bot.conversation.petitions import CATEGORIES, CaseError
from bot.office.accounts import Permission
from bot.office.agencies import AGENCY_KEY
from bot.office.cases import MAX_NOTE, list_cases, may_see, read_case, require_case_access, update_case, visible_events
from messages.glossary import UnknownTerm

blueprint = Blueprint("cases", __name__)
CASE_NUMBER = re.compile(r"[Kk][Hh]-[0-9]{4}-[0-9]{6}")  # the document's pattern, matched whole


def _case(session: Session, number: str) -> Case:
    """The case, or a 404: also when the officer may not see it (another agency's, to an agency officer)."""
    case = session.scalar(select(Case).where(Case.number == number.upper())) if CASE_NUMBER.fullmatch(number) else None
    if case is None or not may_see(current_actor(), case):
        raise Problem("not-found", f"there is no case {number}")
    return case


def _detail(case: Case) -> dict:
    svc = services()
    return case_detail_json(
        case, svc.glossary, svc.settings.default_language, events=visible_events(current_actor(), case)
    )


@blueprint.errorhandler(CaseError)
def _case_refused(exc: CaseError) -> Response:
    return problem_response(Problem("conflict", str(exc), title="The case cannot do that in its present state"))


@blueprint.get("/cases")
def list_all() -> Response:
    actor = current_actor()
    require_case_access(actor, Permission.VIEW_CASES)
    svc = services()
    errors: dict[str, str] = {}
    unknown_query(("status", "district", "category", "assignee", "agency", "limit", "offset"), errors)
    limit, offset = paging(errors)
    status = query_choice("status", [s.value for s in CaseStatus], errors)
    category = query_choice("category", CATEGORIES, errors)
    district = request.args.get("district")
    if district is not None:  # bad characters were refused with the other query parameters
        try:
            district = svc.glossary.resolve("district", district)
        except UnknownTerm as exc:
            errors["district"] = str(exc)
    assignee = request.args.get("assignee")
    if assignee is not None and len(assignee) > 120:
        errors["assignee"] = "must be an officer's username"
    agency = request.args.get("agency")
    if agency is not None and not AGENCY_KEY.match(agency):
        errors["agency"] = "must be an agency key (2–64 lower-case letters, digits and '_')"
    if errors:
        raise invalid(errors)
    language = svc.settings.default_language
    with svc.session_factory.begin() as session:  # the read is recorded
        if agency is not None and session.get(Agency, agency) is None:
            raise invalid({"agency": f"there is no agency {agency!r}"})
        # An agency officer's own agency narrows the list in list_cases whatever the filter: another agency's
        # key gives an empty page, as another agency's case number gives a 404.
        rows, total = list_cases(
            session,
            actor,
            now=datetime.now(UTC),
            status=status,
            district=district,
            category=category,
            assignee=assignee,
            agency=agency,
            limit=limit,
            offset=offset,
        )
        items = [case_json(case, svc.glossary, language) for case in rows]
    return jsonify(page_json(items, total=total, limit=limit, offset=offset))


@blueprint.get("/cases/<number>")
def get_one(number: str) -> Response:
    actor = current_actor()
    require_case_access(actor, Permission.VIEW_CASES)
    with services().session_factory.begin() as session:  # the read is recorded
        case = read_case(session, actor, _case(session, number).number, now=datetime.now(UTC))
        return jsonify(_detail(case))


@blueprint.post("/cases/<number>/status")
def change_status(number: str) -> Response:
    actor, svc = current_actor(), services()
    require_case_access(actor, Permission.HANDLE_CASES)
    with svc.session_factory() as session:
        number = _case(session, number).number
    body = json_body()
    errors = unknown_fields(body, ("status", "note"))
    statuses = [s.value for s in CaseStatus]
    if body.get("status") not in statuses:
        errors["status"] = f"must be one of {', '.join(statuses)}"
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        errors["note"] = f"must be text of at most {MAX_NOTE} characters, or null"
    elif isinstance(note, str):
        errors.update(text_problems(note, "note", multiline=True))
    if errors:
        raise invalid(errors)
    _change, told = update_case(svc, actor, number, status=body["status"], note=note)
    with svc.session_factory() as session:
        case = _detail(_case(session, number))
    return jsonify({"case": case, "resident_notified": str(told)})
