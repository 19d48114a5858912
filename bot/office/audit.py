"""The audit log: every officer action on a notice, case, FAQ entry, translation, officer, key, channel, ingest
rule or shelter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.office.accounts import Actor
from bot.office.models import AuditEntry
from messages.said import Said


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    THROTTLED = "throttled"  # refused unjudged: too many wrong passwords for the username from that address
    LOGOUT = "logout"
    COMPOSE = "compose"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    SEND = "send"
    SCHEDULE = "schedule"
    CANCEL = "cancel"
    UPDATE = "update"
    REVIEW_TRANSLATION = "review_translation"
    EDIT_FAQ = "edit_faq"
    ASSIGN_CASE = "assign_case"
    CASE_STATUS = "case_status"
    CASE_NOTE = "case_note"
    CREATE_OFFICER = "create_officer"
    CREATE_API_KEY = "create_api_key"
    REVOKE_API_KEY = "revoke_api_key"
    RESET_PASSWORD = "reset_password"
    DEACTIVATE_OFFICER = "deactivate_officer"
    ACTIVATE_OFFICER = "activate_officer"
    END_SESSIONS = "end_sessions"
    READ_CASE = "read_case"  # residents' data: every read by the API or the console is recorded
    READ_CASES = "read_cases"
    MISSED = "missed"  # the scheduler could not send a notice or an occurrence in time
    RESUME_CHANNEL = "resume_channel"  # an officer resumed a channel civicast had paused (LINE's quota)
    ADD_INGEST_RULE = "add_ingest_rule"  # the rules deciding alerts from the national platform
    EDIT_INGEST_RULE = "edit_ingest_rule"
    DELETE_INGEST_RULE = "delete_ingest_rule"
    MOVE_INGEST_RULE = "move_ingest_rule"
    IMPORT_SHELTERS = "import_shelters"  # the national shelter list read into civicast
    OPEN_SHELTER = "open_shelter"  # an officer opened a shelter: residents are sent to it
    CLOSE_SHELTER = "close_shelter"
    ASSIGN_AGENCY = "assign_agency"  # a petition given to an agency (one without an agency until then)
    TRANSFER_CASE = "transfer_case"  # a petition moved to another agency, with the reason
    ADD_AGENCY = "add_agency"
    EDIT_AGENCY = "edit_agency"
    CASE_REMINDER = "case_reminder"  # an agency was reminded that a petition is due or overdue
    FILL_DUE_DATE = "fill_due_date"  # a petition from before agencies given the due date its rules give


def record(
    session: Session,
    actor: Actor | str,
    action: AuditAction,
    subject_type: str,
    subject_id: Any,
    *,
    now: datetime,
    summary: str | None = None,  # a ``Said`` when the system words it; an officer's own words as they are
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    if isinstance(actor, Actor):
        name, via, key_id, key_mode = actor.username, actor.via, actor.key_id, actor.key_mode
    else:
        name, via, key_id, key_mode = actor, "system", None, None
    if isinstance(summary, Said):  # its code and parameters, for an interface that says it in its own words
        detail = {**(detail or {}), "said": summary.stored()}
    entry = AuditEntry(
        at=now,
        actor=name,
        via=via,
        action=action.value,
        subject_type=subject_type,
        subject_id=str(subject_id)[:64],
        summary=str(summary) if summary is not None else None,
        detail=detail or {},
        key_id=key_id,
        key_mode=key_mode,
    )
    session.add(entry)
    return entry


def entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[Sequence[AuditEntry], int]:
    """Newest first, with the total matching count (for paging)."""
    conditions = []
    if actor:
        conditions.append(AuditEntry.actor == actor)
    if action:
        conditions.append(AuditEntry.action == action)
    if subject_type:
        conditions.append(AuditEntry.subject_type == subject_type)
    if subject_id:
        conditions.append(AuditEntry.subject_id == str(subject_id))
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    ).all()
    return rows, total


REFUSED_SIGN_INS = (AuditAction.LOGIN_FAILED.value, AuditAction.THROTTLED.value)


def refused_sign_ins_from(session: Session, address: str, *, since: datetime) -> int:
    """Refused sign-ins from one address since a time, whatever usernames they tried (sign-in records the
    address as the entry's summary)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.in_(REFUSED_SIGN_INS), AuditEntry.summary == address, AuditEntry.at >= since)
        )
        or 0
    )


SCHEDULER_ACTOR = "scheduler"


def record_scheduler_action(session: Session, action: str, notice_id: int, summary: str | None) -> None:
    """The scheduler's own actions (an occurrence fired, a time missed) in the audit log, in its transaction."""
    record(session, SCHEDULER_ACTOR, AuditAction(action), "notice", notice_id, now=datetime.now(UTC), summary=summary)
