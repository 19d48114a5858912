"""Who receives a notice: subscribers, their language, topics and districts, and segmentation.

Topics and districts are bit sets in integer columns (three topic bits; one bit
per district, numbered by the district's town geocode), so segmenting a million
residents is one indexed scan with two bitwise tests, streamed in language
order, never loaded whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, UniqueConstraint, case, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from messages.db import Base, utcnow
from messages.glossary import WHOLE_CITY, Glossary
from messages.i18n import DEFAULT_LANGUAGE, LANGUAGES, language_for_platform_tag
from messages.kinds import Topic

TOPIC_BITS: dict[str, int] = {Topic.DISASTER: 1, Topic.HEALTH: 2, Topic.TRANSPORT: 4}
ALL_TOPICS = sum(TOPIC_BITS.values())


class SubscriberStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"  # unfollowed or blocked: receives nothing


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))  # "line", "messenger"
    platform_user_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16), default=DEFAULT_LANGUAGE)
    topics: Mapped[int] = mapped_column(Integer, default=ALL_TOPICS)  # bit set of TOPIC_BITS
    districts: Mapped[int] = mapped_column(BigInteger, default=0)  # bit set; 0 with whole_city
    whole_city: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[SubscriberStatus] = mapped_column(String(16), default=SubscriberStatus.ACTIVE)
    test_recipient: Mapped[bool] = mapped_column(Boolean, default=False)  # receives training notices
    label: Mapped[str | None] = mapped_column(String(32), default=None)  # e.g. "demo" for generated residents
    # LINE rich menus (scheduler.menus): the kind LINE accepted for this resident, and the kind last queued for them.
    rich_menu_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    rich_menu_target: Mapped[str | None] = mapped_column(String(16), default=None)
    # Where a channel delivers to this resident when the id alone does not say (a browser's push subscription:
    # endpoint and keys); channels receive it through their context, never from the database themselves.
    address: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("channel", "platform_user_id"),
        # Covers every column segmentation reads, so a million rows segment without touching the table.
        Index(
            "ix_subscribers_segment",
            "channel",
            "status",
            "language",
            "id",
            "topics",
            "whole_city",
            "districts",
            "platform_user_id",
        ),
        Index("ix_subscribers_rich_menu", "rich_menu_target"),  # who is in disaster mode, found without a scan
    )


def district_bit(glossary: Glossary, key: str) -> int:
    """The district's bit: town geocodes 6400100 … 6403800 number the districts 1 … 38."""
    geocode = glossary.term("district", key).geocode or ""
    return 1 << (int(geocode[3:5]) - 1)


def district_mask(glossary: Glossary, keys: Iterable[str]) -> int:
    mask = 0
    for key in keys:
        mask |= district_bit(glossary, key)
    return mask


def topic_mask(topics: Iterable[str]) -> int:
    mask = 0
    for topic in topics:
        mask |= TOPIC_BITS[Topic(topic)]
    return mask


def catalog_language(code: str | None) -> str:
    """The language a subscriber's notices are composed in: theirs if civicast has it, else zh-Hant."""
    if code in LANGUAGES:
        return code
    mapped = language_for_platform_tag(code)
    return mapped.code if mapped else DEFAULT_LANGUAGE


def _segment_filter(channel: str, topic: str, districts_mask: int | None, *, training: bool):
    conditions = [
        Subscriber.channel == channel,
        Subscriber.status == SubscriberStatus.ACTIVE.value,
        Subscriber.topics.op("&")(TOPIC_BITS[Topic(topic)]) != 0,
    ]
    if districts_mask is not None:  # None: a whole-city notice reaches every district
        conditions.append((Subscriber.whole_city.is_(True)) | (Subscriber.districts.op("&")(districts_mask) != 0))
    if training:
        conditions.append(Subscriber.test_recipient.is_(True))
    return conditions


def notice_district_mask(glossary: Glossary, districts: Iterable[str]) -> int | None:
    keys = list(districts)
    return None if not keys or WHOLE_CITY in keys else district_mask(glossary, keys)


