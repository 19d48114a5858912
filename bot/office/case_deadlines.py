"""Petitions against their due dates: the reminders agencies get before a case is due and once it is overdue,
and the overdue list. The leading scheduler runs ``remind_due_cases`` as a periodic job (``REMINDER_JOB``).

A reminder is a ``case_reminders`` row the agency's officers see on their console home until one of them marks
it seen: there is no e-mail in civicast, and the console is where officers work on cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.deadlines import PetitionRules, declared_days_off
from bot.conversation.models import CLOSED_STATUSES, Case, CaseReminder
from bot.conversation.working_days import working_days_between
from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from bot.office.cases import require_case_access
from bot.office.models import Role
from bot.petition_settings import PetitionSettings
from messages.i18n import TAIPEI
from messages.said import Said, Word

REMINDER_JOB = "civicast:case-reminders"
SYSTEM_ACTOR = "system:case-reminders"
LONGEST_DAYS_OFF = 21


class ReminderKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def _open_cases_due_by(session: Session, last: date) -> Sequence[Case]:
    return session.scalars(
        select(Case)
        .where(
            Case.agency.is_not(None),
            Case.due_on.is_not(None),
            Case.due_on <= last,
            Case.status.not_in(CLOSED_STATUSES),
        )
        .order_by(Case.due_on, Case.id)
    ).all()


def reminder_kind(session: Session, case: Case, rules: PetitionRules, *, today: date) -> ReminderKind | None:
    """Overdue once its due date has passed; due soon within ``remind_days_before`` working days of it."""
    assert case.due_on is not None
    if case.due_on < today:
        return ReminderKind.OVERDUE
    days_off = declared_days_off(session, case.district, start=today, end=case.due_on)
    if working_days_between(today, case.due_on, days_off=days_off) <= rules.remind_days_before:
        return ReminderKind.DUE_SOON
    return None


def remind_due_cases(session: Session, rules: PetitionRules, *, now: datetime) -> list[CaseReminder]:
    """Add the reminders that are due now (each case, kind and due date once, even if two schedulers raced)."""
    today = now.astimezone(TAIPEI).date()
    added: list[CaseReminder] = []
    # No run of days off (Lunar New Year, a typhoon after a weekend) is three weeks long: later cases wait.
    horizon = today + timedelta(days=rules.remind_days_before + LONGEST_DAYS_OFF)
    for case in _open_cases_due_by(session, horizon):
        kind = reminder_kind(session, case, rules, today=today)
        if kind is None or case.agency is None or case.due_on is None:
            continue
        exists = session.scalar(
            select(CaseReminder.id).where(
                CaseReminder.case_id == case.id, CaseReminder.kind == kind, CaseReminder.due_on == case.due_on
            )
        )
        if exists is not None:
            continue
        reminder = CaseReminder(case_id=case.id, agency=case.agency, kind=kind, due_on=case.due_on, created_at=now)
        try:
            with session.begin_nested():
                session.add(reminder)
        except IntegrityError:
            continue  # another scheduler added it a moment ago
        record(
            session,
            SYSTEM_ACTOR,
            AuditAction.CASE_REMINDER,
            "case",
            case.number,
            now=now,
            summary=Said(
                f"{kind} ({case.due_on.isoformat()}) to {case.agency}",
                "case.reminder_overdue" if kind == "overdue" else "case.reminder_due_soon",
                due=case.due_on,
                agency=Word("agency.", case.agency),
            ),
        )
        added.append(reminder)
    return added


def reminder_jobs(
    session_factory: sessionmaker[Session], settings: PetitionSettings, clock: Callable[[], datetime]
) -> dict[str, tuple[Callable[[], object], float]]:
    """The periodic job the leading scheduler runs: agencies hear of cases due soon or overdue."""
    rules = settings.rules()

    def remind() -> int:
        with session_factory.begin() as session:
            return len(remind_due_cases(session, rules, now=clock()))

    return {REMINDER_JOB: (remind, settings.remind_every_s)}


def _agency_scope(actor: Actor) -> list[ColumnElement[bool]]:
    if actor.role != Role.AGENCY_OFFICER:
        return []
    return [CaseReminder.agency == actor.agency if actor.agency else false()]


def reminders_for(session: Session, actor: Actor, *, limit: int = 50) -> Sequence[CaseReminder]:
    """The reminders not yet marked seen: an agency officer's agency's, everyone's for the other roles."""
    require_case_access(actor, Permission.VIEW_CASES)
    return session.scalars(
        select(CaseReminder)
        .join(Case, Case.id == CaseReminder.case_id)
        .where(CaseReminder.seen_at.is_(None), Case.status.not_in(CLOSED_STATUSES), *_agency_scope(actor))
        .order_by(CaseReminder.due_on, CaseReminder.id)
        .limit(limit)
    ).all()


def mark_reminder_seen(session: Session, actor: Actor, reminder_id: int, *, now: datetime) -> CaseReminder:
    require_case_access(actor, Permission.HANDLE_CASES)
    reminder = session.scalar(select(CaseReminder).where(CaseReminder.id == reminder_id, *_agency_scope(actor)))
    if reminder is None:
        raise LookupError(f"there is no reminder {reminder_id}")
    if reminder.seen_at is None:
        reminder.seen_at = now
        reminder.seen_by = actor.username
    return reminder


def overdue_cases(session: Session, actor: Actor, *, now: datetime, limit: int = 200) -> Sequence[Case]:
    """Open cases past their due date, the longest overdue first; an agency officer sees their agency's."""
    require_case_access(actor, Permission.VIEW_CASES)
    today = now.astimezone(TAIPEI).date()
    conditions = [Case.due_on < today, Case.status.not_in(CLOSED_STATUSES)]
    if actor.role == Role.AGENCY_OFFICER:
        conditions.append(Case.agency == actor.agency if actor.agency else false())
    rows = session.scalars(select(Case).where(*conditions).order_by(Case.due_on, Case.id).limit(limit)).all()
    if rows:
        record(
            session,
            actor,
            AuditAction.READ_CASES,
            "case",
            f"{len(rows)} overdue",
            now=now,
            detail={"numbers": [case.number for case in rows]},
        )
    return rows
