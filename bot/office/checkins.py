"""Check-in answers as the duty desk and the public see them: counts per district, the needs-help list, open data.

Counts carry no personal data. The needs-help list names case numbers, districts and times only (the case page,
which records its reading, holds the resident's words and location), so reading it is not an audited read of
residents' data; it still needs the right to see cases. Functions take the session first and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.conversation.models import Case, CheckIn, CheckInAnswer
from bot.office.accounts import Actor, Permission
from bot.office.cases import require_case_access
from messages.glossary import WHOLE_CITY, Glossary
from messages.models import Notice
from scheduler.audience import audience_by_district

ANSWERS = tuple(answer.value for answer in CheckInAnswer)


def district_counts(session: Session, notice_id: int | None) -> dict[str, dict[str, int]]:
    """``{district: {"safe": n, "help": n}}`` of the notice's answers (None: answers given to no notice)."""
    which = CheckIn.notice_id.is_(None) if notice_id is None else CheckIn.notice_id == notice_id
    counts: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(CheckIn.district, CheckIn.answer, func.count()).where(which).group_by(CheckIn.district, CheckIn.answer)
    )
    for district, answer, count in rows:
        counts.setdefault(district, dict.fromkeys(ANSWERS, 0))[str(answer)] = int(count)
    return counts


@dataclass(frozen=True)
class DistrictRow:
    district: str  # a district key, or "all": residents following the whole city
    safe: int
    help: int
    followers: int | None  # residents following the notice's topic there now (LINE); None where not counted

    @property
    def no_answer(self) -> int | None:
        return None if self.followers is None else max(0, self.followers - self.safe - self.help)


@dataclass(frozen=True)
class CheckInSummary:
    rows: list[DistrictRow]
    safe: int
    help: int
    followers: int  # of the notice's districts; a resident following several counts in each


def summary(session: Session, notice: Notice, glossary: Glossary) -> CheckInSummary:
    """Per district of the notice (and any other district answers came from): safe, need help, and followers now
    with how many of them have not answered — an estimate, since followers change after a notice goes out."""
    counts = district_counts(session, notice.id)
    followers = audience_by_district(
        session,
        glossary,
        channel="line",
        topic=notice.topic,
        districts=notice.districts or [WHOLE_CITY],
        training=bool(notice.training),
    )
    followers[WHOLE_CITY] = followers.pop("whole_city", 0)
    order = [term.key for term in glossary.terms("district")] + [WHOLE_CITY]
    shown = [key for key in order if key in counts or (key in followers and followers[key])]
    rows = [
        DistrictRow(key, counts.get(key, {}).get("safe", 0), counts.get(key, {}).get("help", 0), followers.get(key))
        for key in shown
    ]
    return CheckInSummary(
        rows=rows, safe=sum(r.safe for r in rows), help=sum(r.help for r in rows), followers=sum(followers.values())
    )


@dataclass(frozen=True)
class HelpRequest:
    number: str
    status: str
    district: str
    answer: str  # "help", or "safe" when the resident said so after asking for help
    asked_at: datetime
    answered_at: datetime


def help_requests(session: Session, actor: Actor, notice_id: int) -> Sequence[HelpRequest]:
    """The cases opened by "I need help" on the notice, newest first."""
    require_case_access(actor, Permission.VIEW_CASES)
    rows = session.execute(
        select(Case.number, Case.status, CheckIn.district, CheckIn.answer, Case.created_at, CheckIn.updated_at)
        .join(Case, Case.id == CheckIn.case_id)
        .where(CheckIn.notice_id == notice_id)
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    return [
        HelpRequest(number, str(status), district, str(answer), created, updated)
        for number, status, district, answer, created, updated in rows
    ]


OPEN_DATA_FIELDS = ("notice_id", "notice_identifier", "kind", "district", "safe", "help")


def open_data(session: Session) -> list[dict[str, object]]:
    """Counts per live notice and district, for anyone: no resident's id, case or words; drills left out.
    Answers given to no notice have an empty notice."""
    rows = session.execute(
        select(CheckIn.notice_id, Notice.identifier, Notice.kind, CheckIn.district, CheckIn.answer, func.count())
        .outerjoin(Notice, Notice.id == CheckIn.notice_id)
        .where(CheckIn.training.is_(False), (Notice.id.is_(None)) | (Notice.training.is_(False)))
        .group_by(CheckIn.notice_id, Notice.identifier, Notice.kind, CheckIn.district, CheckIn.answer)
    )
    table: dict[tuple[int, str], dict[str, object]] = {}
    for notice_id, identifier, kind, district, answer, count in rows:
        entry = table.setdefault(
            (notice_id or 0, district),
            {
                "notice_id": notice_id,
                "notice_identifier": identifier,
                "kind": kind,
                "district": district,
                "safe": 0,
                "help": 0,
            },
        )
        entry[str(answer)] = int(count)
    return [table[key] for key in sorted(table, key=lambda k: (-k[0], k[1]))]
