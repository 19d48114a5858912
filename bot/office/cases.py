"""Petitions as officers handle them: list, assign, change status (the resident is told), internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from bot.conversation.models import Case, CaseEvent, CaseStatus, Conversation
from bot.conversation.petitions import CaseChange, CaseError, change_status, find_case
from bot.office.accounts import ROLE_PERMISSIONS, Actor, Permission, find_officer, list_officers
from bot.office.audit import AuditAction, record
from bot.office.models import Officer, Role
from bot.office.notice_rules import RuleRefused
from bot.office.services import Services
from channels.base import ChannelError, PersonalMessage, TellsResidents, personal_label, personal_name
from channels.base import Told as ChannelTold
from messages.plurals import counted
from messages.said import Said, Word
from messages.text import TextRefused, clean_text, text_problem

MAX_NOTE = 2000
RESIDENTS_DATA_RULE = "test keys never touch residents' petitions"


def require_case_access(actor: Actor, permission: Permission) -> None:
    """Petitions are residents' data: no test key reads or changes them, and each officer only as their role
    allows (reading needs VIEW_CASES, changing and internal notes HANDLE_CASES)."""
    if actor.is_test_key:
        raise RuleRefused(
            RESIDENTS_DATA_RULE,
            "a test API key cannot read or change petitions, nor tell residents anything: use a live key",
            code="test_key.petitions",
        )
    actor.require(permission)


def may_see(actor: Actor, case: Case) -> bool:
    """An agency officer sees only their agency's cases; the other roles see every case."""
    return actor.role != Role.AGENCY_OFFICER or (actor.agency is not None and case.agency == actor.agency)


def may_handle(officer: Officer, case: Case) -> bool:
    """Whether the case may be assigned to this officer: an active officer whose role handles cases, and an agency
    officer only if the case is with their agency (a case with no agency yet is for the other roles)."""
    role = Role(officer.role)
    if not officer.active or Permission.HANDLE_CASES not in ROLE_PERMISSIONS[role]:
        return False
    return role != Role.AGENCY_OFFICER or (officer.agency is not None and officer.agency == case.agency)


def assignable_officers(session: Session, case: Case) -> list[Officer]:
    """The officers the case may be assigned to, by username."""
    return [officer for officer in list_officers(session) if may_handle(officer, case)]


def scoped_case(session: Session, actor: Actor, number: str) -> Case:
    """The case, if this officer may see it: to an agency officer another agency's case is as one that does not
    exist (its number tells them nothing)."""
    case = find_case(session, number)
    if not may_see(actor, case):
        raise CaseError(f"there is no case {number}", code="case.none", number=number)
    return case


def clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    try:
        return clean_text("note", note, multiline=True, max_length=MAX_NOTE).strip() or None
    except TextRefused as exc:
        raise CaseError(str(exc), code="text", field="note", problem=exc.reason) from None


def visible_events(actor: Actor, case: Case) -> list[CaseEvent]:
    """The case's history as this officer may see it: internal notes only for those who handle cases."""
    return [event for event in case.events if not event.internal or actor.can(Permission.HANDLE_CASES)]


def read_case(session: Session, actor: Actor, number: str, *, now: datetime) -> Case:
    """One case, its reading recorded in the audit log (in the caller's transaction)."""
    require_case_access(actor, Permission.VIEW_CASES)
    case = scoped_case(session, actor, number)
    record(session, actor, AuditAction.READ_CASE, "case", case.number, now=now)
    return case


class Told(StrEnum):
    TOLD = "told"
    NOBODY = "nobody"  # the resident deleted their data
    WINDOW = "window"  # the platform allows no message now (Messenger's 24 hours have passed)
    NOT_PERSONAL = "not_personal"  # the resident's channel cannot message one resident
    FAILED = "failed"
    UNCHANGED = "unchanged"  # nothing a resident needs to hear


_SENTENCES = {
    Told.TOLD: "the resident was told on {channel}",
    Told.NOBODY: "the resident's data was deleted: nobody to tell",
    Told.WINDOW: "the resident last wrote too long ago: {channel} does not allow a message now",
    Told.NOT_PERSONAL: "the resident was not told: {channel} cannot message one resident",
    Told.FAILED: "the resident could not be told ({detail}); the status is saved",
    Told.UNCHANGED: "the resident was not told (status unchanged)",
}


@dataclass(frozen=True)
class ResidentTold:
    """Whether and how the resident heard of a change; ``str()`` is the English sentence. ``channel`` is the
    resident's channel as residents know it ("LINE", "Messenger")."""

    outcome: Told
    detail: str = ""
    channel: str = ""

    def __str__(self) -> str:
        return _SENTENCES[self.outcome].format(detail=self.detail, channel=self.channel)


def _last_heard(services: Services, channel: str, user_id: str) -> datetime | None:
    with services.session_factory() as session:
        return session.scalar(
            select(Conversation.last_inbound_at).where(Conversation.channel == channel, Conversation.user_id == user_id)
        )


