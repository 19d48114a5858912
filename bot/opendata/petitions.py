"""Petition statistics per month × category × district: received, answered, median days to answer, mean
satisfaction and how many rated. Counts only: never a case number, a resident, a description or a note.

The grouping columns are data (``GROUPS``): a column of ``Case`` that should split the statistics further is one
more ``Group`` line, which also adds it to the dataset's fields, JSON Schema and CSV. A case counts as answered when
it was first resolved or closed, and on time when that was on or before its due date (Kaohsiung's calendar day);
cases received before due dates existed have none and are not counted either way."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.conversation.models import CLOSED_STATUSES, Case, CaseEvent
from bot.opendata.registry import Dataset, Field, FieldType, Row
from messages.glossary import Glossary
from messages.i18n import TAIPEI


@dataclass(frozen=True)
class Group:
    name: str
    column: InstrumentedAttribute[Any]
    description: str


GROUPS: tuple[Group, ...] = (
    Group("category", Case.category, "The petition's category (a key)."),
    Group("district", Case.district, "The district it concerns (a key)."),
    Group("agency", Case.agency, "The agency handling it (a key); empty before one is assigned."),
)
SECONDS_PER_DAY = 86400


def month_of(moment: datetime) -> str:
    """The month in Kaohsiung's time, YYYY-MM."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(TAIPEI).strftime("%Y-%m")


def local_day(moment: datetime) -> date:
    """The calendar day in Kaohsiung's time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(TAIPEI).date()


def _answered_at() -> Any:
    return (
        select(CaseEvent.case_id, func.min(CaseEvent.created_at).label("answered_at"))
        .where(CaseEvent.status.in_([status.value for status in CLOSED_STATUSES]))
        .group_by(CaseEvent.case_id)
        .subquery()
    )


def petition_rows(session: Session, _glossary: Glossary) -> list[Row]:
    answered = _answered_at()
    query = select(
        Case.created_at, Case.satisfaction, Case.due_on, answered.c.answered_at, *(g.column for g in GROUPS)
    ).outerjoin(answered, answered.c.case_id == Case.id)
    received: dict[tuple[str, ...], int] = defaultdict(int)
    days: dict[tuple[str, ...], list[float]] = defaultdict(list)
    ratings: dict[tuple[str, ...], list[int]] = defaultdict(list)
    on_time: dict[tuple[str, ...], int] = defaultdict(int)
    for created_at, satisfaction, due_on, answered_at, *groups in session.execute(query):
        key = (month_of(created_at), *("" if g is None else str(g) for g in groups))
        received[key] += 1
        if answered_at is not None:
            days[key].append(max(0.0, (answered_at - created_at).total_seconds() / SECONDS_PER_DAY))
            if due_on is not None and local_day(answered_at) <= due_on:
                on_time[key] += 1
        if satisfaction is not None:
            ratings[key].append(int(satisfaction))
    rows: list[Row] = []
    for key in sorted(received):
        month, *groups = key
        answered_days = days.get(key, [])
        rated = ratings.get(key, [])
        rows.append(
            {"month": month}
            | dict(zip((g.name for g in GROUPS), groups, strict=True))
            | {
                "received": received[key],
                "answered": len(answered_days),
                "answered_on_time": on_time.get(key, 0),
                "median_days_to_answer": round(median(answered_days), 1) if answered_days else None,
                "mean_satisfaction": round(sum(rated) / len(rated), 2) if rated else None,
                "ratings": len(rated),
            }
        )
    return rows


def petitions_changed(session: Session) -> datetime | None:
    return session.scalar(select(func.max(Case.updated_at)))


PETITIONS = Dataset(
    name="petitions",
    title="Petition statistics per month, category, district and agency",
    title_zh="陳情案件統計（依月份、類別、行政區與機關）",
    description="Residents' petitions sent through the city's bot, counted per month of receipt (Kaohsiung time), "
    "category, district and agency: received, answered (resolved or closed) and on time, median "
    "days to the first answer, mean "
    "satisfaction (1–5) and how many residents rated. Counts only.",
    fields=(
        Field("month", FieldType.STRING, "Month of receipt, YYYY-MM, Kaohsiung time."),
        *(Field(g.name, FieldType.STRING, g.description) for g in GROUPS),
        Field("received", FieldType.INTEGER, "Petitions received."),
        Field("answered", FieldType.INTEGER, "Of those, how many were answered (resolved or closed)."),
        Field("answered_on_time", FieldType.INTEGER, "Of those, answered on or before their due date."),
        Field("median_days_to_answer", FieldType.NUMBER, "Median days from receipt to answer.", nullable=True),
        Field("mean_satisfaction", FieldType.NUMBER, "Mean rating, 1 (poor) to 5 (good).", nullable=True),
        Field("ratings", FieldType.INTEGER, "How many residents rated."),
    ),
    rows=petition_rows,
    changed=petitions_changed,
    notes="Due dates count working days on Taiwan's official calendar, with declared typhoon days off; petitions "
    "received before due dates existed count as answered but never as on time.",
)
