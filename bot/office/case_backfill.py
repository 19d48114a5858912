"""Petitions from before agencies existed: their missing due dates (and agencies) filled in, each one audited.

Migration 0019 gives each such case its category's agency but no due date: the due date counts working days on the
official calendar package and the declared typhoon days off, which a migration should not depend on. The operator
runs ``civicast case fill-due-dates`` (``civicast db upgrade`` says so while such cases exist), which calls
``fill_missing_due_dates``: the same rules as a new case's, counted from the day the case was received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from bot.conversation.deadlines import PetitionRules, due_date
from bot.conversation.models import Case
from bot.conversation.petitions import active_agency
from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from bot.office.cases import require_case_access
from bot.office.models import Role
from messages.said import Said, Word

FILL_COMMAND = "civicast case fill-due-dates"


@dataclass(frozen=True)
class FilledCase:
    number: str
    agency: str | None
    due_on: date
    agency_given: bool  # the case had no agency and got its category's


def _missing(actor: Actor | None = None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Case.due_on.is_(None)]
    if actor is not None and actor.role == Role.AGENCY_OFFICER:
        conditions.append(Case.agency == actor.agency if actor.agency else false())
    return conditions


def count_missing_due_dates(session: Session) -> int:
    """How many cases have no due date (every case opened since agencies exist has one)."""
    return session.scalar(select(func.count()).select_from(Case).where(*_missing())) or 0


def fill_missing_due_dates(session: Session, actor: Actor, rules: PetitionRules, *, now: datetime) -> list[FilledCase]:
    """Give each case without a due date the one a new case would get had it been received when this one was, and
    its category's agency if it still has none and that agency answers petitions; one audit row per change.
    An agency officer fills their own agency's cases only."""
    require_case_access(actor, Permission.HANDLE_CASES)
    filled: list[FilledCase] = []
    for case in session.scalars(select(Case).where(*_missing(actor)).order_by(Case.id)):
        given = None
        if case.agency is None:
            given = active_agency(session, rules.agency_for(case.category))
            case.agency = given
        case.due_on = due_date(session, rules, category=case.category, district=case.district, received=case.created_at)
        if given is not None:
            record(
                session,
                actor,
                AuditAction.ASSIGN_AGENCY,
                "case",
                case.number,
                now=now,
                summary=Said(
                    f"{given} (its category's agency; the case is from before agencies)",
                    "case.backfill_agency",
                    agency=Word("agency.", given),
                ),
                detail={"from": None, "to": given},
            )
        record(
            session,
            actor,
            AuditAction.FILL_DUE_DATE,
            "case",
            case.number,
            now=now,
            summary=Said(
                f"due {case.due_on.isoformat()} (received {case.created_at.date().isoformat()})",
                "case.due_filled",
                due=case.due_on,
                received=case.created_at.date(),
            ),
            detail={"due_on": case.due_on.isoformat(), "received": case.created_at.isoformat()},
        )
        filled.append(FilledCase(case.number, case.agency, case.due_on, given is not None))
    return filled
