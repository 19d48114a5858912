"""Webhook events, stored before the platform gets its 200 and handled after it.

A webhook answers as soon as its events are in ``webhook_events``: a redelivery
(the same event id) is not stored twice, and an event the process did not get
to (a crash, a restart, a deploy) is still there to be handled when it starts
again. Handling claims an event first, so two processes (gunicorn workers)
never answer it twice; a claim left by a process that died mid-way goes stale
and the event is handled again.

``civicast webhook-worker`` claims in batches instead (``claim_batch``): one
statement takes up to a few hundred events, but never an event whose sender has
an earlier one still being answered (by this process or another), so each
resident's events are answered in the order they came however many workers
run; what was answered is marked handled in one statement per batch.

In a web process that answers its own events, a sweep at most once a minute
(as events arrive) queues events whose claim went stale; a webhook worker's
batch claims take stale claims themselves. Both delete events older than
``webhooks.keep_events_days`` once an hour.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Integer, bindparam, delete, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.models import RESUME_WINDOW, WebhookEvent
from messages.db import affected_rows, dialect_insert
from messages.metrics import WEBHOOK_EVENTS_ANSWERED, WEBHOOK_EVENTS_STORED
from messages.plurals import counted

log = logging.getLogger("civicast.inbox")
STALE_CLAIM = timedelta(minutes=5)  # far longer than handling one event takes
SWEEP_EVERY = timedelta(minutes=1)
PRUNE_EVERY = timedelta(hours=1)
RETRY_FAILED_AFTER = timedelta(seconds=30)  # a batch-claimed event whose answer failed (its sender waits meanwhile)


class NothingKept(Exception):  # noqa: N818 - it names what happened, not an error kind
    """Answering several events together failed before anything was kept or sent: answer them one by one."""


AnswerMany = Callable[[list[tuple[str, dict[str, Any]]], Callable[[str], None]], None]
# Sends one resident's answers, in order, reporting each event answered.
Deliver = Callable[[Callable[[str], None]], None]
# Several residents' events: their turns kept together (or NothingKept), then a Deliver for each resident.
Decide = Callable[[list[list[tuple[str, dict[str, Any]]]]], list[Deliver]]


def store_events(
    connection: Connection | Session,
    channel: str,
    events: list[tuple[str, dict[str, Any]]],
    *,
    now: datetime,
    user_of: Callable[[dict[str, Any]], str] | None = None,
) -> list[str]:
    """Store events not seen before; the ids that are new (a redelivered event is left out).

    The webhook calls this on a plain connection: it runs for every delivery, so it skips the ORM.
    ``user_of`` names each event's sender, which keeps a resident's events in order for batch claims.
    """
    rows = [
        {
            "event_id": event_id[:64],
            "channel": channel,
            "payload": payload,
            "user_id": (user_of(payload)[:64] or None) if user_of else None,
            # One delivery's events share a clock reading: a microsecond apiece keeps their order in received_at.
            "received_at": now + timedelta(microseconds=position),
        }
        for position, (event_id, payload) in enumerate(events)
    ]
    # One statement for the delivery (SQLAlchemy sends several rows as one INSERT … VALUES … RETURNING).
    stored = set(connection.execute(_store_statement(connection), rows[0] if len(rows) == 1 else rows).scalars())
    return list(dict.fromkeys(event_id[:64] for event_id, _ in events if event_id[:64] in stored))


_STORE: dict[str, Any] = {}  # the storing INSERT per dialect, built once: it runs for every webhook delivery


def _store_statement(connection: Connection | Session) -> Any:
    dialect = connection.dialect.name if isinstance(connection, Connection) else connection.get_bind().dialect.name
    statement = _STORE.get(dialect)
    if statement is None:
        table = WebhookEvent.__table__
        statement = _STORE[dialect] = (
            dialect_insert(connection)(table)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(table.c.event_id)
        )
    return statement


def claim_event(session: Session, event_id: str, *, now: datetime) -> dict[str, Any] | None:
    """Take an event to handle: its payload, or None if it is handled or another process has it."""
    result = session.execute(
        update(WebhookEvent)
        .where(
            WebhookEvent.event_id == event_id,
            WebhookEvent.handled_at.is_(None),
            or_(WebhookEvent.claimed_at.is_(None), WebhookEvent.claimed_at < now - STALE_CLAIM),
        )
        .values(claimed_at=now)
    )
    if not affected_rows(result):
        return None
    return session.scalar(select(WebhookEvent.payload).where(WebhookEvent.event_id == event_id))


def mark_handled(session: Session, event_id: str, *, now: datetime) -> None:
    session.execute(update(WebhookEvent).where(WebhookEvent.event_id == event_id).values(handled_at=now))


def _claim_lock_key(channel: str) -> int:
    digest = hashlib.sha256(f"civicast.webhook_events.{channel}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _claim_statement() -> Any:
    """Built once: a webhook worker claims every few dozen milliseconds, and building the statement
    (not running it) was a fifth of its time. The values come as bound parameters."""
    table = WebhookEvent.__table__
    channel: BindParameter[str] = bindparam("of_channel")
    stale: BindParameter[datetime] = bindparam("stale_before")
    busy = select(table.c.user_id).where(
        table.c.channel == channel,
        table.c.handled_at.is_(None),
        table.c.claimed_at > stale,
        table.c.user_id.is_not(None),
    )
    candidates = (
        select(table.c.event_id)
        .where(
            table.c.channel == channel,
            table.c.handled_at.is_(None),
            table.c.received_at > bindparam("oldest"),
            or_(table.c.claimed_at.is_(None), table.c.claimed_at <= stale),
            or_(table.c.user_id.is_(None), table.c.user_id.not_in(busy)),
        )
        .order_by(table.c.received_at)
        .limit(bindparam("limit", type_=Integer))
    )
    return (
        update(table)
        .where(table.c.event_id.in_(candidates.scalar_subquery()), table.c.handled_at.is_(None))
        .values(claimed_at=bindparam("claim_time"))
        .returning(table.c.event_id, table.c.user_id, table.c.payload, table.c.received_at)
    )


CLAIM = _claim_statement()


def claim_batch(
    session: Session, channel: str, *, now: datetime, limit: int
) -> list[tuple[str, str | None, dict[str, Any]]]:
    """Claim up to `limit` events to answer, oldest first: (id, sender, payload).

    An event is left for later while its sender has an earlier event claimed and not yet handled
    (here or in another process), so a resident's events never overtake each other. On PostgreSQL
    claims take turns on an advisory lock held to the end of the transaction: two claims at once
    would each see the other's events of a resident as free. A claim gone stale is taken again.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_claim_lock_key(channel))))
    rows = session.execute(
        CLAIM,
        {
            "of_channel": channel,
            "stale_before": now - STALE_CLAIM,
            "oldest": now - RESUME_WINDOW,
            "limit": limit,
            "claim_time": now,
        },
    ).all()
    rows = sorted(rows, key=lambda row: row.received_at)  # RETURNING keeps no particular order
    return [(row.event_id, row.user_id, row.payload) for row in rows]


