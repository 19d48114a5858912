"""Giving a petition to an agency, and transferring it to another with a reason (移文): audited, the due date
counted again from the day the new agency receives it, the resident told in their language."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.conversation.case_texts import agency_name
from bot.conversation.deadlines import PetitionRules, due_date
from bot.conversation.models import CLOSED_STATUSES, CaseEvent
from bot.conversation.petitions import CaseChange, CaseError, active_agency
from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from bot.office.cases import ResidentTold, clean_note, require_case_access, scoped_case, tell_resident
from bot.office.services import Services
from messages.said import Said, Word


def send_to_agency(
    services: Services,
    actor: Actor,
    number: str,
    agency: str,
    *,
    reason: str | None,
    rules: PetitionRules | None = None,
    now: datetime | None = None,
) -> tuple[CaseChange, ResidentTold]:
    """Give the case to ``agency``: an assignment if it had none, else a transfer, which needs a reason.

    The officer assigned within the old agency is cleared (the new agency assigns its own). Raises CaseError."""
    require_case_access(actor, Permission.HANDLE_CASES)
    now = now or datetime.now(UTC)
    rules = rules or services.settings.petitions.rules()
    reason = clean_note(reason)
    with services.session_factory.begin() as session:
        case = scoped_case(session, actor, number)
        key = active_agency(session, agency.strip())
        if key is None:
            raise CaseError(
                f"agency: there is no active agency {agency.strip()!r}",
                code="case.unknown_agency",
                agency=agency.strip(),
            )
        if case.status in CLOSED_STATUSES:
            raise CaseError(
                f"case {case.number} is {case.status}: reopen it before sending it to an agency",
                code="case.closed",
                number=case.number,
            )
        if case.agency == key:
            raise CaseError(f"case {case.number} is already with {key}", code="case.same_agency", number=case.number)
        transfer = case.agency is not None
        if transfer and not reason:
            raise CaseError("reason: say why the case goes to another agency", code="case.transfer_reason")
        previous = case.agency
        case.agency = key
        case.assignee = None
        case.due_on = due_date(session, rules, category=case.category, district=case.district, received=now)
        case.updated_at = now
        session.add(
            CaseEvent(
                case_id=case.id, status=case.status, note=reason, officer=actor.username, agency=key, created_at=now
            )
        )
        record(
            session,
            actor,
            AuditAction.TRANSFER_CASE if transfer else AuditAction.ASSIGN_AGENCY,
            "case",
            case.number,
            now=now,
            summary=sent_to_agency(previous, key, reason),
            detail={"from": previous, "to": key, "due_on": case.due_on.isoformat()},
        )
        change = CaseChange(
            number=case.number,
            channel=case.channel,
            user_id=case.user_id,
            language=case.language,
            category=case.category,
            status=case.status,
            note=reason,
            ask_satisfaction=False,
            agency=key,
            due_on=case.due_on,
            transferred=transfer,
            agency_name=agency_name(session, key, case.language),
        )
    return change, tell_resident(services, change)  # a network call: no session open


def sent_to_agency(previous: str | None, key: str, reason: str | None) -> Said:
    """The audit row's summary of a case given (``previous`` None) or moved to an agency, with the reason."""
    if previous is not None:
        if reason:
            return Said(
                f"{previous} → {key}: {reason}",
                "case.transferred",
                before=Word("agency.", previous),
                after=Word("agency.", key),
                reason=reason,
            )
        return Said(f"{previous} → {key}", "case.moved", before=Word("agency.", previous), after=Word("agency.", key))
    if reason:
        return Said(f"{key}: {reason}", "case.given_because", agency=Word("agency.", key), reason=reason)
    return Said(key, "case.given", agency=Word("agency.", key))
