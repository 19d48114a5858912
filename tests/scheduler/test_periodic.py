"""Periodic jobs besides notices (polling feeds): run by the leader only, kept running when they fail, and
dropped from the shared job store when no longer configured."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from messages.models import Notice, NoticeStatus
from scheduler import jobs
from scheduler.jobs import JOB_TICK, PERIODIC_EXECUTOR, SchedulerService
from scheduler.sending import schedule
from tests.scheduler.conftest import add_residents, approved_notice


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def status(session_factory, notice_id):
    with session_factory() as session:
        return session.get(Notice, notice_id).status


class Runs:
    def __init__(self, fail: bool = False) -> None:
        self.count = 0
        self.fail = fail
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self.count += 1
        if self.fail:
            raise RuntimeError("the feed's host is down")


class HandedLock:
    """A leader lock a test gives or takes away."""

    def __init__(self, held: bool) -> None:
        self.held = held

    def try_acquire(self) -> bool:
        return self.held

    def still_held(self) -> bool:
        return self.held

    def release(self) -> None:
        pass


@pytest.fixture
def service(dispatch, engine):
    started: list[SchedulerService] = []

    def make(periodic, *, lock=None) -> SchedulerService:
        instance = SchedulerService(dispatch, engine, misfire_grace_s=60, poll_s=0.2, lock=lock, periodic=periodic)
        instance.start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        instance.stop()


def test_the_leader_runs_a_periodic_job_and_a_standby_does_not(service):
    leader_runs, standby_runs = Runs(), Runs()
    leader = service({"cap-feed:typhoon": (leader_runs, 0.2)}, lock=HandedLock(held=True))
    standby = service({"cap-feed:typhoon": (standby_runs, 0.2)}, lock=HandedLock(held=False))

    assert wait_for(lambda: leader_runs.count >= 3)
    job = leader.scheduler.get_job("cap-feed:typhoon")
    assert job.executor == PERIODIC_EXECUTOR and job.trigger.interval.total_seconds() == 0.2
    assert leader.leading and not standby.leading
    assert standby_runs.count == 0


def test_on_postgresql_the_lock_holder_runs_them_and_a_standby_takes_over(service, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("the leader lock is PostgreSQL's; SQLite runs one scheduler")
    first_runs, second_runs = Runs(), Runs()
    first = service({"cap-feed:typhoon": (first_runs, 0.2)})
    assert wait_for(lambda: first.leading and first_runs.count >= 1)
    second = service({"cap-feed:typhoon": (second_runs, 0.2)})
    time.sleep(1.0)
    assert not second.leading and second_runs.count == 0

    first.stop()  # the leader goes: the standby leads and polls
    assert wait_for(lambda: second.leading and second_runs.count >= 2)


def test_periodic_jobs_that_hang_do_not_hold_up_notices(service, session_factory, composer, glossary):
    released = threading.Event()
    hanging = {f"cap-feed:{n}": (lambda: released.wait(30), 0.2) for n in range(6)}  # more than all threads
    with session_factory.begin() as session:
        add_residents(session, glossary, 3)
        notice_id = approved_notice(session, composer).id
        schedule(session, notice_id, at=datetime.now(UTC) + timedelta(seconds=1.5), now=datetime.now(UTC))
    try:
        service(hanging)
        assert wait_for(lambda: status(session_factory, notice_id) == NoticeStatus.SENDING)
    finally:
        released.set()


def test_a_leader_that_steps_down_stops_running_it(service):
    runs = Runs()
    lock = HandedLock(held=True)
    leader = service({"cap-feed:typhoon": (runs, 0.2)}, lock=lock)
    assert wait_for(lambda: runs.count >= 2)
    lock.held = False
    assert wait_for(lambda: not leader.leading)
    time.sleep(0.3)  # a run already under way may finish
    stopped_at = runs.count
    time.sleep(0.8)
    assert runs.count == stopped_at


def test_a_failing_job_is_logged_and_runs_again_and_the_scheduler_goes_on(service, caplog):
    failing, fine = Runs(fail=True), Runs()
    running = service({"cap-feed:broken": (failing, 0.2), "cap-feed:fine": (fine, 0.2)})

    assert wait_for(lambda: failing.count >= 3 and fine.count >= 3)
    assert running.leading and running.scheduler.get_job(JOB_TICK) is not None
    failures = [record for record in caplog.records if record.getMessage() == "periodic job cap-feed:broken failed"]
    assert failures and failures[0].exc_info[1].args == ("the feed's host is down",)


def test_a_job_no_longer_configured_leaves_the_job_store(service):
    old = service({"cap-feed:retired": (Runs(), 60.0), "cap-feed:kept": (Runs(), 60.0)})
    assert wait_for(lambda: old.scheduler is not None and old.scheduler.get_job("cap-feed:retired"))
    old.stop()

    kept = Runs()
    new = service({"cap-feed:kept": (kept, 30.0)})  # the next configuration, on the same job store

    assert wait_for(lambda: new.scheduler is not None and kept.count >= 1)
    assert new.scheduler.get_job("cap-feed:retired") is None
    assert new.scheduler.get_job("cap-feed:kept").trigger.interval.total_seconds() == 30.0


def test_a_stale_job_fired_before_it_is_dropped_does_nothing(dispatch, engine, caplog):
    runtime = jobs.SchedulerRuntime(dispatch, scheduler=None, misfire_grace_s=60, periodic={})
    runtime.run_periodic("cap-feed:retired")
    assert "periodic job cap-feed:retired is not known to this process" in caplog.text


@pytest.mark.parametrize(
    ("periodic", "error"),
    [
        ({JOB_TICK: (Runs(), 5.0)}, "is the scheduler's own"),
        ({"notice:7": (Runs(), 5.0)}, "is the scheduler's own"),
        ({"cap-feed:x": (Runs(), 0)}, "more than 0"),
    ],
)
def test_periodic_jobs_that_cannot_be_are_refused(dispatch, engine, periodic, error):
    with pytest.raises(ValueError, match=error):
        SchedulerService(dispatch, engine, misfire_grace_s=60, periodic=periodic)
