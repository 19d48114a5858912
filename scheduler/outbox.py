"""The outbox: one Delivery row per channel × language × batch, claimed with a lease, recorded once.

A delivery's UUID is its idempotency key (LINE's ``X-Line-Retry-Key``).
Status: pending → claimed → sent, or → failed (to be retried at
``next_attempt_at``) → … → dead. A claimed row whose lease has expired (its
worker died) is claimable again. PostgreSQL claims with ``SELECT … FOR UPDATE
SKIP LOCKED``; SQLite, which has one writer at a time, with a conditional
``UPDATE``. Functions take the session first and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from messages.db import Base, affected_rows, utcnow
from messages.models import Notice, NoticeStatus


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"  # will be retried
    DEAD = "dead"  # will not be retried


CLAIMABLE = (DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value)
PUBLIC_LANGUAGE = "*"  # deliveries that carry every language (a page post, a partner push)


def new_delivery_id() -> str:
    return str(uuid.uuid4())


class IdList(TypeDecorator[list[str]]):
    """Platform user ids as comma-separated text: a 500-id batch is one compact value, no JSON to parse."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[str] | tuple[str, ...] | None, dialect: Any) -> str:
        return ",".join(value or ())

    def process_result_value(self, value: str | None, dialect: Any) -> list[str]:
        return value.split(",") if value else []


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_delivery_id)
    notice_id: Mapped[int] = mapped_column(ForeignKey(Notice.id, ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[DeliveryStatus] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    platform_request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)  # the platform had it already
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    recipient_list: Mapped[DeliveryRecipients | None] = relationship(lazy="select", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_deliveries_claim", "status", "next_attempt_at"),
        Index("ix_deliveries_notice", "notice_id", "channel", "language"),
    )

    @property
    def recipients(self) -> list[str]:
        return self.recipient_list.recipients if self.recipient_list else []


class DeliveryRecipients(Base):
    """A delivery's user ids, apart from its row: status changes then rewrite a few bytes, not 16 KB."""

    __tablename__ = "delivery_recipients"

    delivery_id: Mapped[str] = mapped_column(ForeignKey(Delivery.id, ondelete="CASCADE"), primary_key=True)
    recipients: Mapped[list[str]] = mapped_column(IdList())


class ChannelState(Base):
    """A channel paused by civicast (LINE's monthly quota used up) until an officer resumes it."""

    __tablename__ = "channel_states"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Claimed:
    """What a worker needs to send one delivery, detached from any session."""

    id: str
    notice_id: int
    channel: str
    language: str
    recipients: tuple[str, ...]
    attempts: int
    due_at: datetime | None = None  # when it fell due (its claim lag is measured from it)


def paused_channels(session: Session) -> set[str]:
    return set(session.scalars(select(ChannelState.channel).where(ChannelState.paused.is_(True))))


def pause_channel(session: Session, channel: str, reason: str, now: datetime) -> None:
    """Pause a channel, in one statement that any number of workers may run at once.

    ``INSERT … ON CONFLICT DO UPDATE``: a second worker meeting the same exhausted quota waits for the
    first one's row instead of colliding with it. A channel already paused keeps its first reason and
    time, so officers see when it stopped and why.
    """
    table = ChannelState.__table__
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = insert(table).values(channel=channel, paused=True, reason=reason, changed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.channel],
        set_={
            "paused": True,
            "reason": case((table.c.paused, table.c.reason), else_=statement.excluded.reason),
            "changed_at": case((table.c.paused, table.c.changed_at), else_=statement.excluded.changed_at),
        },
    )
    session.connection().execute(statement)


def resume_channel(session: Session, channel: str, now: datetime) -> bool:
    """Resume a paused channel; False when it was not paused (or another officer resumed it first)."""
    result = session.connection().execute(
        update(ChannelState.__table__)
        .where(ChannelState.__table__.c.channel == channel, ChannelState.__table__.c.paused.is_(True))
        .values(paused=False, reason=None, changed_at=now)
    )
    return result.rowcount == 1


