"""Messages and money: what LINE counts against the monthly quota and what it gives free, per month.

LINE counts one message per recipient of a multicast or a push, whatever the number of message objects in it,
and nothing for a reply to a resident's own message (within its reply token's minute). civicast's sends are
therefore counted in that unit, in the month of Asia/Taipei in which they went out:

- **multicast** (paid): the notices, from the outbox itself: each sent LINE delivery's residents;
- **push** (paid) and **reply** (free): the bot's answers to residents, which the outbox never sees, counted
  per channel and month in ``message_counts`` by a ``MessageTally`` (a push is an answer whose reply token had
  expired or was refused: the fall-back that turns a free answer into a paid one).

A multicast LINE accepted twice for one retry key (409) counts once, as LINE counts it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Integer, String, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from messages.db import Base, utcnow
from messages.i18n import TAIPEI
from scheduler.outbox import Delivery, DeliveryStatus

log = logging.getLogger(__name__)


class SendKind(StrEnum):
    MULTICAST = "multicast"  # a notice to up to 500 residents: paid, one message each
    PUSH = "push"  # the bot to one resident without a reply token: paid
    REPLY = "reply"  # the bot answering a resident's message: free


PAID = (SendKind.MULTICAST, SendKind.PUSH)


class MessageCount(Base):
    """Messages the bot sent on a channel in a month (Asia/Taipei), by kind of send."""

    __tablename__ = "message_counts"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-12"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


def month_of(at: datetime) -> str:
    """The month (Asia/Taipei) a send at ``at`` is counted in."""
    return at.astimezone(TAIPEI).strftime("%Y-%m")


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=TAIPEI)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=TAIPEI)
    return start.astimezone(UTC), end.astimezone(UTC)


def add_messages(session: Session, channel: str, counts: dict[tuple[str, str], int], now: datetime) -> None:
    """Add ``{(month, kind): messages}`` to the channel's counts, in statements any number of processes may run at
    once (``INSERT … ON CONFLICT DO UPDATE`` adds to the row another process wrote)."""
    table = MessageCount.__table__
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    for (month, kind), messages in sorted(counts.items()):
        statement = insert(table).values(channel=channel, month=month, kind=kind, messages=messages, updated_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.channel, table.c.month, table.c.kind],
            set_={"messages": table.c.messages + statement.excluded.messages, "updated_at": now},
        )
        session.connection().execute(statement)


class MessageTally:
    """The bot's replies and pushes on one channel, counted in memory and written at most every ``flush_every_s``
    seconds: answering a resident must not wait for a write of its own. ``flush()`` writes what is pending now
    (at shutdown, or before a report that must include it); a write that fails is kept for the next one."""

    def __init__(
        self,
        session_factory: sessionmaker,
        channel: str,
        *,
        flush_every_s: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.session_factory = session_factory
        self.channel = channel
        self.flush_every_s = flush_every_s
        self.clock = clock
        self._pending: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._flushed_at = time.monotonic()

    def count(self, kind: SendKind, messages: int = 1) -> None:
        with self._lock:
            self._pending[(month_of(self.clock()), kind.value)] += messages
            due = time.monotonic() - self._flushed_at >= self.flush_every_s
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._flushed_at = time.monotonic()
        if not pending:
            return
        try:
            with self.session_factory.begin() as session:
                add_messages(session, self.channel, dict(pending), self.clock())
        except Exception:  # counting must never break answering: keep the figures for the next write
            log.exception("message counts for %s not written; kept for the next write", self.channel)
            with self._lock:
                self._pending.update(pending)


@dataclass(frozen=True)
class MonthlyMessages:
    """A channel's messages in a month, by kind: ``paid`` is what the platform counts against the quota (LINE
    counts multicasts and pushes, not replies)."""

    channel: str
    month: str
    multicast: int = 0
    push: int = 0
    reply: int = 0

    @property
    def paid(self) -> int:
        return self.multicast + self.push

    @property
    def free(self) -> int:
        return self.reply

    def as_dict(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "month": self.month,
            "paid": {"multicast": self.multicast, "push": self.push, "total": self.paid},
            "free": {"reply": self.reply, "total": self.free},
        }


def monthly_messages(session: Session, month: str, channel: str) -> MonthlyMessages:
    """The month's messages on ``channel``: notices' multicasts from the outbox, the bot's pushes and replies from
    its counts."""
    start, end = _month_bounds(month)
    multicast = session.scalar(
        select(func.coalesce(func.sum(Delivery.recipient_count), 0)).where(
            Delivery.channel == channel,
            Delivery.status == DeliveryStatus.SENT.value,
            Delivery.sent_at >= start,
            Delivery.sent_at < end,
        )
    )
    counted = dict(
        session.execute(
            select(MessageCount.kind, MessageCount.messages).where(
                MessageCount.channel == channel, MessageCount.month == month
            )
        ).all()
    )
    return MonthlyMessages(
        channel,
        month,
        multicast=int(multicast or 0),
        push=int(counted.get(SendKind.PUSH, 0)),
        reply=int(counted.get(SendKind.REPLY, 0)),
    )