def tell_resident(services: Services, change: CaseChange) -> ResidentTold:
    """Tell the resident about their case in their language, on the channel they wrote on."""
    if not change.channel or not change.user_id:
        return ResidentTold(Told.NOBODY)
    channel = next((c for c in services.channels.values() if personal_name(c) == change.channel), None)
    if channel is None or not isinstance(channel, TellsResidents):
        label = personal_label(channel) if channel is not None else change.channel
        return ResidentTold(Told.NOT_PERSONAL, channel=label)
    label = personal_label(channel)
    replies = services.conversation_engine.answers.case_update_replies(change)
    messages = [PersonalMessage(reply.text, tuple((c.label, c.data) for c in reply.choices)) for reply in replies]
    try:
        told = channel.tell(change.user_id, messages, last_heard=_last_heard(services, change.channel, change.user_id))
    except ChannelError as exc:
        return ResidentTold(Told.FAILED, str(exc), channel=label)
    if told is ChannelTold.WINDOW:
        return ResidentTold(Told.WINDOW, channel=label)
    if told is ChannelTold.NOT_PERSONAL:
        return ResidentTold(Told.NOT_PERSONAL, channel=label)
    return ResidentTold(Told.TOLD, channel=label)


def update_case(
    services: Services, actor: Actor, number: str, *, status: str, note: str | None, now: datetime | None = None
) -> tuple[CaseChange, ResidentTold]:
    """Change the status (the resident is told, after the change is stored). Raises CaseError."""
    require_case_access(actor, Permission.HANDLE_CASES)
    note = clean_note(note)
    now = now or datetime.now(UTC)
    with services.session_factory.begin() as session:
        scoped_case(session, actor, number)
        change = change_status(session, number, status, note=note, officer=actor.username, now=now)
        record(
            session,
            actor,
            AuditAction.CASE_STATUS,
            "case",
            change.number,
            now=now,
            summary=Said(
                f"{change.status}: {change.note}",
                "case.status_note",
                status=Word("case_status.", change.status),
                note=change.note,
            )
            if change.note
            else Said(f"{change.status}", "case.status", status=Word("case_status.", change.status)),
        )
    return change, tell_resident(services, change)  # a network call: no session open


def assign_case(
    services: Services, actor: Actor, number: str, assignee: str, *, now: datetime | None = None
) -> tuple[CaseChange | None, ResidentTold]:
    """Give the case to an officer; a newly received case becomes assigned and its resident is told."""
    require_case_access(actor, Permission.HANDLE_CASES)
    now = now or datetime.now(UTC)
    assignee = assignee.strip()
    if not assignee:
        raise CaseError("name the officer the case is assigned to", code="case.no_assignee")
    change = None
    with services.session_factory.begin() as session:
        officer = find_officer(session, assignee) if not text_problem(assignee) else None
        if officer is None or not officer.active:
            raise CaseError(
                f"there is no active officer called {assignee!r} to assign the case to",
                code="case.unknown_officer",
                username=assignee,
            )
        case = scoped_case(session, actor, number)
        if actor.role == Role.AGENCY_OFFICER and officer.agency != actor.agency:
            raise CaseError(
                f"{officer.username} is not an officer of your agency; transfer the case instead",
                code="case.other_agency",
                username=officer.username,
            )
        if not may_handle(officer, case):
            raise CaseError(
                f"{officer.username} may not handle this case (their role or agency does not allow it)",
                code="case.may_not_handle",
                username=officer.username,
            )
        case.assignee = officer.username
        if case.status == CaseStatus.RECEIVED:
            change = change_status(session, number, CaseStatus.ASSIGNED, note=None, officer=actor.username, now=now)
        record(
            session,
            actor,
            AuditAction.ASSIGN_CASE,
            "case",
            case.number,
            now=now,
            summary=Said(assignee, "case.assigned", officer=assignee),
        )
    return change, tell_resident(services, change) if change else ResidentTold(Told.UNCHANGED)


def add_note(session: Session, actor: Actor, number: str, note: str, *, now: datetime) -> CaseEvent:
    """An officers' note on the case; the resident never sees it."""
    require_case_access(actor, Permission.HANDLE_CASES)
    note = clean_note(note) or ""
    if not note:
        raise CaseError("the note is empty", code="case.empty_note")
    case = scoped_case(session, actor, number)
    event = CaseEvent(
        case_id=case.id, status=case.status, note=note.strip(), officer=actor.username, internal=True, created_at=now
    )
    session.add(event)
    record(session, actor, AuditAction.CASE_NOTE, "case", case.number, now=now)
    return event


def list_cases(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    status: str | None = None,
    district: str | None = None,
    category: str | None = None,
    assignee: str | None = None,
    agency: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Case], int]:
    """Newest first, with the total matching count; the cases shown are recorded in the audit log."""
    require_case_access(actor, Permission.VIEW_CASES)
    conditions = []
    for column, value in (
        (Case.status, status),
        (Case.district, district),
        (Case.category, category),
        (Case.assignee, assignee),
        (Case.agency, agency),
    ):
        if value:
            conditions.append(column == value)
    if actor.role == Role.AGENCY_OFFICER:
        # ``== None`` would be IS NULL: an agency officer without an agency sees nothing, not the unassigned cases.
        conditions.append(Case.agency == actor.agency if actor.agency else false())
    total = session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    rows = session.scalars(select(Case).where(*conditions).order_by(Case.id.desc()).limit(limit).offset(offset)).all()
    if rows:
        shown = ", ".join(case.number for case in rows[:10]) + (" …" if len(rows) > 10 else "")
        record(
            session,
            actor,
            AuditAction.READ_CASES,
            "case",
            counted(len(rows), "case", "cases"),
            now=now,
            summary=Said(shown, "case.numbers_more" if len(rows) > 10 else "case.numbers", numbers=shown.rstrip(" …")),
            detail={"numbers": [case.number for case in rows]},
        )
    return rows, total
