"""The resident bot's event handlers, and a process that answers stored webhook events.

``build_bots`` gives the LINE and Messenger handlers the web application serves.
With ``webhooks.handle_in_web: false`` the web processes only store events, and
``civicast webhook-worker`` answers them with the same handlers: it claims
events in batches (a resident's only while none of their earlier events is being
answered, so several worker processes keep each resident's order), answers each
resident's events in order on its threads while other residents' run alongside,
and marks what it answered handled in one statement per round.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.office.services import Services
from bot.webhooks.inbox import (
    RETRY_FAILED_AFTER,
    Decide,
    Deliver,
    EventInbox,
    NothingKept,
    claim_batch,
    mark_many_handled,
    release_claims,
)
from bot.webhooks.line import LineBot
from bot.webhooks.messenger import MessengerBot
from messages.metrics import WEBHOOK_EVENTS_ANSWERED
from messages.outage import OutageLog

log = logging.getLogger("civicast.webhook_worker")
MAX_TOGETHER = 16  # of one resident's waiting events answered in one transaction
MIN_GROUP = 8  # residents whose turns share a transaction, at least (fewer commits; more would wait in line)
ROUND_GAP_S = 0.1  # between two rounds, so answers are marked and events claimed in batches, not one per answer


def build_bots(services: Services, executor: ThreadPoolExecutor, *, handle_here: bool) -> tuple[LineBot, MessengerBot]:
    channels = services.settings.channels
    keep_events = timedelta(days=services.settings.webhooks.keep_events_days)
    line_bot = LineBot(
        channel_secret=channels.line.channel_secret,
        engine=services.conversation_engine,
        line=services.line,
        session_factory=services.session_factory,
        executor=executor,
        handle_here=handle_here,
        keep_events=keep_events,
    )
    messenger_bot = MessengerBot(
        app_secret=channels.facebook.app_secret,
        verify_token=channels.facebook.verify_token,
        engine=services.conversation_engine,
        facebook=services.facebook,
        session_factory=services.session_factory,
        executor=executor,
        handle_here=handle_here,
        keep_events=keep_events,
    )
    return line_bot, messenger_bot


class BatchAnswerer:
    """One channel's stored events, claimed in batches and answered on the worker's threads.

    Only the poller thread claims and marks; the answering threads report what they finished.
    """

    def __init__(
        self,
        inbox: EventInbox,
        executor: ThreadPoolExecutor,
        *,
        in_flight: int,
        wake: threading.Event,
        idle_poll_s: float = 0.0,
        threads: int = 1,
    ) -> None:
        self.inbox = inbox
        self.threads = threads
        self.executor = executor
        self.max_in_flight = in_flight  # claimed and not yet answered: a claim is a promise to answer soon
        self.wake = wake
        self._lock = threading.Lock()
        self._in_flight = 0
        self._done: list[str] = []
        self._failed: list[str] = []
        self._given_back: list[str] = []
        # A channel whose last claim found nothing is asked again only after this long: a city's LINE account
        # busy on a typhoon night should not pay a claim per round for a quiet Messenger page.
        self.idle_poll_s = idle_poll_s
        self._idle_until = 0.0

    def step(self) -> int:
        """Mark what was answered, then claim more if there is room; how many were claimed."""
        self.flush()
        with self._lock:
            room = self.max_in_flight - self._in_flight
        if room < self.max_in_flight // 2:  # claim in fair-sized batches, not one event per answer
            return 0
        if time.monotonic() < self._idle_until:
            return 0
        with self.inbox.session_factory.begin() as session:
            claimed = claim_batch(session, self.inbox.channel, now=self.inbox.clock(), limit=room)
        if not claimed and not self.busy:  # (while answers are out, their senders' next events wait on them)
            self._idle_until = time.monotonic() + self.idle_poll_s
        residents: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for event_id, user, payload in claimed:  # oldest first, so each resident's stay in order
            residents.setdefault(user or event_id, []).append((event_id, payload))
        with self._lock:
            self._in_flight += len(claimed)
        if self.inbox.decide is not None and residents:
            # The round's residents in groups, one transaction each, decided on the threads side by side:
            # a group's turns wait on the database one after another, the groups' waits overlap.
            waiting = list(residents.values())
            size = max(MIN_GROUP, -(-len(waiting) // self.threads))
            for start in range(0, len(waiting), size):
                self.executor.submit(self._answer_round, self.inbox.decide, waiting[start : start + size])
        else:
            for events in residents.values():
                self.executor.submit(self._answer, events)
        return len(claimed)

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._in_flight or self._done or self._failed or self._given_back)

    def _answer_round(self, decide: Decide, residents: list[list[tuple[str, dict[str, Any]]]]) -> None:
        """A round's residents: every turn in one transaction, then each resident's answers on a thread.

        If the turns cannot be kept together, each resident's are answered on their own, so one event
        that fails its turn holds up only its sender.
        """
        try:
            deliveries = decide(residents)
        except Exception:
            log.warning(
                "answering %s %s residents' events together failed; answering each resident's on their own",
                len(residents),
                self.inbox.channel,
                exc_info=True,
            )
            for events in residents:
                self.executor.submit(self._answer, events)
            return
        for events, deliver in zip(residents, deliveries, strict=True):
            self.executor.submit(self._deliver, events, deliver)

    def _deliver(self, events: list[tuple[str, dict[str, Any]]], deliver: Deliver) -> None:
        """One resident's answers, decided with their round's; after a failure the rest wait for its retry."""
        answered: set[str] = set()

        def report(event_id: str) -> None:
            answered.add(event_id)
            with self._lock:
                self._done.append(event_id)

        try:
            deliver(report)
        except Exception:
            self._failed_at(events, answered)
        finally:
            with self._lock:
                self._in_flight -= len(events)
            self.wake.set()

    def _answer(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """One resident's claimed events, in order; after a failure the rest wait for its retry."""
        answered: set[str] = set()

        def report(event_id: str) -> None:
            answered.add(event_id)
            with self._lock:
                self._done.append(event_id)

        try:
            for start in range(0, len(events), MAX_TOGETHER):
                chunk = events[start : start + MAX_TOGETHER]
                if not self._answer_chunk(chunk, answered, report):
                    with self._lock:
                        self._given_back.extend(event_id for event_id, _ in events[start + len(chunk) :])
                    return
        finally:
            with self._lock:
                self._in_flight -= len(events)
            self.wake.set()

    def _answer_chunk(
        self, chunk: list[tuple[str, dict[str, Any]]], answered: set[str], report: Callable[[str], None]
    ) -> bool:
        """Answer events together where the channel can, else (or if that failed) one by one; False on a failure."""
        if self.inbox.handle_many is not None and len(chunk) > 1:
            try:
                self.inbox.handle_many(chunk, report)
                return True
            except NothingKept:
                log.warning(
                    "answering %s %s events together failed; answering them one by one", len(chunk), self.inbox.channel
                )
            except Exception:  # the turns were kept but an answer failed: the events from it on are retried
                return self._failed_at(chunk, answered)
        for event_id, payload in chunk:
            try:
                self.inbox.handle_payload(event_id, payload)
            except Exception:
                return self._failed_at(chunk, answered)
            report(event_id)
        return True

    def _failed_at(self, chunk: list[tuple[str, dict[str, Any]]], answered: set[str]) -> bool:
        waiting = [event_id for event_id, _ in chunk if event_id not in answered]
        log.exception("handling %s event %s failed", self.inbox.channel, waiting[0])
        with self._lock:
            self._failed.append(waiting[0])  # retried after a pause; the resident's later events wait for it
            self._given_back.extend(waiting[1:])
        return False

    def flush(self) -> None:
        """Record the answered events as handled and give back the failed ones, in one transaction."""
        with self._lock:
            done, failed, given_back = self._done, self._failed, self._given_back
            self._done, self._failed, self._given_back = [], [], []
        if not (done or failed or given_back):
            return
        now = self.inbox.clock()
        try:
            with self.inbox.session_factory.begin() as session:
                if done:
                    mark_many_handled(session, done, now=now)
                if failed:  # the resident's later events wait for it: they stay in order
                    release_claims(session, failed, retry_at=now + RETRY_FAILED_AFTER)
                if given_back:
                    release_claims(session, given_back, retry_at=None)
        except SQLAlchemyError:
            with self._lock:  # the next round tries again; meanwhile the events stay claimed
                self._done[:0], self._failed[:0], self._given_back[:0] = done, failed, given_back
            raise
        if done:
            WEBHOOK_EVENTS_ANSWERED.labels(self.inbox.channel).inc(len(done))


