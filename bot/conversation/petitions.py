"""Petitions (陳情): case numbers, a resident's cases, status changes, the satisfaction survey.

Functions take the session first and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.conversation.deadlines import PetitionRules, due_date
from bot.conversation.models import CLOSED_STATUSES, Agency, Case, CaseEvent, CaseStatus
from messages.db import affected_rows
from messages.i18n import TAIPEI
from messages.refusal import Refusal

DISASTER = "disaster"  # "I need help" in a check-in: a case for the disaster duty desk, opened by the bot
# Every category a case can have; residents choose from PETITION_CATEGORIES (help in a disaster: by checking in).
CATEGORIES = ("roads", "drainage", "lighting", "sanitation", "noise", "traffic", "parks", "animals", "other", DISASTER)
PETITION_CATEGORIES = tuple(category for category in CATEGORIES if category != DISASTER)
NUMBERING_ATTEMPTS = 5
NUMBER_PREFIX = "KH"


class CaseError(Refusal, ValueError):
    """A case action that cannot be done; the message says why, ``code`` and ``params`` say it to the console."""


def next_number(session: Session, now: datetime) -> str:
    """KH-<year>-<six digits>, counting from 1 each year (Taipei time)."""
    year = now.astimezone(TAIPEI).year
    prefix = f"{NUMBER_PREFIX}-{year}-"
    latest = session.scalar(select(func.max(Case.number)).where(Case.number.like(f"{prefix}%")))
    sequence = int(latest.rsplit("-", 1)[1]) + 1 if latest else 1
    return f"{prefix}{sequence:06d}"


def open_case(
    session: Session,
    *,
    channel: str,
    user_id: str,
    language: str,
    category: str,
    district: str,
    description: str,
    location: str | None,
    photo: str | None,
    now: datetime,
    rules: PetitionRules | None = None,
) -> Case:
    """A new case, given to its category's agency (if that agency is active) with its due date."""
    if category not in CATEGORIES:
        raise CaseError(f"unknown petition category {category!r}", code="case.unknown_category", category=category)
    rules = rules or PetitionRules()
    agency = active_agency(session, rules.agency_for(category))
    case = Case(
        number=next_number(session, now),
        channel=channel,
        user_id=user_id,
        language=language,
        category=category,
        district=district,
        description=description,
        location=location,
        photo=photo,
        status=CaseStatus.RECEIVED,
        agency=agency,
        due_on=due_date(session, rules, category=category, district=district, received=now),
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()  # the unique number is checked here; a racing resident makes the caller retry
    session.add(CaseEvent(case_id=case.id, status=CaseStatus.RECEIVED, agency=agency, created_at=now))
    return case


def active_agency(session: Session, key: str | None) -> str | None:
    """The agency's key if it exists and answers petitions now, else None (an officer then assigns the case)."""
    if not key:
        return None
    agency = session.get(Agency, key)
    return key if agency is not None and agency.active else None


def open_numbered_case(session: Session, **fields: Any) -> Case:
    """``open_case`` in a savepoint, again with the next number if a resident filing at the same instant took it."""
    for _ in range(NUMBERING_ATTEMPTS):
        try:
            with session.begin_nested():
                return open_case(session, **fields)
        except IntegrityError:
            continue
    raise RuntimeError("could not give the case a number")


def cases_of(session: Session, channel: str, user_id: str) -> list[Case]:
    return list(
        session.scalars(
            select(Case).where(Case.channel == channel, Case.user_id == user_id).order_by(Case.id.desc()).limit(10)
        )
    )


def find_case(session: Session, number: str) -> Case:
    case = session.scalar(select(Case).where(Case.number == number.strip().upper()))
    if case is None:
        raise CaseError(f"there is no case {number}", code="case.none", number=number)
    return case


@dataclass(frozen=True)
class CaseChange:
    """What the resident must be told after a status change (nothing if their ids were erased)."""

    number: str
    channel: str | None
    user_id: str | None
    language: str
    category: str
    status: CaseStatus
    note: str | None
    ask_satisfaction: bool
    agency: str | None = None
    due_on: date | None = None
    transferred: bool = False  # the case went to another agency (the note says why)
    agency_name: str | None = None  # set when the change is the agency: its name in the resident's language


def change_status(
    session: Session, number: str, status: str, *, note: str | None, officer: str | None, now: datetime
) -> CaseChange:
    try:
        new_status = CaseStatus(status)
    except ValueError:
        raise CaseError(
            f"{status!r} is not a case status; use one of {', '.join(s.value for s in CaseStatus)}",
            code="case.bad_status",
        ) from None
    case = find_case(session, number)
    if case.status == new_status and not note:
        raise CaseError(
            f"case {case.number} is already {new_status}", code="case.already", number=case.number, status=new_status
        )
    closing = new_status in CLOSED_STATUSES and case.status not in CLOSED_STATUSES
    case.status = new_status
    case.updated_at = now
    session.add(
        CaseEvent(case_id=case.id, status=new_status, note=note, officer=officer, agency=case.agency, created_at=now)
    )
    return CaseChange(
        number=case.number,
        channel=case.channel,
        user_id=case.user_id,
        language=case.language,
        category=case.category,
        status=new_status,
        note=note,
        ask_satisfaction=closing and case.satisfaction is None,
        agency=case.agency,
        due_on=case.due_on,
    )


def record_satisfaction(session: Session, number: str, channel: str, user_id: str, score: int) -> bool:
    """Store a 1–5 rating, once, from the resident who filed the case."""
    if not 1 <= score <= 5:
        return False
    result = session.execute(
        update(Case)
        .where(Case.number == number, Case.channel == channel, Case.user_id == user_id, Case.satisfaction.is_(None))
        .values(satisfaction=score)
    )
    return affected_rows(result) == 1


def anonymise_cases(session: Session, channel: str, user_id: str) -> int:
    """Keep the cases (the city still handles them) but forget who filed them."""
    result = session.execute(
        update(Case).where(Case.channel == channel, Case.user_id == user_id).values(channel=None, user_id=None)
    )
    return affected_rows(result)
