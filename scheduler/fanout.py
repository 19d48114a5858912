"""Fan-out: a due, approved notice becomes its outbox rows, all in the caller's one transaction.

Resident channels get one Delivery per language × batch of at most the
channel's ``max_recipients``; public channels (the page, partner pushes) one
Delivery carrying every language. An Update goes to everyone the original was
for, a Cancel to exactly those who received the original; the original's unsent
deliveries are withdrawn. If the transaction fails, there are no rows at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from channels.base import Audience, ChannelLimits
from messages.glossary import Glossary
from messages.i18n import DEFAULT_LANGUAGE
from messages.models import MsgType, Notice, NoticeStatus
from scheduler.audience import (
    active_languages,
    any_audience,
    audience_counts,
    catalog_language,
    notice_district_mask,
    segment,
    segment_language,
)
from scheduler.outbox import (
    PUBLIC_LANGUAGE,
    Delivery,
    DeliveryRecipients,
    DeliveryStatus,
    new_delivery_id,
    withdraw_unsent,
)

INSERT_CHUNK = 200  # delivery rows per INSERT statement


class NotDue(ValueError):
    """The notice cannot be fanned out in its present state."""


@dataclass
class FanoutResult:
    notice_id: int
    deliveries: int = 0
    recipients: dict[str, dict[str, int]] = field(default_factory=dict)  # channel -> language -> count

    def add(self, channel: str, language: str, count: int) -> None:
        self.recipients.setdefault(channel, {}).setdefault(language, 0)
        self.recipients[channel][language] += count
        self.deliveries += 1


def _batches(
    groups: Iterable[tuple[str, list[str]]], size: int, languages: set[str]
) -> Iterator[tuple[str, list[str]]]:
    """(language, up to ``size`` user ids) from (subscriber language, user ids) groups.

    A language civicast does not compose in joins the default language's batches.
    """
    leftovers: dict[str, list[str]] = {}
    for raw_language, users in groups:
        language = catalog_language(raw_language)
        if language not in languages:
            language = DEFAULT_LANGUAGE
        pending = leftovers.pop(language, []) + users if language in leftovers else users
        full = len(pending) - len(pending) % size
        for start in range(0, full, size):
            yield language, pending[start:start + size]
        if full < len(pending):
            leftovers[language] = pending[full:]
    for language, users in leftovers.items():
        yield language, users


def _segment_concurrently(
    reader: sessionmaker, *, channel: str, topic: str, districts_mask: int | None, training: bool,
    languages: list[str],
) -> Iterator[tuple[str, list[str]]]:
    """Each language's audience read on its own connection, two at a time, while the caller writes
    the previous language's deliveries: on PostgreSQL reading and writing then overlap."""

    def read(language: str | None) -> tuple[str, list[str]]:
        with reader() as session:
            found, users = segment_language(session, channel=channel, topic=topic, districts_mask=districts_mask,
                                            language=language, others_than=languages, training=training)
        return found or DEFAULT_LANGUAGE, users

    pending = [*languages, None]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="segment") as pool:
        # Two reads ahead at most: a million ids are not all held at once.
        ahead = [pool.submit(read, pending.pop(0)) for _ in range(min(2, len(pending)))]
        while ahead:
            language, users = ahead.pop(0).result()
            if pending:
                ahead.append(pool.submit(read, pending.pop(0)))
            if users:
                yield language, users


def same_world(follow_up: Notice, original: Notice) -> None:
    """An Update or a Cancel lives in its original's world: a training one never touches a live notice, and
    a sandboxed one never touches a notice that reached real channels (nor the other way round)."""
    if bool(follow_up.training) != bool(original.training) or bool(follow_up.sandboxed) != bool(original.sandboxed):
        world = "a training" if original.training else "a live"
        raise NotDue(f"notice {follow_up.id} cannot {follow_up.msg_type.lower()} notice {original.id}: an Update or "
                     f"Cancel of {world} notice must be {world.removeprefix('a ')} too, made the same way")


def _original_recipients(session: Session, original_id: int, channel: str, *, sent_only: bool) -> Iterator[str]:
    statuses = [DeliveryStatus.SENT.value] if sent_only else [s.value for s in DeliveryStatus]
    rows = session.scalars(select(DeliveryRecipients.recipients).join(Delivery).where(
        Delivery.notice_id == original_id, Delivery.channel == channel, Delivery.status.in_(statuses)))
    seen: set[str] = set()
    for recipients in rows:
        for user in recipients or ():
            if user not in seen:
                seen.add(user)
                yield user


