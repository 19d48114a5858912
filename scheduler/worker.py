"""Workers: claim → render → send → record, for every channel, within each channel's rate.

Each channel has its own sender threads, as many as its rate needs, sharing
one token bucket. A database session is opened to claim and again to record,
never while a request to a platform is in flight. Retryable failures back off
exponentially with jitter and die after the configured attempts; permanent ones
die at once; an exhausted quota pauses the channel and says why.
"""

from __future__ import annotations

import logging
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from channels.base import Batch, Channel, ChannelError, PermanentError, QuotaExhausted, RetryableError, SendResult
from messages.log_context import log_context
from messages.metrics import CLAIM_LAG, DELIVERIES, DELIVERY_RECIPIENTS
from messages.outage import OutageLog
from scheduler.menu_switch import MenuSwitcher, outstanding_switches
from scheduler.outbox import (
    Claimed,
    claim,
    mark_failed,
    mark_sent,
    mark_sent_many,
    outstanding,
    pause_channel,
    release,
    settle_notices,
)
from scheduler.ratelimit import TokenBucket
from scheduler.render import NoticeRenderer

log = logging.getLogger("civicast.worker")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 2.0
    max_s: float = 300.0

    def delay(self, attempts: int, rng: random.Random, hint: float | None = None) -> float:
        """Exponential backoff with equal jitter; a platform's own hint (Retry-After) is a floor."""
        ceiling = min(self.max_s, self.base_s * 2 ** max(0, attempts - 1))
        delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
        return max(delay, hint or 0.0)


@dataclass(frozen=True)
class Released:
    """A claimed delivery handed back untried (the channel paused, the worker stopping)."""

    reason: str


@dataclass(frozen=True)
class WorkerSettings:
    worker_id: str
    lease_s: float = 60.0
    claim_batch: int = 10
    poll_s: float = 0.5
    rate_share: float = 1.0  # this process's share of each channel's rate
    rates: Mapping[str, float] | None = None  # requests per second per channel, overriding the channel's own
    record_interval_s: float = 0.1  # outcomes are written together, at most this long after the send
    max_threads: int = 6  # sender threads per channel, at most (the GIL gains nothing from more)
    retry: RetryPolicy = RetryPolicy()


_COUNTER_OF = {"sent": "sent", "duplicate": "duplicates", "retry": "retries", "dead": "dead"}  # Worker.counters


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; civicast stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def threads_for(rate: float, expected_latency_s: float = 0.05, most: int = 6) -> int:
    """Enough senders to keep the channel's rate busy at the expected latency."""
    return max(1, min(most, math.ceil(rate * expected_latency_s)))


