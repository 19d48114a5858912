"""Delivery reports: per channel × language, how many residents were targeted, reached, failed, waiting; for a
recurring notice, its occurrences and which were missed; on each channel with a monthly allowance (LINE's), its
messages of the month, paid and free."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messages.models import Notice, NoticeStatus
from messages.notices import untranslated_languages
from scheduler.channel_status import Waiting, paused_statuses, waiting_by_channel
from scheduler.menu_switch import switch_progress
from scheduler.outbox import PUBLIC_LANGUAGE, Delivery, DeliveryStatus
from scheduler.usage import month_of, monthly_messages

OCCURRENCES_LISTED = 50  # a recurring notice's latest occurrences in a report; the counts cover them all

_BUCKETS = {
    DeliveryStatus.SENT.value: "sent",
    DeliveryStatus.FAILED.value: "failed",
    DeliveryStatus.DEAD.value: "dead",
    DeliveryStatus.PENDING.value: "pending",
    DeliveryStatus.CLAIMED.value: "pending",
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def paused_channels_report(session: Session, notice_id: int) -> list[dict[str, Any]]:
    """Each paused channel: why, since when, and what waits on it for this notice and for all notices."""
    paused = paused_statuses(session)
    if not paused:
        return []
    for_notice = waiting_by_channel(session, notice_id=notice_id, channels=[status.channel for status in paused])
    return [
        {
            "channel": status.channel,
            "reason": status.reason,
            "since": _iso(status.since),
            "pending": for_notice.get(status.channel, Waiting()).as_dict(),
            "pending_all_notices": status.waiting.as_dict(),
        }
        for status in paused
    ]


def delivery_report(session: Session, notice_id: int, *, counted: Sequence[str] = ()) -> dict[str, Any]:
    """``{"channels": {channel: {totals…, "languages": {language: {...}}}}, "paused_channels": [...]}``, and for
    each channel of ``counted`` (those whose messages count against a monthly allowance) ``"messages"``.

    For resident channels the counts are residents; for public channels (one send carrying every
    language) they are sends. A paused channel's deliveries stay pending until an officer resumes it.
    """
    rows = session.execute(
        select(
            Delivery.channel,
            Delivery.language,
            Delivery.status,
            func.count(),
            func.sum(Delivery.recipient_count),
            func.min(Delivery.sent_at),
            func.max(Delivery.sent_at),
        )
        .where(Delivery.notice_id == notice_id)
        .group_by(Delivery.channel, Delivery.language, Delivery.status)
    ).all()
    channels: dict[str, dict[str, Any]] = {}
    for channel, language, status, count, recipients, first, last in rows:
        amount = int(recipients or 0) or int(count)  # a public send has no recipients: count the send
        entry = channels.setdefault(
            channel,
            {
                "targeted": 0,
                "sent": 0,
                "failed": 0,
                "dead": 0,
                "pending": 0,
                "first_sent": None,
                "last_sent": None,
                "languages": {},
            },
        )
        per_language = entry["languages"].setdefault(
            language,
            {"targeted": 0, "sent": 0, "failed": 0, "dead": 0, "pending": 0, "first_sent": None, "last_sent": None},
        )
        for target in (entry, per_language):
            target["targeted"] += amount
            target[_BUCKETS[status]] += amount
            if first is not None:
                target["first_sent"] = min(filter(None, [target["first_sent"], _iso(first)]))
                target["last_sent"] = max(filter(None, [target["last_sent"], _iso(last)]))
    errors = session.execute(
        select(Delivery.channel, Delivery.last_error, func.count())
        .where(
            Delivery.notice_id == notice_id,
            Delivery.status.in_([DeliveryStatus.DEAD.value, DeliveryStatus.FAILED.value]),
        )
        .group_by(Delivery.channel, Delivery.last_error)
    ).all()
    for channel, error, count in errors:
        channels[channel].setdefault("errors", []).append({"error": error, "deliveries": count})
    notice = session.get(Notice, notice_id)
    report: dict[str, Any] = {
        "notice_id": notice_id,
        "channels": channels,
        "untranslated": _untranslated(session, notice, channels),
        "paused_channels": paused_channels_report(session, notice_id),
    }
    report["messages"] = {channel: messages_report(session, notice, channels, channel) for channel in counted}
    report["menu_switches"] = switch_progress(session, notice_id)
    report["occurrence_of"] = notice.recurrence_of if notice else None
    report["occurrence_at"] = _iso(notice.occurrence_at) if notice else None
    if notice is not None and notice.recurrence:
        listed = recurrence_occurrences(session, notice_id)
        report["occurrences"] = {
            "total": listed.total,
            "missed": listed.missed,
            "items": [
                {
                    "notice_id": item.notice_id,
                    "occurrence_at": _iso(item.occurrence_at),
                    "status": str(item.status),
                    "sent_at": _iso(item.sent_at),
                }
                for item in listed.items
            ],
        }
    else:
        report["occurrences"] = None
    return report


def messages_report(
    session: Session,
    notice: Notice | None,
    channels: dict[str, dict[str, Any]],
    channel: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What the notice cost in messages on ``channel`` (paid: one per resident reached), and the month it went out
    in (this month before it went out): the paid multicasts and pushes against the quota, the free replies apart."""
    sent_at = notice.sent_at if notice is not None else None
    month = month_of(sent_at or now or datetime.now(UTC))
    return {
        "notice": {"paid": channels.get(channel, {}).get("sent", 0)},
        **monthly_messages(session, month, channel).as_dict(),
    }


