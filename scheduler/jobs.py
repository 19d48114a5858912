"""The scheduler: APScheduler 3 with its jobs in the database, run by one leader at a time.

Scheduled notices live in the ``notices`` table; every few seconds the leader's
tick makes the job store match them (a date job for "at", a cron job for
"recurring"), catches up on occurrences nobody sent (``scheduler.occurrences``),
settles and expires notices, and makes abandoned deliveries visible. An
occurrence that could not go out on time goes out late within the configured
misfire grace, or is recorded ``missed`` for officers to see; nothing is dropped
silently, and the database, not APScheduler, says what has gone out. Several
``civicast scheduler`` processes may run on PostgreSQL: the one holding an
advisory lock (``scheduler.leadership``) leads, the others wait; a leader checks
that it still holds the lock right before it sends anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus
from messages.outage import OutageLog
from scheduler.leadership import LeaderLock, leader_lock_for
from scheduler.menus import queue_menu_switches
from scheduler.occurrences import Leading, Occurrences
from scheduler.outbox import requeue_expired_leases
from scheduler.recurrence import cron_trigger
from scheduler.said import late_beyond_grace
from scheduler.sending import Dispatch, resume_stalled_fan_outs, settle_and_expire

log = logging.getLogger("civicast.scheduler")

JOB_TICK = "civicast:tick"
NOTICE_JOB = "notice:{}"
PERIODIC_EXECUTOR = "periodic"  # its own threads: a slow periodic job (a feed timing out) never delays a notice
JOBS_TABLE = "apscheduler_jobs"

_runtime: SchedulerRuntime | None = None


# ----------------------------------------------------------------------------- job functions
# APScheduler stores jobs by reference ("scheduler.jobs:fire_notice"), so they are module-level
# and reach the running process's objects through the runtime the leader installed.


def leading_here() -> bool:
    """Whether a scheduler in this process leads now (the embedded SQLite default's metrics ask)."""
    return _runtime is not None


def fire_notice(notice_id: int) -> None:
    if _runtime is None:
        raise RuntimeError("the civicast scheduler runtime is not installed in this process")
    _runtime.fire(notice_id)


def tick() -> None:
    if _runtime is None:
        raise RuntimeError("the civicast scheduler runtime is not installed in this process")
    _runtime.tick()


def run_periodic(job_id: str) -> None:
    if _runtime is None:
        raise RuntimeError("the civicast scheduler runtime is not installed in this process")
    _runtime.run_periodic(job_id)


class PeriodicJob(NamedTuple):
    """Something the leader runs every ``every_s`` seconds besides notices (polling a feed, say)."""

    run: Callable[[], object]
    every_s: float


class SchedulerRuntime:
    def __init__(
        self,
        dispatch: Dispatch,
        scheduler: BackgroundScheduler,
        *,
        misfire_grace_s: float,
        is_leading: Leading = lambda: True,
        periodic: Mapping[str, PeriodicJob] | None = None,
    ) -> None:
        self.dispatch = dispatch
        self.scheduler = scheduler
        self.misfire_grace_s = misfire_grace_s
        self.is_leading = is_leading
        self.periodic = dict(periodic or {})
        self.occurrences = Occurrences(dispatch, misfire_grace_s=misfire_grace_s, is_leading=is_leading)
        self._outage = OutageLog(log, "database", "ticking")  # not a traceback from APScheduler every tick

    def run_periodic(self, job_id: str) -> None:
        """Run a periodic job; its failure is logged, and the job runs again at its next time."""
        job = self.periodic.get(job_id)
        if job is None:
            log.warning(
                "periodic job %s is not known to this process; it is removed when a scheduler next leads", job_id
            )
            return
        if not self.is_leading():
            log.error("not running %s: this scheduler no longer leads", job_id)
            return
        try:
            job.run()
        except Exception:
            log.exception("periodic job %s failed", job_id)

    def fire(self, notice_id: int) -> None:
        """A notice's time has come: send it, or for a recurring notice its occurrence (once, whoever else tries)."""
        self.occurrences.fire(notice_id)

    def tick(self) -> None:
        try:
            self._tick()
        except SQLAlchemyError as exc:  # the next tick tries again
            self._outage.failed(exc)
            return
        self._outage.succeeded()

    def _tick(self) -> None:
        if not self.is_leading():
            log.error("not ticking: this scheduler no longer leads")
            return
        now = self.dispatch.clock()
        self.reconcile(now)
        caught = self.occurrences.catch_up()
        if caught.sent or caught.missed:
            log.warning(
                "caught up: %d notices sent late within the grace, %d recorded missed",
                len(caught.sent),
                len(caught.missed),
            )
        resume_stalled_fan_outs(self.dispatch)
        with self.dispatch.session_factory.begin() as session:
            settled = settle_and_expire(session, now)
            requeued = requeue_expired_leases(session, now)
        self.switch_menus(now)
        if requeued:
            log.warning("%d deliveries whose worker stopped are queued again", requeued)
        if settled["expired"]:
            log.info("%d notices expired", settled["expired"])

    def switch_menus(self, now: datetime) -> None:
        """Disaster mode: queue the rich-menu switches that make each LINE resident's menu match the notices now."""
        try:
            with self.dispatch.session_factory.begin() as session:
                queue_menu_switches(session, now, kinds=self.dispatch.composer.kinds, glossary=self.dispatch.glossary)
        except Exception:  # the next tick tries again; notices go out regardless
            log.exception("queueing rich-menu switches failed")

    def reconcile(self, now: datetime) -> None:
        """Make the job store hold exactly one job per scheduled notice, at its current time."""
        with self.dispatch.session_factory() as session:
            scheduled = session.execute(
                select(Notice.id, Notice.send_at, Notice.recurrence).where(
                    Notice.status == NoticeStatus.SCHEDULED.value
                )
            ).all()
        wanted: dict[str, tuple[str, Any, int]] = {}
        for notice_id, send_at, recurrence in scheduled:
            if recurrence:
                trigger: Any = cron_trigger(recurrence)
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
            self.scheduler.add_job(
                fire_notice, trigger, args=[notice_id], id=job_id, name=description, replace_existing=True
            )

    def on_missed(self, event: JobExecutionEvent) -> None:
        """APScheduler could not run a job within the grace. A one-off notice is marked missed here; a recurring
        one's occurrences are the catch-up's (which sends in the tick's thread, not APScheduler's)."""
        if not event.job_id.startswith("notice:"):
            return
        notice_id = int(event.job_id.split(":", 1)[1])
        late = self.dispatch.clock() - event.scheduled_run_time
        grace = timedelta(seconds=self.misfire_grace_s)
        self.occurrences.mark_missed(notice_id, why=late_beyond_grace(late, grace))


# ----------------------------------------------------------------------------- the service


class SchedulerService:
    """Waits to lead; while leading, runs APScheduler on the shared job store."""

    def __init__(
        self,
        dispatch: Dispatch,
        engine: Engine,
        *,
        misfire_grace_s: float,
        poll_s: float = 5.0,
        lock: LeaderLock | None = None,
        on_leading: Callable[[bool], None] | None = None,
        periodic: Mapping[str, tuple[Callable[[], object], float]] | None = None,
    ) -> None:
        if misfire_grace_s < 1:
            raise ValueError("misfire grace must be at least a second; APScheduler's 1 s default drops jobs")
        self.periodic = {job_id: PeriodicJob(*job) for job_id, job in (periodic or {}).items()}
        for job_id, job in self.periodic.items():
            if job_id == JOB_TICK or job_id.startswith(NOTICE_JOB.format("")):
                raise ValueError(f"periodic job id {job_id!r} is the scheduler's own")
            if not job.every_s > 0:
                raise ValueError(f"periodic job {job_id!r} must run every so many seconds, more than 0")
        self.dispatch = dispatch
        self.engine = engine
        self.misfire_grace_s = misfire_grace_s
        self.poll_s = poll_s
        self.lock = lock or leader_lock_for(engine)
        self.on_leading = on_leading
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()  # set when a sender found the lock gone: step down now, not at the next poll
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    def _lead(self) -> None:
        global _runtime
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(4), PERIODIC_EXECUTOR: ThreadPoolExecutor(2)},
            job_defaults={"misfire_grace_time": int(self.misfire_grace_s), "coalesce": True, "max_instances": 1},
            timezone=TAIPEI,
        )
        runtime = SchedulerRuntime(
            self.dispatch,
            scheduler,
            misfire_grace_s=self.misfire_grace_s,
            is_leading=self._still_leading,
            periodic=self.periodic,
        )
        _runtime = runtime
        scheduler.add_listener(runtime.on_missed, EVENT_JOB_MISSED)
        scheduler.start()
        scheduler.add_job(
            tick,
            IntervalTrigger(seconds=self.poll_s),
            id=JOB_TICK,
            name="civicast tick",
            replace_existing=True,
            next_run_time=datetime.now(TAIPEI) + timedelta(milliseconds=50),
        )
        self._schedule_periodic(scheduler)
        self.scheduler = scheduler
        log.info("leading: scheduler started (misfire grace %ss)", self.misfire_grace_s)
        if self.on_leading:
            self.on_leading(True)

    def _schedule_periodic(self, scheduler: BackgroundScheduler) -> None:
        """The job store outlives configurations: drop periodic jobs no longer configured, (re)add the others."""
        for job in scheduler.get_jobs():
            if job.func_ref == f"{__name__}:{run_periodic.__name__}" and job.id not in self.periodic:
                scheduler.remove_job(job.id)
        first = datetime.now(TAIPEI) + timedelta(milliseconds=100)
        for job_id, job in self.periodic.items():
            scheduler.add_job(
                run_periodic,
                IntervalTrigger(seconds=job.every_s),
                args=[job_id],
                id=job_id,
                name=f"{job_id} every {job.every_s:g}s",
                executor=PERIODIC_EXECUTOR,
                replace_existing=True,
                next_run_time=first,
            )

    def _still_leading(self) -> bool:
        held = self.lock.still_held()
        if not held:
            self._wake.set()
        return held

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
            self._wake.wait(self.poll_s)
            self._wake.clear()
        self._step_down()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="civicast-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
