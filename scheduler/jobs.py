"""The scheduler: APScheduler 3 with its jobs in the database, run by one leader at a time.

Scheduled notices live in the ``notices`` table; every few seconds the leader's
tick makes the job store match them (a date job for "at", a cron job for
"recurring"), settles and expires notices, and makes abandoned deliveries
visible. A job that could not run on time runs late within the configured
misfire grace, or its notice is marked ``missed`` for officers to see; nothing
is dropped silently. Several ``civicast scheduler`` processes may run on
PostgreSQL: the one holding an advisory lock leads, the others wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select, text, update
from sqlalchemy.engine import Connection

from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus
from scheduler.fanout import NotDue
from scheduler.outbox import requeue_expired_leases
from scheduler.sending import Dispatch, copy_of_recurring, send_now, settle_and_expire

log = logging.getLogger("civicast.scheduler")

JOB_TICK = "civicast:tick"
NOTICE_JOB = "notice:{}"
JOBS_TABLE = "apscheduler_jobs"
LEADER_LOCK_KEY = 0x63697663 & 0x7FFFFFFF  # "civc": the advisory lock that makes one scheduler the leader

_runtime: SchedulerRuntime | None = None


# ----------------------------------------------------------------------------- job functions
# APScheduler stores jobs by reference ("scheduler.jobs:fire_notice"), so they are module-level
# and reach the running process's objects through the runtime the leader installed.


def fire_notice(notice_id: int) -> None:
    if _runtime is None:
        raise RuntimeError("the civicast scheduler runtime is not installed in this process")
    _runtime.fire(notice_id)


def tick() -> None:
    if _runtime is None:
        raise RuntimeError("the civicast scheduler runtime is not installed in this process")
    _runtime.tick()


class SchedulerRuntime:
    def __init__(self, dispatch: Dispatch, scheduler: BackgroundScheduler, *, misfire_grace_s: float) -> None:
        self.dispatch = dispatch
        self.scheduler = scheduler
        self.misfire_grace_s = misfire_grace_s

    def fire(self, notice_id: int) -> None:
        """A notice's time has come: send it, or for a recurring notice send this occurrence's copy."""
        now = self.dispatch.clock()
        with self.dispatch.session_factory.begin() as session:
            notice = session.get(Notice, notice_id)
            if notice is None or notice.status != NoticeStatus.SCHEDULED:
                log.info("notice %s is no longer scheduled; nothing to send", notice_id)
                return
            target = copy_of_recurring(session, notice, now).id if notice.recurrence else notice.id
        try:
            result = send_now(self.dispatch, target)
        except NotDue as exc:
            log.info("notice %s not sent: %s", target, exc)
            return
        log.info("notice %s fanned out: %d deliveries", target, result.deliveries)

    def tick(self) -> None:
        now = self.dispatch.clock()
        self.reconcile(now)
        with self.dispatch.session_factory.begin() as session:
            settled = settle_and_expire(session, now)
            requeued = requeue_expired_leases(session, now)
        if requeued:
            log.warning("%d deliveries whose worker stopped are queued again", requeued)
        if settled["expired"]:
            log.info("%d notices expired", settled["expired"])

    def reconcile(self, now: datetime) -> None:
        """Make the job store hold exactly one job per scheduled notice, at its current time."""
        with self.dispatch.session_factory() as session:
            scheduled = session.execute(select(Notice.id, Notice.send_at, Notice.recurrence).where(
                Notice.status == NoticeStatus.SCHEDULED.value)).all()
        wanted: dict[str, tuple[str, Any, int]] = {}
        for notice_id, send_at, recurrence in scheduled:
            if recurrence:
                trigger: Any = CronTrigger.from_crontab(recurrence, timezone=TAIPEI)
                description = f"notice {notice_id} every {recurrence}"
            elif send_at is not None:
                trigger = DateTrigger(run_date=send_at)
                description = f"notice {notice_id} at {send_at.isoformat()}"
            else:
                continue
            wanted[NOTICE_JOB.format(notice_id)] = (description, trigger, notice_id)
        existing = {job.id: job for job in self.scheduler.get_jobs() if job.id.startswith("notice:")}
        for job_id in existing:
            if job_id not in wanted:
                self.scheduler.remove_job(job_id)
        for job_id, (description, trigger, notice_id) in wanted.items():
            job = existing.get(job_id)
            if job is not None and job.name == description:
                continue
            self.scheduler.add_job(fire_notice, trigger, args=[notice_id], id=job_id, name=description,
                                   replace_existing=True)

    def on_missed(self, event: JobExecutionEvent) -> None:
        if not event.job_id.startswith("notice:"):
            return
        notice_id = int(event.job_id.split(":", 1)[1])
        with self.dispatch.session_factory.begin() as session:
            marked = session.execute(
                update(Notice).where(Notice.id == notice_id, Notice.status == NoticeStatus.SCHEDULED.value,
                                     Notice.recurrence.is_(None))
                .values(status=NoticeStatus.MISSED.value, updated_at=self.dispatch.clock())
            ).rowcount
        late = self.dispatch.clock() - event.scheduled_run_time
        log.error("notice %s missed its time by %s (grace %ss)%s", notice_id, late, self.misfire_grace_s,
                  ": marked missed" if marked else "")


# ----------------------------------------------------------------------------- leadership


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class SoleLeader:
    """One process, one scheduler (the embedded SQLite default): always the leader."""

    def try_acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass


class PostgresLeaderLock:
    """A session-level advisory lock on a connection kept open while leading."""

    def __init__(self, engine: Engine, key: int = LEADER_LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        try:
            connection = self.engine.connect()
            # Keyed by the schema too: two deployments sharing a database server each get a leader.
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"),
                                     {"key": self.key}).scalar()
            connection.commit()
        except Exception:
            log.exception("could not ask PostgreSQL for the leader lock")
            return False
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1")).scalar()
            self._connection.commit()
            return True
        except Exception:
            log.error("lost the connection that holds the leader lock")
            self._connection = None
            return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"),
                                         {"key": self.key})
                self._connection.commit()
                self._connection.close()
            except Exception:
                pass
            self._connection = None


def leader_lock_for(engine: Engine) -> LeaderLock:
    return PostgresLeaderLock(engine) if engine.dialect.name == "postgresql" else SoleLeader()


# ----------------------------------------------------------------------------- the service


class SchedulerService:
    """Waits to lead; while leading, runs APScheduler on the shared job store."""

    def __init__(self, dispatch: Dispatch, engine: Engine, *, misfire_grace_s: float, poll_s: float = 5.0,
                 lock: LeaderLock | None = None, on_leading: Callable[[bool], None] | None = None) -> None:
        if misfire_grace_s < 1:
            raise ValueError("misfire grace must be at least a second; APScheduler's 1 s default drops jobs")
        self.dispatch = dispatch
        self.engine = engine
        self.misfire_grace_s = misfire_grace_s
        self.poll_s = poll_s
        self.lock = lock or leader_lock_for(engine)
        self.on_leading = on_leading
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    def _lead(self) -> None:
        global _runtime
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"misfire_grace_time": int(self.misfire_grace_s), "coalesce": True, "max_instances": 1},
            timezone=TAIPEI,
        )
        runtime = SchedulerRuntime(self.dispatch, scheduler, misfire_grace_s=self.misfire_grace_s)
        _runtime = runtime
        scheduler.add_listener(runtime.on_missed, EVENT_JOB_MISSED)
        scheduler.start()
        scheduler.add_job(tick, IntervalTrigger(seconds=self.poll_s), id=JOB_TICK, name="civicast tick",
                          replace_existing=True, next_run_time=datetime.now(TAIPEI) + timedelta(milliseconds=50))
        self.scheduler = scheduler
        log.info("leading: scheduler started (misfire grace %ss)", self.misfire_grace_s)
        if self.on_leading:
            self.on_leading(True)

    def _step_down(self) -> None:
        global _runtime
        if self.scheduler is not None:
            # Not wait=True: APScheduler 3 holds its job-store lock while it waits for running jobs,
            # and the tick job needs that lock to finish: waiting would deadlock.
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            _runtime = None
            if self.on_leading:
                self.on_leading(False)
        self.lock.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.scheduler is None:
                if self.lock.try_acquire():
                    self._lead()
            elif not self.lock.still_held():
                log.error("stepping down: the leader lock is gone")
                self._step_down()
            self._stop.wait(self.poll_s)
        self._step_down()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="civicast-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
