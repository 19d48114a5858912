"""Which agency answers a petition and by when: the category's agency and its processing limit in working days.

The due date counts working days on Taiwan's official calendar (``working_days``) and, as days off, the typhoon
days off the city has declared for the case's district or the whole city. Those are read from the live ``day_off``
notices themselves: the notice is how the city declares a day off, it was approved by a second officer before it
went out, and an Update or a Cancel of it changes the count at once; a separate officer's entry would be a second
record of the same decision that could disagree with what residents were told. Only a decision that closes work
(``work_and_school_closed``) for the whole day counts; a school-only closure or a half day does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.working_days import add_working_days
from messages.glossary import WHOLE_CITY
from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus

DAY_OFF_KIND = "day_off"
WORK_CLOSED = "work_and_school_closed"
WHOLE_DAY_PERIODS = (None, "", "all_day")
# Sent (or sending) decisions, and those that are over; a cancelled one or one an Update replaced is not counted.
DECLARED_STATUSES = (NoticeStatus.SENDING, NoticeStatus.SENT, NoticeStatus.EXPIRED)
# Typhoon days off are declared the evening before: look this far past the plain due date for any.
DAY_OFF_HORIZON = timedelta(days=60)

CATEGORY_AGENCIES: Mapping[str, str | None] = {
    "roads": "public_works_bureau",
    "drainage": "water_resources_bureau",
    "lighting": "public_works_bureau",
    "sanitation": "environmental_protection_bureau",
    "noise": "environmental_protection_bureau",
    "traffic": "transportation_bureau",
    "parks": "public_works_bureau",
    "animals": "agriculture_bureau",  # the Animal Protection Office is part of it
    "other": None,  # no bureau is obvious: an officer reads it and assigns it
    "disaster": "disaster_response_center",
}
DEFAULT_PROCESSING_DAYS = 6
CATEGORY_PROCESSING_DAYS: Mapping[str, int] = {"disaster": 1}


@dataclass(frozen=True)
class PetitionRules:
    """The ``petitions:`` settings: the agency of each category and each category's limit in working days."""

    agencies: Mapping[str, str | None] = field(default_factory=lambda: dict(CATEGORY_AGENCIES))
    processing_days: Mapping[str, int] = field(default_factory=lambda: dict(CATEGORY_PROCESSING_DAYS))
    default_processing_days: int = DEFAULT_PROCESSING_DAYS
    remind_days_before: int = 1

    def agency_for(self, category: str) -> str | None:
        return self.agencies.get(category)

    def limit_for(self, category: str) -> int:
        return self.processing_days.get(category, self.default_processing_days)


def declared_days_off(session: Session, district: str, *, start: date, end: date) -> frozenset[date]:
    """The whole days off work the city declared for the district (or the whole city) between two dates."""
    notices = session.scalars(
        select(Notice).where(
            Notice.kind == DAY_OFF_KIND, Notice.training.is_(False), Notice.status.in_(DECLARED_STATUSES)
        )
    )
    days: set[date] = set()
    for notice in notices:
        params = notice.params or {}
        if params.get("decision") != WORK_CLOSED or params.get("period") not in WHOLE_DAY_PERIODS:
            continue
        districts = params.get("districts") or notice.districts or [WHOLE_CITY]
        if WHOLE_CITY not in districts and district not in districts:
            continue
        try:
            day = date.fromisoformat(str(params.get("date", ""))[:10])
        except ValueError:
            continue
        if start <= day <= end:
            days.add(day)
    return frozenset(days)


def due_date(session: Session, rules: PetitionRules, *, category: str, district: str, received: datetime) -> date:
    """The day a case received at ``received`` is due: its category's limit in working days, counted from the
    next day in Taipei, the declared typhoon days off of its district skipped."""
    start = received.astimezone(TAIPEI).date()
    days_off = declared_days_off(session, district, start=start, end=start + DAY_OFF_HORIZON)
    return add_working_days(start, rules.limit_for(category), days_off=days_off)