def _claimable(now: datetime, channels: Iterable[str]) -> Any:
    return and_(
        Delivery.channel.in_(list(channels)),
        or_(
            and_(Delivery.status.in_(CLAIMABLE), Delivery.next_attempt_at <= now),
            and_(Delivery.status == DeliveryStatus.CLAIMED.value, Delivery.lease_expires_at < now),
        ),
    )


def claim(
    session: Session, *, worker: str, channels: Iterable[str], now: datetime, lease: timedelta, limit: int = 20
) -> list[Claimed]:
    """Take up to ``limit`` due deliveries for this worker, leased until ``now + lease``.

    One statement: ``WITH picked AS (SELECT … LIMIT n) UPDATE … FROM picked``. On PostgreSQL
    the CTE locks with ``FOR UPDATE SKIP LOCKED`` (and is evaluated once, unlike an ``IN``
    subquery), so concurrent workers take different rows; SQLite runs the statement under its
    single writer lock. Paused channels are skipped.
    """
    table = Delivery.__table__  # Core, not the ORM: a claim is a hot path and needs no identity map
    paused = select(ChannelState.channel).where(ChannelState.paused.is_(True))
    due = and_(_claimable(now, channels), table.c.channel.not_in(paused))
    candidates = select(table.c.id).where(due).order_by(table.c.next_attempt_at).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    picked = candidates.cte("picked")
    claimed = (
        session.connection()
        .execute(
            update(table)
            .where(table.c.id == picked.c.id, due)
            .values(
                status=DeliveryStatus.CLAIMED.value,
                lease_expires_at=now + lease,
                claimed_by=worker,
                attempts=table.c.attempts + 1,
                updated_at=now,
            )
            .returning(
                table.c.id,
                table.c.notice_id,
                table.c.channel,
                table.c.language,
                table.c.attempts,
                table.c.next_attempt_at,
            )
        )
        .all()
    )
    if not claimed:
        return []
    lists = DeliveryRecipients.__table__
    recipients = dict(
        session.connection()
        .execute(
            select(lists.c.delivery_id, lists.c.recipients).where(lists.c.delivery_id.in_([row[0] for row in claimed]))
        )
        .all()
    )
    return [
        Claimed(row[0], row[1], row[2], row[3], tuple(recipients.get(row[0]) or ()), row[4], row[5]) for row in claimed
    ]


def _owned(delivery_id: str, worker: str) -> Any:
    # A worker records only what it still holds: if its lease ran out and another worker
    # re-claimed the row, the newer claim's outcome is the one that counts.
    return and_(
        Delivery.id == delivery_id, Delivery.status == DeliveryStatus.CLAIMED.value, Delivery.claimed_by == worker
    )


def mark_sent(
    session: Session, delivery_id: str, *, worker: str, now: datetime, platform_request_id: str | None, duplicate: bool
) -> bool:
    result = session.execute(
        update(Delivery)
        .where(_owned(delivery_id, worker))
        .values(
            status=DeliveryStatus.SENT.value,
            sent_at=now,
            lease_expires_at=None,
            updated_at=now,
            platform_request_id=platform_request_id,
            duplicate=duplicate,
            last_error=None,
        )
    )
    return affected_rows(result) == 1


def mark_sent_many(
    session: Session, outcomes: list[tuple[str, str | None, bool]], *, worker: str, now: datetime
) -> int:
    """Record many sends in one statement: (delivery id, platform request id, duplicate) each."""
    if not outcomes:
        return 0
    table = Delivery.__table__
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("delivery_id"),
            table.c.status == DeliveryStatus.CLAIMED.value,
            table.c.claimed_by == worker,
        )
        .values(
            status=DeliveryStatus.SENT.value,
            sent_at=now,
            lease_expires_at=None,
            updated_at=now,
            platform_request_id=bindparam("request_id"),
            duplicate=bindparam("was_duplicate"),
            last_error=None,
        )
    )
    params = [{"delivery_id": d, "request_id": r, "was_duplicate": dup} for d, r, dup in outcomes]
    return session.connection().execute(statement, params).rowcount


