"""A resident's case as they read it in their language: its agency, due date and steps ("my cases"), and what
they are told when it is given or transferred to an agency."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.models import Agency, Case
from messages.dates import format_date_for
from messages.i18n import TAIPEI, get_language

Texts = Callable[..., str]
MAX_STEPS = 6  # the latest steps of each case: a chat message has room for a few cases


def agency_names(session: Session, language: str) -> dict[str, str]:
    return {agency.key: agency.name(language) for agency in session.scalars(select(Agency))}


def agency_name(session: Session, key: str | None, language: str) -> str | None:
    agency = session.get(Agency, key) if key else None
    return agency.name(language) if agency is not None else None


def day(value: date, language: str) -> str:
    return format_date_for(value, get_language(language))


def case_lines(texts: Texts, case: Case, language: str, agencies: Mapping[str, str]) -> list[str]:
    """The case's line, who handles it by when, and its steps the resident may see (internal notes left out)."""
    lines = [
        texts(
            language,
            "case_line",
            number=case.number,
            category=texts(language, f"label.category.{case.category}"),
            status=texts(language, f"status.{case.status}"),
        )
    ]
    if case.due_on is not None:
        due = day(case.due_on, language)
        agency = agencies.get(case.agency or "")
        lines.append(
            texts(language, "case_handled_by", agency=agency, due=due)
            if agency
            else texts(language, "case_due", due=due)
        )
    previous: str | None = None
    steps: list[str] = []
    for event in case.events:
        if event.internal:
            continue
        when = day(event.created_at.astimezone(TAIPEI).date(), language)
        status = texts(language, f"status.{event.status}")
        name = agencies.get(event.agency or "")
        if name and previous and event.agency != previous:
            steps.append(texts(language, "case_step_transferred", date=when, agency=name))
        elif name and event.agency != previous:
            steps.append(texts(language, "case_step_agency", date=when, status=status, agency=name))
        else:
            steps.append(texts(language, "case_step", date=when, status=status))
        previous = event.agency or previous
    lines.extend(f"  {step}" for step in steps[-MAX_STEPS:])
    return lines
