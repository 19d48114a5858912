"""Sending the rich-menu switches that ``scheduler.menus`` queued: claim → bulk link → record, like deliveries.

A worker claims due ``menu_switches`` rows with a lease (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), sends each
through LINE's bulk link endpoint (``POST /v2/bot/richmenu/bulk/link``, ≤ 500 users, within its own token
bucket) and records the outcome: accepted, retried with backoff (a 429 also empties the bucket), or dead.
Just before sending, a batch keeps only the residents still due that menu (the mode may have flipped since it
was queued, and a newer batch then decides); their ``rich_menu_kind`` is written only once LINE accepted it.
No session is open while a request is in flight.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from channels.base import ChannelError, RetryableError
from messages.outage import OutageLog
from scheduler.audience import Subscriber
from scheduler.menus import LINE, MenuSwitch, MenuSwitchStatus
from scheduler.ratelimit import TokenBucket

log = logging.getLogger("civicast.menu_switch")

# LINE's bulk link endpoint falls under "other endpoints": 2,000 requests per second per channel.
BULK_LINK_RATE = 2000.0
CLAIMABLE = (MenuSwitchStatus.PENDING.value, MenuSwitchStatus.FAILED.value)
OUTSTANDING = (MenuSwitchStatus.PENDING.value, MenuSwitchStatus.CLAIMED.value, MenuSwitchStatus.FAILED.value)


class Linker(Protocol):
    def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: list[str]) -> None: ...


class Backoff(Protocol):
    @property
    def max_attempts(self) -> int: ...  # read-only: the worker's RetryPolicy is a frozen dataclass

    def delay(self, attempts: int, rng: random.Random, hint: float | None = None) -> float: ...


@dataclass(frozen=True)
class ClaimedSwitch:
    id: str
    kind: str
    rich_menu_id: str
    user_ids: tuple[str, ...]
    attempts: int


def claim_switches(
    session: Session, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
) -> list[ClaimedSwitch]:
    """Take up to ``limit`` due switches (or ones whose worker's lease ran out), leased to this worker."""
    table = MenuSwitch.__table__
    due = or_(
        and_(table.c.status.in_(CLAIMABLE), table.c.next_attempt_at <= now),
        and_(table.c.status == MenuSwitchStatus.CLAIMED.value, table.c.lease_expires_at < now),
    )
    candidates = select(table.c.id).where(due).order_by(table.c.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    picked = candidates.cte("picked")
    rows = (
        session.connection()
        .execute(
            update(table)
            .where(table.c.id == picked.c.id, due)
            .values(
                status=MenuSwitchStatus.CLAIMED.value,
                claimed_by=worker,
                lease_expires_at=now + lease,
                attempts=table.c.attempts + 1,
                updated_at=now,
            )
            .returning(table.c.id, table.c.kind, table.c.rich_menu_id, table.c.user_ids, table.c.attempts)
        )
        .all()
    )
    return [ClaimedSwitch(row[0], row[1], row[2], tuple(row[3] or ()), row[4]) for row in rows]


def _target_is(kind: str) -> Any:
    # Through a function, so the database looks the 500 users up by id rather than walking the index of
    # everyone in disaster mode (SQLite, without statistics, would pick the latter).
    return func.coalesce(Subscriber.rich_menu_target, "") == kind


def still_due(session: Session, kind: str, user_ids: tuple[str, ...]) -> list[str]:
    """Those of these residents who are still to get this kind of menu."""
    return list(
        session.scalars(
            select(Subscriber.platform_user_id).where(
                Subscriber.channel == LINE, Subscriber.platform_user_id.in_(user_ids), _target_is(kind)
            )
        )
    )


def _owned(switch_id: str, worker: str) -> Any:
    table = MenuSwitch.__table__
    return and_(table.c.id == switch_id, table.c.status == MenuSwitchStatus.CLAIMED.value, table.c.claimed_by == worker)


def record_linked(session: Session, switch: ClaimedSwitch, linked: list[str], *, worker: str, now: datetime) -> bool:
    """LINE accepted the batch: the residents now have that kind of menu (unless another was queued meanwhile)."""
    done = (
        session.connection()
        .execute(
            update(MenuSwitch.__table__)
            .where(_owned(switch.id, worker))
            .values(
                status=MenuSwitchStatus.SENT.value,
                linked_count=len(linked),
                sent_at=now,
                lease_expires_at=None,
                last_error=None,
                updated_at=now,
            )
        )
        .rowcount
        == 1
    )
    if done and linked:
        session.execute(
            update(Subscriber)
            .where(Subscriber.channel == LINE, Subscriber.platform_user_id.in_(linked), _target_is(switch.kind))
            .values(rich_menu_kind=switch.kind),
            execution_options={"synchronize_session": False},
        )
    return done


def record_failed(
    session: Session, switch: ClaimedSwitch, error: str, *, worker: str, now: datetime, retry_at: datetime | None
) -> bool:
    """Failed: retried at ``retry_at``, or dead when that is None. A dead batch's residents are marked back as
    having the menu LINE last accepted for them, so the scheduler's tick queues them again (after a pause) rather
    than taking them for switched."""
    status = MenuSwitchStatus.DEAD if retry_at is None else MenuSwitchStatus.FAILED
    done = (
        session.connection()
        .execute(
            update(MenuSwitch.__table__)
            .where(_owned(switch.id, worker))
            .values(
                status=status.value,
                last_error=error[:2000],
                lease_expires_at=None,
                next_attempt_at=retry_at or now,
                updated_at=now,
            )
        )
        .rowcount
        == 1
    )
    if done and status is MenuSwitchStatus.DEAD and switch.user_ids:
        session.execute(
            update(Subscriber)
            .where(
                Subscriber.channel == LINE, Subscriber.platform_user_id.in_(switch.user_ids), _target_is(switch.kind)
            )
            .values(rich_menu_target=Subscriber.rich_menu_kind),
            execution_options={"synchronize_session": False},
        )
    return done


def outstanding_switches(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(MenuSwitch).where(MenuSwitch.status.in_(OUTSTANDING))) or 0
    )


def switch_progress(session: Session, notice_id: int) -> dict[str, dict[str, int]] | None:
    """For the notice that began or ended disaster mode: per menu kind, batches done / pending / failed and the
    residents queued and switched; None when it switched nobody."""
    rows = session.execute(
        select(
            MenuSwitch.kind,
            MenuSwitch.status,
            func.count(),
            func.sum(MenuSwitch.user_count),
            func.sum(MenuSwitch.linked_count),
        )
        .where(MenuSwitch.notice_id == notice_id)
        .group_by(MenuSwitch.kind, MenuSwitch.status)
    ).all()
    if not rows:
        return None
    progress: dict[str, dict[str, int]] = {}
    for kind, status, batches, users, linked in rows:
        entry = progress.setdefault(kind, {"done": 0, "pending": 0, "failed": 0, "residents": 0, "switched": 0})
        bucket = {MenuSwitchStatus.SENT.value: "done", MenuSwitchStatus.DEAD.value: "failed"}.get(status, "pending")
        entry[bucket] += int(batches)
        entry["residents"] += int(users or 0)
        entry["switched"] += int(linked or 0)
    return progress


class MenuSwitcher:
    """A worker's sender of menu switches: one thread, its own share of the bulk link rate."""

    def __init__(
        self,
        *,
        session_factory: sessionmaker,
        line: Linker,
        worker_id: str,
        retry: Backoff,
        rate: float = BULK_LINK_RATE,
        lease_s: float = 60.0,
        claim_batch: int = 10,
        poll_s: float = 0.5,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.line = line
        self.worker_id = worker_id
        self.retry = retry
        self.bucket = TokenBucket(rate)
        self.lease = timedelta(seconds=lease_s)
        self.claim_batch = claim_batch
        self.poll_s = poll_s
        self.clock = clock
        self.rng = rng or random.Random()
        self.counters = {"switched": 0, "retries": 0, "dead": 0}

    def send_one(self, switch: ClaimedSwitch) -> None:
        with self.session_factory() as session:
            users = still_due(session, switch.kind, switch.user_ids)
        outcome: Exception | None = None
        if users:
            self.bucket.acquire()
            try:
                self.line.link_rich_menu_to_users(switch.rich_menu_id, users)
            except ChannelError as exc:
                outcome = exc
            except Exception as exc:  # a bug must not kill the thread; the attempt counts
                log.exception("unexpected error sending menu switch %s", switch.id)
                outcome = RetryableError(f"unexpected {type(exc).__name__}: {exc}")
        now = self.clock()
        with self.session_factory.begin() as session:
            if outcome is None:
                record_linked(session, switch, users, worker=self.worker_id, now=now)
                self.counters["switched"] += len(users)
            elif isinstance(outcome, RetryableError) and switch.attempts < self.retry.max_attempts:
                if outcome.status == 429:
                    self.bucket.drain()
                delay = self.retry.delay(switch.attempts, self.rng, outcome.delay_s)
                record_failed(
                    session,
                    switch,
                    str(outcome),
                    worker=self.worker_id,
                    now=now,
                    retry_at=now + timedelta(seconds=delay),
                )
                self.counters["retries"] += 1
            else:
                why = (
                    str(outcome)
                    if not isinstance(outcome, RetryableError)
                    else f"gave up after {switch.attempts} attempts: {outcome}"
                )
                record_failed(session, switch, why, worker=self.worker_id, now=now, retry_at=None)
                self.counters["dead"] += 1
                log.error("menu switch %s dead: %s", switch.id, why)

    def run_once(self) -> int:
        """Claim and send what is due now; how many switches were handled."""
        with self.session_factory.begin() as session:
            claimed = claim_switches(
                session, worker=self.worker_id, now=self.clock(), lease=self.lease, limit=self.claim_batch
            )
        for switch in claimed:
            self.send_one(switch)
        return len(claimed)

    def run(self, stop: threading.Event) -> None:
        outage = OutageLog(log, "database", "sending menu switches")
        while not stop.is_set():
            try:
                handled = self.run_once()
                outage.succeeded()
            except SQLAlchemyError as exc:  # the database is briefly unavailable: wait and try again
                outage.failed(exc)
                handled = 0
            except Exception:
                log.exception("sending menu switches failed")
                handled = 0
            if not handled:
                stop.wait(self.poll_s)
