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
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import sessionmaker

from channels.base import Batch, Channel, ChannelError, PermanentError, QuotaExhausted, RetryableError, SendResult
from scheduler.outbox import Claimed, claim, mark_failed, mark_sent, outstanding, pause_channel, release
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
class WorkerSettings:
    worker_id: str
    lease_s: float = 60.0
    claim_batch: int = 10
    poll_s: float = 0.5
    rate_share: float = 1.0  # this process's share of each channel's rate
    rates: Mapping[str, float] | None = None  # requests per second per channel, overriding the channel's own
    retry: RetryPolicy = RetryPolicy()


def threads_for(rate: float, expected_latency_s: float = 0.05, most: int = 16) -> int:
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
    ) -> None:
        self.session_factory = session_factory
        self.channels = dict(channels)
        self.renderer = renderer
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.buckets = {
            name: TokenBucket(self._rate(name) * settings.rate_share)
            for name in self.channels
        }
        self.stop_event = threading.Event()
        self.counters: dict[str, int] = {"sent": 0, "duplicates": 0, "retries": 0, "dead": 0}
        self._counter_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _rate(self, channel: str) -> float:
        override = (self.settings.rates or {}).get(channel)
        return override if override else self.channels[channel].limits.requests_per_second

    def _count(self, key: str) -> None:
        with self._counter_lock:
            self.counters[key] += 1

    # ------------------------------------------------------------------ one delivery

    def _claim(self, channel: str) -> list[Claimed]:
        now = self.clock()
        with self.session_factory.begin() as session:
            return claim(session, worker=self.settings.worker_id, channels=[channel], now=now,
                         lease=timedelta(seconds=self.settings.lease_s), limit=self.settings.claim_batch)

    def _record(self, item: Claimed, outcome: SendResult | Exception) -> None:
        now = self.clock()
        worker = self.settings.worker_id
        with self.session_factory.begin() as session:
            if isinstance(outcome, SendResult):
                mark_sent(session, item.id, worker=worker, now=now, platform_request_id=outcome.platform_request_id,
                          duplicate=outcome.duplicate)
                self._count("duplicates" if outcome.duplicate else "sent")
            elif isinstance(outcome, QuotaExhausted):
                pause_channel(session, item.channel, str(outcome), now)
                release(session, item.id, worker=worker, now=now, reason=f"channel paused: {outcome}")
                log.error("channel %s paused: %s", item.channel, outcome)
            elif isinstance(outcome, RetryableError) and item.attempts < self.settings.retry.max_attempts:
                delay = self.settings.retry.delay(item.attempts, self.rng, outcome.delay_s)
                mark_failed(session, item.id, worker=worker, now=now, error=str(outcome),
                            retry_at=now + timedelta(seconds=delay))
                self._count("retries")
            else:
                why = str(outcome) if isinstance(outcome, ChannelError) else f"{type(outcome).__name__}: {outcome}"
                if isinstance(outcome, RetryableError):
                    why = f"gave up after {item.attempts} attempts: {why}"
                mark_failed(session, item.id, worker=worker, now=now, error=why, retry_at=None)
                self._count("dead")

    def send_one(self, item: Claimed) -> SendResult | Exception:
        channel = self.channels[item.channel]
        try:
            notices = self.renderer.notices(item.notice_id, item.language)
            self.buckets[item.channel].acquire()
            outcome: SendResult | Exception = channel.send(Batch(item.id, notices, item.recipients))
        except (RetryableError, PermanentError, QuotaExhausted) as exc:
            outcome = exc
            if isinstance(exc, RetryableError) and exc.status == 429:
                self.buckets[item.channel].drain()
        except LookupError as exc:  # the notice is gone
            outcome = PermanentError(str(exc))
        except Exception as exc:  # a bug must not kill the sender thread; the attempt counts
            log.exception("unexpected error sending delivery %s", item.id)
            outcome = RetryableError(f"unexpected {type(exc).__name__}: {exc}")
        self._record(item, outcome)
        return outcome

    # ------------------------------------------------------------------ the loops

    def _sender(self, channel: str) -> None:
        while not self.stop_event.is_set():
            try:
                items = self._claim(channel)
            except Exception:  # the database is briefly unavailable: wait and try again
                log.exception("claiming %s deliveries failed", channel)
                self.stop_event.wait(self.settings.poll_s)
                continue
            if not items:
                self.stop_event.wait(self.settings.poll_s)
                continue
            for index, item in enumerate(items):
                if self.stop_event.is_set():
                    break
                outcome = self.send_one(item)
                if isinstance(outcome, QuotaExhausted):
                    self._release_rest(items[index + 1:], str(outcome))
                    break

    def _release_rest(self, items: list[Claimed], reason: str) -> None:
        now = self.clock()
        with self.session_factory.begin() as session:
            for item in items:
                release(session, item.id, worker=self.settings.worker_id, now=now, reason=reason)

    def start(self) -> None:
        for name in self.channels:
            for n in range(threads_for(self._rate(name) * self.settings.rate_share)):
                thread = threading.Thread(target=self._sender, args=(name,), name=f"send-{name}-{n}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def run_until_done(self, timeout: float = 600.0, notice_id: int | None = None) -> bool:
        """Send until nothing is outstanding (or the timeout passes); True when all finished."""
        self.start()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                with self.session_factory() as session:
                    if outstanding(session, notice_id) == 0:
                        return True
                time.sleep(0.1)
            return False
        finally:
            self.stop()
