"""A month's figures as plain data: notices sent by kind and severity and by topic, recipients reached per
language × channel, delivery times, petitions per agency, satisfaction and closed polls. Reuses the open-data
queries, so the report counts what the open data counts (live, sent, never training or sandboxed)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import quantiles

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.models import Agency
from bot.office.polls import open_data as closed_poll_votes
from bot.opendata.datasets import published_notices
from bot.opendata.petitions import month_of, petition_rows
from messages.glossary import Glossary
from messages.kinds import Topic
from messages.models import Notice
from scheduler.outbox import Delivery, DeliveryStatus

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class BadMonth(ValueError):
    """A month that is not YYYY-MM."""

    def __init__(self, month: str) -> None:
        super().__init__(f"month: {month!r} is not a month (YYYY-MM)")
        self.month = month


def checked_month(month: str) -> str:
    if not MONTH_PATTERN.match(month):
        raise BadMonth(month)
    return month


@dataclass(frozen=True)
class NoticeCount:
    kind: str
    severity: str
    notices: int


@dataclass(frozen=True)
class TopicCount:
    topic: str
    notices: int


@dataclass(frozen=True)
class Reach:
    language: str
    channel: str
    recipients: int


@dataclass(frozen=True)
class AgencyPetitions:
    agency: str
    received: int
    answered: int
    on_time: int
    not_on_time: int  # received but not answered by the due date (late, still open, or no due date)
    names: dict[str, str] = field(default_factory=dict)  # language → the agency's name

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.agency


@dataclass(frozen=True)
class PollResult:
    question: str
    answer: str
    votes: int


@dataclass(frozen=True)
class MonthReport:
    month: str
    notices: tuple[NoticeCount, ...]
    topics: tuple[TopicCount, ...]  # every topic, in Topic's order, 0 for a topic with none
    reach: tuple[Reach, ...]
    delivery_p50_seconds: float | None  # from queued to sent, the month's sent deliveries
    delivery_p95_seconds: float | None
    petitions: tuple[AgencyPetitions, ...]
    mean_satisfaction: float | None
    ratings: int
    polls: tuple[PollResult, ...]

    @property
    def notices_sent(self) -> int:
        return sum(row.notices for row in self.notices)

    @property
    def recipients_reached(self) -> int:
        return sum(row.recipients for row in self.reach)

    @property
    def petitions_received(self) -> int:
        return sum(row.received for row in self.petitions)


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    cuts = quantiles(values, n=100, method="inclusive")
    return round(cuts[49], 1), round(cuts[94], 1)


def _notices(session: Session, month: str) -> tuple[tuple[NoticeCount, ...], tuple[TopicCount, ...]]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    topics: dict[str, int] = defaultdict(int)
    for sent_at, kind, severity, topic in session.execute(
        select(Notice.sent_at, Notice.kind, Notice.severity, Notice.topic).where(*published_notices())
    ):
        if sent_at is not None and month_of(sent_at) == month:
            counts[(str(kind), str(severity or ""))] += 1
            topics[str(topic)] += 1
    return (
        tuple(NoticeCount(kind, severity, count) for (kind, severity), count in sorted(counts.items())),
        tuple(TopicCount(topic.value, topics.get(topic.value, 0)) for topic in Topic),
    )


def _deliveries(session: Session, month: str) -> tuple[tuple[Reach, ...], list[float]]:
    query = (
        select(Notice.sent_at, Delivery.language, Delivery.channel, Delivery.recipient_count, Delivery.created_at)
        .add_columns(Delivery.sent_at)
        .join(Notice, Notice.id == Delivery.notice_id)
        .where(*published_notices(), Delivery.status == DeliveryStatus.SENT.value)
    )
    reached: dict[tuple[str, str], int] = defaultdict(int)
    seconds: list[float] = []
    for notice_sent, language, channel, recipients, queued, sent in session.execute(query):
        if notice_sent is None or month_of(notice_sent) != month:
            continue
        reached[(language, channel)] += int(recipients or 0)
        if sent is not None and queued is not None:
            seconds.append(max(0.0, (sent - queued).total_seconds()))
    return tuple(Reach(lang, channel, n) for (lang, channel), n in sorted(reached.items())), seconds


def month_report(session: Session, glossary: Glossary, month: str, *, now: datetime | None = None) -> MonthReport:
    checked_month(month)
    notices, topics = _notices(session, month)
    reach, seconds = _deliveries(session, month)
    p50, p95 = _percentiles(seconds)
    agencies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    rating_sum, ratings = 0.0, 0
    for row in petition_rows(session, glossary):
        if row["month"] != month:
            continue
        totals = agencies[str(row["agency"])]
        totals[0] += int(str(row["received"]))
        totals[1] += int(str(row["answered"]))
        totals[2] += int(str(row["answered_on_time"]))
        if row["mean_satisfaction"] is not None:
            rating_sum += float(str(row["mean_satisfaction"])) * int(str(row["ratings"]))
            ratings += int(str(row["ratings"]))
    names = {agency.key: dict(agency.names) for agency in session.scalars(select(Agency))}
    petitions = tuple(
        AgencyPetitions(agency, received, answered, on_time, received - on_time, names.get(agency, {}))
        for agency, (received, answered, on_time) in sorted(agencies.items())
    )
    votes: dict[tuple[str, str], int] = defaultdict(int)
    for row in closed_poll_votes(session, now=now or datetime.now(UTC)):
        if str(row["closes_at"])[:7] == month:
            votes[(str(row["question"] or ""), str(row["answer"]))] += int(str(row["votes"]))
    return MonthReport(
        month=month,
        notices=notices,
        topics=topics,
        reach=reach,
        delivery_p50_seconds=p50,
        delivery_p95_seconds=p95,
        petitions=petitions,
        mean_satisfaction=round(rating_sum / ratings, 2) if ratings else None,
        ratings=ratings,
        polls=tuple(PollResult(q, a, n) for (q, a), n in votes.items()),
    )