def fan_out_notice(
    session: Session,
    notice: Notice,
    *,
    glossary: Glossary,
    channels: Mapping[str, ChannelLimits],
    languages: Iterable[str],
    now: datetime,
    public_channels_for_training: bool = False,
    reader: sessionmaker | None = None,
) -> FanoutResult:
    """Write the notice's deliveries and mark it sending. The caller commits (or rolls back) once.

    With a ``reader`` (a session factory), audiences are read on separate connections while the
    deliveries are written; only the writing is in the caller's transaction.
    """
    if notice.status not in (NoticeStatus.APPROVED, NoticeStatus.SCHEDULED):
        raise NotDue(f"notice {notice.id} is {notice.status}; only approved or scheduled notices are sent")
    wanted = set(languages)
    result = FanoutResult(notice.id)
    rows: list[dict[str, Any]] = []
    lists: list[dict[str, Any]] = []

    def flush(force: bool = False) -> None:
        if rows and (force or len(rows) >= INSERT_CHUNK):
            session.execute(insert(Delivery.__table__), rows)
            if lists:
                session.execute(insert(DeliveryRecipients.__table__), lists)
            rows.clear()
            lists.clear()

    def add_row(channel: str, language: str, recipients: list[str]) -> None:
        delivery_id = new_delivery_id()
        rows.append({"id": delivery_id, "notice_id": notice.id, "channel": channel, "language": language,
                     "recipient_count": len(recipients), "status": DeliveryStatus.PENDING.value, "attempts": 0,
                     "next_attempt_at": now, "duplicate": False, "created_at": now, "updated_at": now})
        if recipients:
            lists.append({"delivery_id": delivery_id, "recipients": recipients})
        result.add(channel, language, len(recipients))
        flush()

    original = notice.references
    follow_up = notice.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and original is not None
    if follow_up:
        same_world(notice, original)
    for channel, limits in channels.items():
        if limits.audience is Audience.PUBLIC:
            if not notice.training or public_channels_for_training:
                add_row(channel, PUBLIC_LANGUAGE, [])
            continue
        if follow_up:
            users = list(_original_recipients(session, original.id, channel,
                                              sent_only=notice.msg_type == MsgType.CANCEL))
            current = active_languages(session, channel, users, test_recipients_only=notice.training)
            by_language: dict[str, list[str]] = {}
            for user in users:
                if user in current:
                    by_language.setdefault(current[user], []).append(user)
            audience: Iterable[tuple[str, list[str]]] = sorted(by_language.items())
        elif reader is not None:
            audience = _segment_concurrently(reader, channel=channel, topic=notice.topic,
                                             districts_mask=notice_district_mask(glossary, notice.districts),
                                             training=notice.training, languages=sorted(wanted))
        else:
            audience = segment(session, channel=channel, topic=notice.topic,
                               districts_mask=notice_district_mask(glossary, notice.districts),
                               training=notice.training)
        for language, batch in _batches(audience, limits.max_recipients, wanted):
            add_row(channel, language, batch)
    flush(force=True)

    if follow_up:
        reason = "superseded by an update" if notice.msg_type == MsgType.UPDATE else "notice cancelled"
        withdraw_unsent(session, original.id, now, reason)
        original.status = NoticeStatus.CANCELLED if notice.msg_type == MsgType.CANCEL else NoticeStatus.SUPERSEDED
    notice.status = NoticeStatus.SENDING
    notice.sent_at = now
    if notice.effective is None:
        notice.effective = now
    return result


def has_audience(session: Session, notice: Notice, *, glossary: Glossary,
                 channels: Mapping[str, ChannelLimits]) -> bool:
    """Whether the notice would reach any resident now; cheaper than ``notice_audience`` for a fresh notice."""
    original = notice.references
    if notice.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and original is not None:
        return any(sum(per.values()) for per in notice_audience(session, notice, glossary=glossary,
                                                                channels=channels).values())
    mask = notice_district_mask(glossary, notice.districts)
    return any(any_audience(session, channel=channel, topic=notice.topic, districts_mask=mask,
                            training=bool(notice.training))
               for channel, limits in channels.items() if limits.audience is not Audience.PUBLIC)


def notice_audience(
    session: Session,
    notice: Notice,
    *,
    glossary: Glossary,
    channels: Mapping[str, ChannelLimits],
) -> dict[str, dict[str, int]]:
    """Residents the notice would reach now, per resident channel and language, without writing anything.

    An Update or a Cancel goes to those who received the notice it refers to, as ``fan_out_notice`` sends it.
    """
    counts: dict[str, dict[str, int]] = {}
    original = notice.references
    follow_up = notice.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and original is not None
    for channel, limits in channels.items():
        if limits.audience is Audience.PUBLIC:
            continue
        if follow_up:
            users = list(_original_recipients(session, original.id, channel,
                                              sent_only=notice.msg_type == MsgType.CANCEL))
            per_language: dict[str, int] = {}
            for language in active_languages(session, channel, users,
                                             test_recipients_only=notice.training).values():
                per_language[language] = per_language.get(language, 0) + 1
            counts[channel] = per_language
        else:
            counts[channel] = audience_counts(session, channel=channel, topic=notice.topic,
                                              districts_mask=notice_district_mask(glossary, notice.districts),
                                              training=notice.training)
    return counts
