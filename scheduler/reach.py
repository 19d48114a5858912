"""Whom a notice would reach now, counted without writing anything (the preview, the desk's checks)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from channels.base import Audience, ChannelLimits
from messages.glossary import Glossary
from messages.models import MsgType, Notice
from scheduler.audience import active_languages, any_audience, audience_counts, notice_district_mask
from scheduler.outbox import Delivery, DeliveryRecipients, DeliveryStatus


def original_recipients(session: Session, original_id: int, channel: str, *, sent_only: bool) -> Iterator[str]:
    """Each resident the notice ``original_id`` was written (or, ``sent_only``, delivered) to on the channel, once."""
    statuses = [DeliveryStatus.SENT.value] if sent_only else [s.value for s in DeliveryStatus]
    rows = session.scalars(
        select(DeliveryRecipients.recipients)
        .join(Delivery)
        .where(Delivery.notice_id == original_id, Delivery.channel == channel, Delivery.status.in_(statuses))
    )
    seen: set[str] = set()
    for recipients in rows:
        for user in recipients or ():
            if user not in seen:
                seen.add(user)
                yield user


def is_follow_up(notice: Notice) -> bool:
    """An Update or a Cancel of a notice civicast sent: it goes to those the original went to."""
    return notice.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and notice.references is not None


def has_audience(
    session: Session, notice: Notice, *, glossary: Glossary, channels: Mapping[str, ChannelLimits]
) -> bool:
    """Whether the notice would reach any resident now; cheaper than ``notice_audience`` for a fresh notice."""
    if is_follow_up(notice):
        return any(
            sum(per.values()) for per in notice_audience(session, notice, glossary=glossary, channels=channels).values()
        )
    mask = notice_district_mask(glossary, notice.districts)
    return any(
        any_audience(session, channel=channel, topic=notice.topic, districts_mask=mask, training=bool(notice.training))
        for channel, limits in channels.items()
        if limits.audience is not Audience.PUBLIC
    )


def notice_audience(
    session: Session, notice: Notice, *, glossary: Glossary, channels: Mapping[str, ChannelLimits]
) -> dict[str, dict[str, int]]:
    """Residents the notice would reach now, per resident channel and language, without writing anything.

    An Update or a Cancel goes to those who received the notice it refers to, as the fan-out sends it.
    """
    counts: dict[str, dict[str, int]] = {}
    original = notice.references
    for channel, limits in channels.items():
        if limits.audience is Audience.PUBLIC:
            continue
        if original is not None and is_follow_up(notice):
            users = list(
                original_recipients(session, original.id, channel, sent_only=notice.msg_type == MsgType.CANCEL)
            )
            per_language: dict[str, int] = {}
            for language in active_languages(session, channel, users, test_recipients_only=notice.training).values():
                per_language[language] = per_language.get(language, 0) + 1
            counts[channel] = per_language
        else:
            counts[channel] = audience_counts(
                session,
                channel=channel,
                topic=notice.topic,
                districts_mask=notice_district_mask(glossary, notice.districts),
                training=notice.training,
            )
    return counts