def mark_many_handled(session: Session, event_ids: list[str], *, now: datetime) -> None:
    table = WebhookEvent.__table__
    session.execute(update(table).where(table.c.event_id.in_(event_ids)).values(handled_at=now))


def release_claims(session: Session, event_ids: list[str], *, retry_at: datetime | None) -> None:
    """Give claimed events back: to be claimed again at once (None), or once `retry_at` has come."""
    table = WebhookEvent.__table__
    session.execute(
        update(table)
        .where(table.c.event_id.in_(event_ids), table.c.handled_at.is_(None))
        .values(claimed_at=None if retry_at is None else retry_at - STALE_CLAIM)
    )


def pending_events(
    session: Session, channel: str, *, now: datetime, limit: int = 1000
) -> list[tuple[str, dict[str, Any]]]:
    """Events (id, payload) received in the last day and never handled (nor being handled), oldest first."""
    return [
        (row.event_id, row.payload)
        for row in session.execute(
            select(WebhookEvent.event_id, WebhookEvent.payload)
            .where(
                WebhookEvent.channel == channel,
                WebhookEvent.handled_at.is_(None),
                WebhookEvent.received_at > now - RESUME_WINDOW,
                or_(WebhookEvent.claimed_at.is_(None), WebhookEvent.claimed_at < now - STALE_CLAIM),
            )
            .order_by(WebhookEvent.received_at)
            .limit(limit)
        )
    ]


def prune_events(session: Session, channel: str, *, before: datetime) -> int:
    """Delete the channel's events received before a time, handled or not (a day on, nobody answers them)."""
    result = session.execute(
        delete(WebhookEvent).where(WebhookEvent.channel == channel, WebhookEvent.received_at < before)
    )
    return affected_rows(result)


