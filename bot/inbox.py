"""Webhook events, stored before the platform gets its 200 and handled after it.

A webhook answers as soon as its events are in ``webhook_events``: a redelivery
(the same event id) is not stored twice, and an event the process did not get
to (a crash, a restart, a deploy) is still there to be handled when it starts
again. Handling claims an event first, so two processes (gunicorn workers)
never answer it twice; a claim left by a process that died mid-way goes stale
and the event is handled again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.models import WebhookEvent

log = logging.getLogger("civicast.inbox")
STALE_CLAIM = timedelta(minutes=5)  # far longer than handling one event takes
RESUME_WINDOW = timedelta(hours=24)  # older events are not worth answering any more
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def store_events(session: Session, channel: str, events: list[tuple[str, dict[str, Any]]], *,
                 now: datetime) -> list[str]:
    """Store events not seen before; the ids that are new (a redelivered event is left out)."""
    insert = _INSERTS[session.get_bind().dialect.name]
    new = []
    for event_id, payload in events:
        stored = session.execute(insert(WebhookEvent).values(
            event_id=event_id[:64], channel=channel, payload=payload, received_at=now,
        ).on_conflict_do_nothing(index_elements=["event_id"]).returning(WebhookEvent.event_id)).scalar()
        if stored is not None:
            new.append(stored)
    return new


def claim_event(session: Session, event_id: str, *, now: datetime) -> dict[str, Any] | None:
    """Take an event to handle: its payload, or None if it is handled or another process has it."""
    result = session.execute(update(WebhookEvent).where(
        WebhookEvent.event_id == event_id, WebhookEvent.handled_at.is_(None),
        or_(WebhookEvent.claimed_at.is_(None), WebhookEvent.claimed_at < now - STALE_CLAIM),
    ).values(claimed_at=now))
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return session.scalar(select(WebhookEvent.payload).where(WebhookEvent.event_id == event_id))


def mark_handled(session: Session, event_id: str, *, now: datetime) -> None:
    session.execute(update(WebhookEvent).where(WebhookEvent.event_id == event_id).values(handled_at=now))


def pending_events(session: Session, channel: str, *, now: datetime, limit: int = 1000) -> list[str]:
    """Events received in the last day and never handled (nor being handled), oldest first."""
    return list(session.scalars(select(WebhookEvent.event_id).where(
        WebhookEvent.channel == channel, WebhookEvent.handled_at.is_(None),
        WebhookEvent.received_at > now - RESUME_WINDOW,
        or_(WebhookEvent.claimed_at.is_(None), WebhookEvent.claimed_at < now - STALE_CLAIM),
    ).order_by(WebhookEvent.received_at).limit(limit)))


class EventInbox:
    """One channel's stored events, handled on a thread pool after the webhook has answered."""

    def __init__(self, *, channel: str, session_factory: sessionmaker, executor: ThreadPoolExecutor,
                 handle_payload: Callable[[str, dict[str, Any]], None], clock: Callable[[], datetime]) -> None:
        self.channel = channel
        self.session_factory = session_factory
        self.executor = executor
        self.handle_payload = handle_payload
        self.clock = clock

    def accept(self, events: list[tuple[str, dict[str, Any]]]) -> int:
        """Store the events (committed before the webhook answers) and queue the new ones; how many were new."""
        if not events:
            return 0
        with self.session_factory.begin() as session:
            new = store_events(session, self.channel, events, now=self.clock())
        for event_id in new:
            self.executor.submit(self.handle, event_id)
        return len(new)

    def handle(self, event_id: str) -> None:
        try:
            with self.session_factory.begin() as session:
                payload = claim_event(session, event_id, now=self.clock())
            if payload is None:
                return
            self.handle_payload(event_id, payload)
            with self.session_factory.begin() as session:
                mark_handled(session, event_id, now=self.clock())
        except Exception:  # one bad event must not stop the others; its claim goes stale and it is retried
            log.exception("handling %s event %s failed", self.channel, event_id)

    def resume(self) -> int:
        """Queue the events a previous process stored but did not handle."""
        with self.session_factory() as session:
            waiting = pending_events(session, self.channel, now=self.clock())
        for event_id in waiting:
            self.executor.submit(self.handle, event_id)
        if waiting:
            log.info("resuming %d %s webhook event(s) left unhandled", len(waiting), self.channel)
        return len(waiting)