@dataclass(frozen=True)
class Occurrence:
    notice_id: int
    occurrence_at: datetime | None
    status: str
    sent_at: datetime | None


@dataclass(frozen=True)
class Occurrences:
    total: int
    missed: int
    items: list[Occurrence]  # the latest, newest first


def recurrence_occurrences(session: Session, notice_id: int, *, limit: int = OCCURRENCES_LISTED) -> Occurrences:
    """A recurring notice's occurrences: how many there were and were missed, and the latest ``limit`` of them."""
    counts = dict(
        session.execute(
            select(Notice.status, func.count()).where(Notice.recurrence_of == notice_id).group_by(Notice.status)
        ).all()
    )
    # Copies made before occurrences carried their time are placed by when they took effect.
    at = func.coalesce(Notice.occurrence_at, Notice.effective)
    rows = session.execute(
        select(Notice.id, at, Notice.status, Notice.sent_at)
        .where(Notice.recurrence_of == notice_id)
        .order_by(at.desc(), Notice.id.desc())
        .limit(limit)
    ).all()
    return Occurrences(
        total=sum(counts.values()), missed=counts.get(NoticeStatus.MISSED, 0), items=[Occurrence(*row) for row in rows]
    )


def _untranslated(session: Session, notice: Notice | None, channels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The languages in which the free text went out untranslated, and how many residents read it so."""
    sent_in = {language for entry in channels.values() for language in entry["languages"]} - {PUBLIC_LANGUAGE}
    languages = untranslated_languages(session, notice, sorted(sent_in)) if notice is not None else []
    residents = sum(
        entry["languages"].get(language, {}).get("targeted", 0) for entry in channels.values() for language in languages
    )
    return {"languages": languages, "residents": residents}


def delivery_timeline(session: Session, notice_id: int) -> list[tuple[datetime, int]]:
    """Residents reached over time: (time of a send, residents sent so far), in order, for the progress chart."""
    rows = session.execute(
        select(Delivery.sent_at, Delivery.recipient_count)
        .where(
            Delivery.notice_id == notice_id, Delivery.status == DeliveryStatus.SENT.value, Delivery.sent_at.is_not(None)
        )
        .order_by(Delivery.sent_at)
    ).all()
    total = 0
    points: list[tuple[datetime, int]] = []
    for sent_at, count in rows:
        if sent_at is None:
            continue  # the query asks for sent deliveries only
        total += int(count or 0) or 1  # a public send carries no recipient list: it counts once
        if points and points[-1][0] == sent_at:
            points[-1] = (sent_at, total)
        else:
            points.append((sent_at, total))
    return points