def mark_failed(
    session: Session, delivery_id: str, *, worker: str, now: datetime, error: str, retry_at: datetime | None
) -> bool:
    """Failed: retried at ``retry_at``, or dead when that is None."""
    status = DeliveryStatus.DEAD if retry_at is None else DeliveryStatus.FAILED
    result = session.execute(
        update(Delivery)
        .where(_owned(delivery_id, worker))
        .values(
            status=status.value,
            last_error=error[:2000],
            lease_expires_at=None,
            updated_at=now,
            next_attempt_at=retry_at or now,
        )
    )
    return affected_rows(result) == 1


def release(session: Session, delivery_id: str, *, worker: str, now: datetime, reason: str) -> bool:
    """Give a claimed delivery back untried (its channel was paused); the attempt does not count."""
    result = session.execute(
        update(Delivery)
        .where(_owned(delivery_id, worker))
        .values(
            status=DeliveryStatus.PENDING.value,
            lease_expires_at=None,
            claimed_by=None,
            updated_at=now,
            attempts=Delivery.attempts - 1,
            last_error=reason[:2000],
        )
    )
    return affected_rows(result) == 1


def requeue_expired_leases(session: Session, now: datetime) -> int:
    """Claimed rows whose worker died: back to pending (they are claimable anyway; this makes it visible)."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.CLAIMED.value, Delivery.lease_expires_at < now)
        .values(
            status=DeliveryStatus.PENDING.value,
            lease_expires_at=None,
            claimed_by=None,
            updated_at=now,
            last_error="lease expired: the worker stopped before recording an outcome",
        )
    )
    return affected_rows(result)


def withdraw_unsent(session: Session, notice_id: int, now: datetime, reason: str) -> int:
    """A cancelled notice's deliveries that have not gone yet never will."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.notice_id == notice_id,
            Delivery.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value]),
        )
        .values(status=DeliveryStatus.DEAD.value, last_error=reason, updated_at=now)
    )
    return affected_rows(result)


OUTSTANDING = (DeliveryStatus.PENDING.value, DeliveryStatus.CLAIMED.value, DeliveryStatus.FAILED.value)


def settle_notices(session: Session, notice_ids: Iterable[int], now: datetime) -> int:
    """Those of these notices that are sending and have no delivery outstanding become sent.

    Run it after the outcomes are committed, in a transaction of its own: two workers recording a
    notice's last deliveries at once would each still see the other's as outstanding."""
    ids = sorted(set(notice_ids))
    settled = 0
    for start in range(0, len(ids), 900):  # stay under SQLite's bound-parameter limit
        unfinished = select(Delivery.id).where(Delivery.notice_id == Notice.id, Delivery.status.in_(OUTSTANDING))
        settled += affected_rows(
            session.execute(
                update(Notice)
                .where(
                    Notice.id.in_(ids[start : start + 900]),
                    Notice.status == NoticeStatus.SENDING.value,
                    Notice.fanout_progress_at.is_(None),
                    ~unfinished.exists(),
                )
                .values(status=NoticeStatus.SENT.value, updated_at=now)
            )
        )
    return settled


def outstanding(session: Session, notice_id: int | None = None) -> int:
    """Deliveries not yet finished (pending, claimed or waiting to retry), and one more for each sending notice
    whose deliveries are still being written: zero means everything is done."""
    query = select(func.count()).select_from(Delivery).where(Delivery.status.in_(OUTSTANDING))
    writing = (
        select(func.count())
        .select_from(Notice)
        .where(Notice.status == NoticeStatus.SENDING.value, Notice.fanout_progress_at.is_not(None))
    )
    if notice_id is not None:
        query = query.where(Delivery.notice_id == notice_id)
        writing = writing.where(Notice.id == notice_id)
    return int(session.scalar(query) or 0) + int(session.scalar(writing) or 0)
