"""The notices, deliveries and check-ins datasets, and the table of every dataset (``DATASETS``).

Public notices are the ones residents could read on /n/<id>: sent, live (never training), not from a test key's
sandbox. Deliveries are counted per notice × channel × language, never listing a recipient."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.conversation.models import CheckIn
from bot.office.checkins import open_data as checkin_counts
from bot.opendata.petitions import PETITIONS
from bot.opendata.polls import POLLS
from bot.opendata.registry import Dataset, Field, FieldType, Row, iso
from messages.glossary import WHOLE_CITY, Glossary
from messages.models import MsgType, Notice, NoticeStatus
from scheduler.outbox import PUBLIC_LANGUAGE, Delivery, DeliveryStatus

PUBLISHED_STATUSES = (
    NoticeStatus.SENDING,
    NoticeStatus.SENT,
    NoticeStatus.SUPERSEDED,
    NoticeStatus.EXPIRED,
    NoticeStatus.CANCELLED,
)


def published_notices() -> tuple[ColumnElement[bool], ...]:
    """The notices residents could read: sent, live, not sandboxed (the same rule as the public pages)."""
    return (
        Notice.sent_at.is_not(None),
        Notice.status.in_([status.value for status in PUBLISHED_STATUSES]),
        Notice.training.is_(False),
        Notice.sandboxed.is_(False),
    )


def district_name(glossary: Glossary, key: str, language: str) -> str:
    if key == WHOLE_CITY:
        return glossary.name("city", "kaohsiung", language)
    return glossary.name("district", key, language)


# ----------------------------------------------------------------------------- notices


def notice_rows(session: Session, glossary: Glossary) -> list[Row]:
    notices = list(session.scalars(select(Notice).where(*published_notices()).order_by(Notice.id)))
    ids = [notice.id for notice in notices]
    languages: dict[int, set[str]] = defaultdict(set)
    for notice_id, language in session.execute(
        select(Delivery.notice_id, Delivery.language).where(Delivery.notice_id.in_(ids)).distinct()
    ):
        if language != PUBLIC_LANGUAGE:
            languages[notice_id].add(language)
    cancellations = session.execute(
        select(Notice.references_id, func.min(Notice.sent_at))
        .where(Notice.msg_type == MsgType.CANCEL.value, *published_notices())
        .group_by(Notice.references_id)
    )
    cancelled_at = {notice_id: sent_at for notice_id, sent_at in cancellations}
    rows: list[Row] = []
    for notice in notices:
        districts = list(notice.districts or [WHOLE_CITY])
        rows.append(
            {
                "id": notice.id,
                "identifier": notice.identifier,
                "msg_type": str(notice.msg_type),
                "kind": notice.kind,
                "topic": notice.topic,
                "severity": notice.severity,
                "status": str(notice.status),
                "districts": districts,
                "districts_zh": [district_name(glossary, key, "zh-Hant") for key in districts],
                "districts_en": [district_name(glossary, key, "en") for key in districts],
                "sent_at": iso(notice.sent_at),
                "effective": iso(notice.effective),
                "expires": iso(notice.expires),
                "cancelled_at": iso(cancelled_at.get(notice.id)),
                "languages": sorted(languages[notice.id]),
                "references_id": notice.references_id,
            }
        )
    return rows


def notices_changed(session: Session) -> datetime | None:
    return session.scalar(select(func.max(Notice.updated_at)).where(*published_notices()))


NOTICES = Dataset(
    name="notices",
    title="Public notices",
    title_zh="公共警訊與通知",
    description="Every alert, update and cancellation the city sent to residents (LINE, Facebook, cable TV): kind, "
    "severity, districts, times and the languages it went out in. Drills and tests are left out.",
    fields=(
        Field("id", FieldType.INTEGER, "The notice's number; its page is /n/<id>."),
        Field("identifier", FieldType.STRING, "The notice's CAP identifier."),
        Field("msg_type", FieldType.STRING, "Alert, Update or Cancel."),
        Field("kind", FieldType.STRING, "The kind of notice (a key, e.g. typhoon_land_warning)."),
        Field("topic", FieldType.STRING, "disaster, health or transport."),
        Field("severity", FieldType.STRING, "CAP severity; null: the kind's default.", nullable=True),
        Field("status", FieldType.STRING, "sending, sent, superseded, expired or cancelled."),
        Field("districts", FieldType.STRING_LIST, 'District keys; "all": the whole city.'),
        Field("districts_zh", FieldType.STRING_LIST, "The districts' names in Traditional Chinese."),
        Field("districts_en", FieldType.STRING_LIST, "The districts' names in English."),
        Field("sent_at", FieldType.DATETIME, "When it was sent."),
        Field("effective", FieldType.DATETIME, "When it takes effect.", nullable=True),
        Field("expires", FieldType.DATETIME, "When it expires.", nullable=True),
        Field("cancelled_at", FieldType.DATETIME, "When a cancellation of it was sent.", nullable=True),
        Field("languages", FieldType.STRING_LIST, "The languages it was delivered in (BCP 47)."),
        Field("references_id", FieldType.INTEGER, "The notice it updates or cancels.", nullable=True),
    ),
    rows=notice_rows,
    changed=notices_changed,
)


# ----------------------------------------------------------------------------- deliveries

# Each of these statuses has its own count; pending and claimed ones are counted together as pending.
DELIVERY_COUNTS = (DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value, DeliveryStatus.DEAD.value)


def delivery_rows(session: Session, _glossary: Glossary) -> list[Row]:
    query = (
        select(Delivery.notice_id, Delivery.channel, Delivery.language, Delivery.status, func.count())
        .join(Notice, Notice.id == Delivery.notice_id)
        .where(*published_notices())
        .group_by(Delivery.notice_id, Delivery.channel, Delivery.language, Delivery.status)
    )
    reached = select(Delivery.notice_id, Delivery.channel, Delivery.language, func.sum(Delivery.recipient_count)).join(
        Notice, Notice.id == Delivery.notice_id
    )
    reached = reached.where(*published_notices(), Delivery.status == DeliveryStatus.SENT.value).group_by(
        Delivery.notice_id, Delivery.channel, Delivery.language
    )
    counts: dict[tuple[int, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for notice_id, channel, language, status, count in session.execute(query):
        counts[(notice_id, channel, language)][str(status) if status in DELIVERY_COUNTS else "pending"] += int(count)
    reached_by_key = {
        (notice_id, channel, language): int(total or 0)
        for notice_id, channel, language, total in session.execute(reached)
    }
    return [
        {
            "notice_id": key[0],
            "channel": key[1],
            "language": key[2],
            **{name: counts[key][name] for name in (*DELIVERY_COUNTS, "pending")},
            "recipients_reached": reached_by_key.get(key, 0),
        }
        for key in sorted(counts)
    ]


def deliveries_changed(session: Session) -> datetime | None:
    return session.scalar(
        select(func.max(Delivery.updated_at)).join(Notice, Notice.id == Delivery.notice_id).where(*published_notices())
    )


DELIVERIES = Dataset(
    name="deliveries",
    title="Notice deliveries per channel and language",
    title_zh="警訊發送統計（依管道與語言）",
    description="For each public notice, channel and language: how many sends went out, failed and will be "
    "retried, failed for good, or are waiting, and how many recipients the sent ones reached. Counts only.",
    fields=(
        Field("notice_id", FieldType.INTEGER, "The notice (see the notices dataset)."),
        Field("channel", FieldType.STRING, "The channel (line, facebook, cable …)."),
        Field("language", FieldType.STRING, 'The language (BCP 47); "*": one send carrying every language.'),
        Field("sent", FieldType.INTEGER, "Sends that went out."),
        Field("failed", FieldType.INTEGER, "Sends that failed and will be retried."),
        Field("dead", FieldType.INTEGER, "Sends that failed and will not be retried."),
        Field("pending", FieldType.INTEGER, "Sends waiting or in progress."),
        Field("recipients_reached", FieldType.INTEGER, "Recipients of the sends that went out."),
    ),
    rows=delivery_rows,
    changed=deliveries_changed,
)


# ----------------------------------------------------------------------------- check-ins


def checkin_rows(session: Session, _glossary: Glossary) -> list[Row]:
    return checkin_counts(session)


def checkins_changed(session: Session) -> datetime | None:
    return session.scalar(select(func.max(CheckIn.updated_at)).where(CheckIn.training.is_(False)))


CHECKINS = Dataset(
    name="checkins",
    title="Check-ins after notices",
    title_zh="警訊平安回報統計",
    description="Check-in answers (I'm safe / I need help) per live notice and district; a resident's latest answer "
    'counts. District "all": residents following the whole city. A null notice: answers given when no notice '
    "asked.",
    fields=(
        Field("notice_id", FieldType.INTEGER, "The notice that asked, or null.", nullable=True),
        Field("notice_identifier", FieldType.STRING, "The notice's CAP identifier.", nullable=True),
        Field("kind", FieldType.STRING, "The notice's kind.", nullable=True),
        Field("district", FieldType.STRING, 'District key; "all": the whole city.'),
        Field("safe", FieldType.INTEGER, "Residents whose latest answer is I'm safe."),
        Field("help", FieldType.INTEGER, "Residents whose latest answer is I need help."),
    ),
    rows=checkin_rows,
    changed=checkins_changed,
)

DATASETS: dict[str, Dataset] = {dataset.name: dataset for dataset in (NOTICES, DELIVERIES, PETITIONS, CHECKINS, POLLS)}