class EventInbox:
    """One channel's stored events, handled on a thread pool after the webhook has answered.

    A resident's events are handled one at a time and in the order they came (a language chosen
    right after following must not overtake the follow); different residents' in parallel.
    """

    def __init__(
        self,
        *,
        channel: str,
        session_factory: sessionmaker,
        executor: ThreadPoolExecutor,
        handle_payload: Callable[[str, dict[str, Any]], None],
        user_of: Callable[[dict[str, Any]], str],
        clock: Callable[[], datetime],
        handle_here: bool = True,
        keep_events: timedelta = timedelta(days=30),
        handle_many: AnswerMany | None = None,
        decide: Decide | None = None,
    ) -> None:
        self.channel = channel
        self.session_factory = session_factory
        self.engine = session_factory.kw["bind"]
        self._storing = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.executor = executor
        self.handle_payload = handle_payload
        # Several of one resident's events at once, reporting each as answered (the webhook worker's backlog).
        self.handle_many = handle_many
        # A whole round of residents' events at once: one transaction for their turns (the webhook worker's).
        self.decide = decide
        self.user_of = user_of
        self.clock = clock
        self.handle_here = handle_here  # False: only store; a webhook worker answers
        self.keep_events = keep_events
        self._swept_at = clock()  # the process resumes what it finds when it starts; the first sweep comes later
        self._pruned_at: datetime | None = None
        self._queues: dict[str, deque[str]] = {}
        self._queued: set[str] = set()
        self._lock = threading.Lock()

    def accept(self, events: list[tuple[str, dict[str, Any]]]) -> bool:
        """Store the events (committed before the webhook answers) and queue the new ones.

        False when they could not be stored: the webhook then refuses the delivery, and the
        platform delivers it again later.
        """
        if not events:
            return True
        try:
            # One statement in autocommit: one round trip for a delivery instead of three (BEGIN, INSERT, COMMIT).
            # Storing is idempotent, so a delivery refused after part of it was stored is stored in full when
            # the platform delivers it again.
            with self._storing.connect() as connection:
                new = set(store_events(connection, self.channel, events, now=self.clock(), user_of=self.user_of))
        except SQLAlchemyError as exc:
            log.error("%s events not stored: %s", self.channel, exc)
            return False
        if new:
            WEBHOOK_EVENTS_STORED.labels(self.channel).inc(len(new))
        if self.handle_here:
            for event_id, payload in events:
                if event_id[:64] in new:
                    self._enqueue(self.user_of(payload), event_id[:64])
            if self._sweep_due():
                self.executor.submit(self.sweep)
        return True

    def _sweep_due(self) -> bool:
        now = self.clock()
        with self._lock:
            if now - self._swept_at < SWEEP_EVERY:
                return False
            self._swept_at = now
            return True

    def sweep(self) -> int:
        """Queue events left unhandled (stale claims included); now and then delete old ones. How many were queued."""
        try:
            queued = self.resume()
            self.prune_if_due()
        except SQLAlchemyError as exc:  # the database may be restarting: the next sweep tries again
            log.error("sweeping %s webhook events failed: %s", self.channel, exc)
            return 0
        return queued

    def prune_if_due(self) -> None:
        """Once an hour, delete the events older than ``keep_events``."""
        now = self.clock()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        with self.session_factory.begin() as session:
            pruned = prune_events(session, self.channel, before=now - self.keep_events)
        if pruned:
            log.info(
                "deleted %s %s older than %s",
                counted(pruned, "webhook event", "webhook events"),
                self.channel,
                self.keep_events,
            )

    def _enqueue(self, user: str, event_id: str) -> None:
        with self._lock:
            if event_id in self._queued:  # a poll found it again before its turn came
                return
            self._queued.add(event_id)
            queue = self._queues.get(user)
            if queue is not None:  # a thread is already working through this resident's events
                queue.append(event_id)
                return
            self._queues[user] = deque([event_id])
        self.executor.submit(self._drain, user)

    def _drain(self, user: str) -> None:
        while True:
            with self._lock:
                queue = self._queues[user]
                if not queue:
                    del self._queues[user]
                    return
                event_id = queue.popleft()
            try:
                self.handle(event_id)
            finally:
                with self._lock:
                    self._queued.discard(event_id)

    def handle(self, event_id: str) -> None:
        try:
            with self.session_factory.begin() as session:
                payload = claim_event(session, event_id, now=self.clock())
            if payload is None:
                return
            self.handle_payload(event_id, payload)
            with self.session_factory.begin() as session:
                mark_handled(session, event_id, now=self.clock())
            WEBHOOK_EVENTS_ANSWERED.labels(self.channel).inc()
        except Exception:  # one bad event must not stop the others; its claim goes stale and it is retried
            log.exception("handling %s event %s failed", self.channel, event_id)

    def resume(self) -> int:
        """Queue the events stored but not handled: a previous process's, or (webhook worker) the web's."""
        with self.session_factory() as session:
            waiting = pending_events(session, self.channel, now=self.clock())
        for event_id, payload in waiting:  # oldest first, so each resident's stay in order
            self._enqueue(self.user_of(payload), event_id)
        if waiting:
            log.info(
                "resuming %s of %s left unhandled",
                counted(len(waiting), "webhook event", "webhook events"),
                self.channel,
            )
        return len(waiting)