class Worker:
    def __init__(
        self,
        *,
        session_factory: sessionmaker,
        channels: Mapping[str, Channel],
        renderer: NoticeRenderer,
        settings: WorkerSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        sandboxed_channels: Mapping[str, Channel] | None = None,
        menu_switcher: MenuSwitcher | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.channels = dict(channels)
        # Where a sandboxed notice's deliveries go (live mode: simulated channels); None: the usual channels.
        self.sandboxed_channels = dict(sandboxed_channels) if sandboxed_channels is not None else None
        self.renderer = renderer
        self.menu_switcher = menu_switcher  # LINE rich-menu switches (disaster mode), on a thread of their own
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.buckets = {name: TokenBucket(self._rate(name) * settings.rate_share) for name in self.channels}
        self.stop_event = threading.Event()
        self._outcomes: queue.Queue[tuple[Claimed, SendResult | Exception | Released] | None] = queue.Queue()
        self._recorder_thread: threading.Thread | None = None
        self._paused_here: set[str] = set()  # channels this process saw refuse for quota, until written
        self._hungry = {name: threading.Event() for name in self.channels}  # senders want more work
        self.counters: dict[str, int] = {"sent": 0, "duplicates": 0, "retries": 0, "dead": 0}
        self._counter_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._record_outage = OutageLog(log, "database", "recording outcomes", unit="write")

    def _rate(self, channel: str) -> float:
        override = (self.settings.rates or {}).get(channel)
        return override if override else self.channels[channel].limits.requests_per_second

    def _count(self, outcome: str, item: Claimed) -> None:
        """One recorded outcome (sent, duplicate, retry, dead, released), counted once its write is committed."""
        key = _COUNTER_OF.get(outcome)
        if key is not None:
            with self._counter_lock:
                self.counters[key] += 1
        DELIVERIES.labels(item.channel, item.language, outcome).inc()
        DELIVERY_RECIPIENTS.labels(item.channel, item.language, outcome).inc(len(item.recipients))

    # ------------------------------------------------------------------ one delivery

    def _claim(self, channel: str) -> list[Claimed]:
        now = self.clock()
        with self.session_factory.begin() as session:
            claimed = claim(
                session,
                worker=self.settings.worker_id,
                channels=[channel],
                now=now,
                lease=timedelta(seconds=self.settings.lease_s),
                limit=self.settings.claim_batch,
            )
        lag = CLAIM_LAG.labels(channel)
        for item in claimed:
            if item.due_at is not None:
                lag.observe(max(0.0, (now - _aware(item.due_at)).total_seconds()))
        return claimed

    def _apply(self, session: Session, item: Claimed, outcome: SendResult | Exception | Released, now: datetime) -> str:
        """Write one outcome (in the caller's transaction); what it was, for the counters."""
        worker = self.settings.worker_id
        if isinstance(outcome, Released):
            release(session, item.id, worker=worker, now=now, reason=outcome.reason)
            return "released"
        if isinstance(outcome, SendResult):
            mark_sent(
                session,
                item.id,
                worker=worker,
                now=now,
                platform_request_id=outcome.platform_request_id,
                duplicate=outcome.duplicate,
            )
            return "duplicate" if outcome.duplicate else "sent"
        if isinstance(outcome, QuotaExhausted):
            pause_channel(session, item.channel, str(outcome), now)
            release(session, item.id, worker=worker, now=now, reason=f"channel paused: {outcome}")
            log.error("channel %s paused: %s", item.channel, outcome)
            return "released"
        if isinstance(outcome, RetryableError) and item.attempts < self.settings.retry.max_attempts:
            delay = self.settings.retry.delay(item.attempts, self.rng, outcome.delay_s)
            mark_failed(
                session, item.id, worker=worker, now=now, error=str(outcome), retry_at=now + timedelta(seconds=delay)
            )
            return "retry"
        why = str(outcome) if isinstance(outcome, ChannelError) else f"{type(outcome).__name__}: {outcome}"
        if isinstance(outcome, RetryableError):
            why = f"gave up after {item.attempts} attempts: {why}"
        mark_failed(session, item.id, worker=worker, now=now, error=why, retry_at=None)
        return "dead"

    def send_one(self, item: Claimed) -> SendResult | Exception:
        """Send one claimed delivery; the outcome, success or civicast error, is returned, never raised."""
        with log_context(notice_id=item.notice_id, delivery_id=item.id):
            return self._send_one(item)

    def _send_one(self, item: Claimed) -> SendResult | Exception:
        channel = self.channels[item.channel]
        try:
            notices = self.renderer.notices(item.notice_id, item.language)
            if self.sandboxed_channels is not None and any(n.sandboxed for n in notices.values()):
                return self.sandboxed_channels[item.channel].send(Batch(item.id, notices, item.recipients))
            self.buckets[item.channel].acquire()
            return channel.send(Batch(item.id, notices, item.recipients))
        except (RetryableError, PermanentError, QuotaExhausted) as exc:
            if isinstance(exc, RetryableError) and exc.status == 429:
                self.buckets[item.channel].drain()
            return exc
        except LookupError as exc:  # the notice is gone
            return PermanentError(str(exc))
        except Exception as exc:  # a bug must not kill the sender thread; the attempt counts
            log.exception("unexpected error sending delivery %s", item.id)
            return RetryableError(f"unexpected {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------ recording

    def _recorder(self) -> None:
        """Writes outcomes in groups: one transaction for everything sent in the last few milliseconds.

        Safe because every send carries its retry key: a worker that dies with outcomes
        unwritten has its deliveries re-sent after the lease, and the platform answers 409.
        """
        pending: list[tuple[Claimed, SendResult | Exception | Released]] = []
        finishing = False
        while True:
            try:
                entry = self._outcomes.get(timeout=self.settings.record_interval_s)
                if entry is None:
                    finishing = True
                else:
                    pending.append(entry)
                while len(pending) < 500:
                    entry = self._outcomes.get_nowait()
                    if entry is None:
                        finishing = True
                    else:
                        pending.append(entry)
            except queue.Empty:
                pass
            if pending:
                try:
                    now = self.clock()
                    sent = [
                        (item.id, outcome.platform_request_id, outcome.duplicate)
                        for item, outcome in pending
                        if isinstance(outcome, SendResult)
                    ]
                    recorded: list[tuple[Claimed, str]] = []
                    with self.session_factory.begin() as session:
                        mark_sent_many(session, sent, worker=self.settings.worker_id, now=now)
                        for item, outcome in pending:
                            if isinstance(outcome, SendResult):
                                recorded.append((item, "duplicate" if outcome.duplicate else "sent"))
                                continue
                            with log_context(notice_id=item.notice_id, delivery_id=item.id):
                                recorded.append((item, self._apply(session, item, outcome, now)))
                except SQLAlchemyError as exc:  # keep them and try again shortly; the leases cover the wait
                    self._record_outage.failed(exc)
                    time.sleep(self.settings.record_interval_s)
                    continue
                except Exception:
                    log.exception("recording %d outcomes failed; retrying", len(pending))
                    time.sleep(self.settings.record_interval_s)
                    continue
                self._record_outage.succeeded()
                for item, what in recorded:  # after the commit: a failed write is tried again, not counted twice
                    self._count(what, item)
                self._settle({item.notice_id for item, _ in pending})
                for _ in pending:
                    self._outcomes.task_done()
                pending = []
            if finishing and self._outcomes.empty():
                return

    def _settle(self, notice_ids: set[int]) -> None:
        """The notices whose last deliveries were just recorded become sent, whether or not a scheduler runs.

        A transaction of its own, after the outcomes' commit: see ``settle_notices``."""
        try:
            with self.session_factory.begin() as session:
                settle_notices(session, notice_ids, self.clock())
        except SQLAlchemyError as exc:  # the scheduler's tick settles them too
            self._record_outage.failed(exc)
        except Exception:
            log.exception("settling notices %s failed", sorted(notice_ids))

    # ------------------------------------------------------------------ the loops

    def _feeder(self, channel: str, work: queue.Queue[Claimed]) -> None:
        """The channel's one claimer: keeps its senders supplied without them racing for the database."""
        low_water = max(1, self.settings.claim_batch // 2)
        hungry = self._hungry[channel]
        outage = OutageLog(log, "database", f"claiming {channel} deliveries")
        while not self.stop_event.is_set():
            if work.qsize() >= low_water or channel in self._paused_here:
                hungry.clear()
                hungry.wait(self.settings.poll_s)  # a sender asks for more when the queue runs low
                if channel in self._paused_here and work.empty():
                    self._paused_here.discard(channel)  # the pause is written: claiming skips paused channels
                continue
            try:
                items = self._claim(channel)
            except SQLAlchemyError as exc:  # the database is briefly unavailable: wait and try again
                outage.failed(exc)
                self.stop_event.wait(self.settings.poll_s)
                continue
            except Exception:
                log.exception("claiming %s deliveries failed", channel)
                self.stop_event.wait(self.settings.poll_s)
                continue
            outage.succeeded()
            if not items:
                self.stop_event.wait(self.settings.poll_s)
                continue
            for item in items:
                work.put(item)
        self._drain(work, "worker stopping")

    def _sender(self, channel: str, work: queue.Queue[Claimed]) -> None:
        low_water = max(1, self.settings.claim_batch // 2)
        hungry = self._hungry[channel]
        while not self.stop_event.is_set():
            if work.qsize() < low_water:
                hungry.set()
            try:
                item = work.get(timeout=self.settings.poll_s)
            except queue.Empty:
                continue
            if channel in self._paused_here:
                self._outcomes.put((item, Released("channel paused")))
                continue
            outcome = self.send_one(item)
            self._outcomes.put((item, outcome))
            if isinstance(outcome, QuotaExhausted):
                self._paused_here.add(channel)
                self._drain(work, f"channel paused: {outcome}")

    def _drain(self, work: queue.Queue[Claimed], reason: str) -> None:
        while True:
            try:
                self._outcomes.put((work.get_nowait(), Released(reason)))
            except queue.Empty:
                return

    def start(self) -> None:
        self.stop_event.clear()
        self._recorder_thread = threading.Thread(target=self._recorder, name="record-outcomes", daemon=True)
        self._recorder_thread.start()
        if self.menu_switcher is not None:
            switcher = threading.Thread(
                target=self.menu_switcher.run, args=(self.stop_event,), name="switch-menus", daemon=True
            )
            switcher.start()
            self._threads.append(switcher)
        for name in self.channels:
            work: queue.Queue[Claimed] = queue.Queue()
            feeder = threading.Thread(target=self._feeder, args=(name, work), name=f"claim-{name}", daemon=True)
            feeder.start()
            self._threads.append(feeder)
            for n in range(threads_for(self._rate(name) * self.settings.rate_share, most=self.settings.max_threads)):
                thread = threading.Thread(target=self._sender, args=(name, work), name=f"send-{name}-{n}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming, finish the sends in flight, write every outcome, then return."""
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        if self._recorder_thread is not None:
            self._outcomes.put(None)
            self._recorder_thread.join(max(0.0, deadline - time.monotonic()))
            self._recorder_thread = None

    def run_until_done(self, timeout: float = 600.0, notice_id: int | None = None) -> bool:
        """Send until nothing is outstanding (or the timeout passes); True when all finished."""
        self.start()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                with self.session_factory() as session:
                    switching = outstanding_switches(session) if self.menu_switcher is not None else 0
                    if outstanding(session, notice_id) + switching == 0:
                        return True
                time.sleep(0.1)
            return False
        finally:
            self.stop()