class WebhookWorker:
    """Answers the events web processes stored, until stopped."""

    def __init__(self, services: Services, *, in_flight: int | None = None) -> None:
        settings = services.settings.webhooks
        self.poll_s = settings.poll_s
        self.executor = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="webhook-worker")
        self.bots = build_bots(services, self.executor, handle_here=True)
        self.services = services
        self._stop = threading.Event()
        self._wake = threading.Event()
        # Enough claimed events to keep every thread busy between two rounds of claiming.
        limit = in_flight or settings.threads * 32
        self.answerers = [
            BatchAnswerer(
                bot.inbox,
                self.executor,
                in_flight=limit,
                wake=self._wake,
                idle_poll_s=self.poll_s,
                threads=settings.threads,
            )
            for bot in self.bots
        ]
        self._thread: threading.Thread | None = None
        self._outage = OutageLog(log, "database", "polling webhook events")

    def poll_once(self) -> int:
        """One round: mark what was answered, claim more, now and then delete old events. How many were claimed."""
        for answerer in self.answerers:
            answerer.inbox.prune_if_due()
        return sum(answerer.step() for answerer in self.answerers)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                found = self.poll_once()
                self._outage.succeeded()
            except SQLAlchemyError as exc:  # the database may be restarting: try again at the next poll
                self._outage.failed(exc)
                found = 0
            if not found:
                # Answers finishing wake the poller (a resident's next event may be waiting on them to be marked).
                busy = any(answerer.busy for answerer in self.answerers)
                self._wake.wait(min(self.poll_s, 0.05) if busy else self.poll_s)
            self._stop.wait(ROUND_GAP_S)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="webhook-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.executor.shutdown(wait=True)
        for answerer in self.answerers:
            try:
                answerer.flush()  # what was answered while stopping is not answered again
            except SQLAlchemyError:
                log.exception("marking answered webhook events failed")
        self.services.flush_message_counts()  # the replies and pushes of its last seconds