def segment(
    session: Session, *, channel: str, topic: str, districts_mask: int | None, training: bool = False
) -> Iterator[tuple[str, list[str]]]:
    """(language, user ids) for every language with matching subscribers.

    The database joins each language's ids into one string (``group_concat`` /
    ``string_agg``) in a single grouped scan of the covering index, so a million
    residents cost a dozen rows here, not a million.
    """
    conditions = _segment_filter(channel, topic, districts_mask, training=training)
    query = (
        select(Subscriber.language, func.aggregate_strings(Subscriber.platform_user_id, ","))
        .where(*conditions)
        .group_by(Subscriber.language)
    )
    # No ORDER BY: PostgreSQL would sort the joined strings themselves, spilling tens of MB to disk.
    for language, joined in sorted(session.execute(query).all()):
        if joined:
            yield language, joined.split(",")


def segment_language(
    session: Session,
    *,
    channel: str,
    topic: str,
    districts_mask: int | None,
    language: str | None,
    others_than: Iterable[str] = (),
    training: bool = False,
) -> tuple[str | None, list[str]]:
    """One language's matching user ids; with ``language=None``, those of every language not in
    ``others_than`` (residents whose language civicast has no catalog for)."""
    conditions = _segment_filter(channel, topic, districts_mask, training=training)
    if language is not None:
        conditions.append(Subscriber.language == language)
    else:
        conditions.append(Subscriber.language.not_in(list(others_than)))
    joined = session.scalar(select(func.aggregate_strings(Subscriber.platform_user_id, ",")).where(*conditions))
    return language, joined.split(",") if joined else []


def any_audience(
    session: Session, *, channel: str, topic: str, districts_mask: int | None, training: bool = False
) -> bool:
    """Whether anyone at all would receive it: the first match answers, a million residents are not counted."""
    query = select(Subscriber.id).where(*_segment_filter(channel, topic, districts_mask, training=training)).limit(1)
    return session.scalar(query) is not None


def audience_counts(
    session: Session, *, channel: str, topic: str, districts_mask: int | None, training: bool = False
) -> dict[str, int]:
    """How many residents a notice would reach, per composed language (unknown languages count as zh-Hant)."""
    query = (
        select(Subscriber.language, func.count())
        .where(*_segment_filter(channel, topic, districts_mask, training=training))
        .group_by(Subscriber.language)
    )
    counts: dict[str, int] = {}
    for language, count in session.execute(query):
        key = catalog_language(language)
        counts[key] = counts.get(key, 0) + count
    return counts


def find_subscriber(session: Session, channel: str, platform_user_id: str) -> Subscriber | None:
    return session.scalar(
        select(Subscriber).where(Subscriber.channel == channel, Subscriber.platform_user_id == platform_user_id)
    )


def active_languages(
    session: Session, channel: str, user_ids: Iterable[str], *, test_recipients_only: bool = False
) -> dict[str, str]:
    """Current language of each of these users who is still active (for Updates and Cancels); for a training
    follow-up only the test recipients among them, whoever the original reached."""
    ids = list(user_ids)
    found: dict[str, str] = {}
    for start in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
        conditions = [
            Subscriber.channel == channel,
            Subscriber.status == SubscriberStatus.ACTIVE.value,
            Subscriber.platform_user_id.in_(ids[start : start + 900]),
        ]
        if test_recipients_only:
            conditions.append(Subscriber.test_recipient.is_(True))
        rows = session.execute(select(Subscriber.platform_user_id, Subscriber.language).where(*conditions))
        found.update({user: catalog_language(language) for user, language in rows})
    return found


def audience_by_district(
    session: Session, glossary: Glossary, *, channel: str, topic: str, districts: Iterable[str], training: bool = False
) -> dict[str, int]:
    """For each district of a notice, how many residents follow it (whole-city followers are counted apart).

    One scan: a sum per district over the rows of the notice's topic.
    """
    keys = [key for key in districts if key != WHOLE_CITY] or [term.key for term in glossary.terms("district")]
    local = Subscriber.whole_city.is_(False)
    columns = [func.coalesce(func.sum(case((Subscriber.whole_city.is_(True), 1), else_=0)), 0)]
    columns += [
        func.coalesce(
            func.sum(case((local & (Subscriber.districts.op("&")(district_bit(glossary, key)) != 0), 1), else_=0)), 0
        )
        for key in keys
    ]
    row = session.execute(select(*columns).where(*_segment_filter(channel, topic, None, training=training))).one()
    return {"whole_city": int(row[0]), **{key: int(count) for key, count in zip(keys, row[1:], strict=True)}}
