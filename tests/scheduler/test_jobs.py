"""The scheduler: on time, late within the grace, missed beyond it, recurring, cancelled; settling and expiry."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from messages.db import make_engine
from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus
from scheduler import jobs
from scheduler.jobs import SchedulerService
from scheduler.leadership import PostgresLeaderLock
from scheduler.outbox import Delivery, DeliveryStatus
from scheduler.sending import NoticeActionError, schedule, send_now, settle_and_expire
from tests.scheduler.conftest import add_residents, approved_notice, leader_lock_backend, terminate_backend


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def status(session_factory, notice_id):
    with session_factory() as session:
        return session.get(Notice, notice_id).status


@pytest.fixture
def scheduled(session_factory, composer, glossary):
    def make(seconds_from_now=1.0, cron=None):
        with session_factory.begin() as session:
            add_residents(session, glossary, 3, prefix=int(time.time() * 1000) % 100000)
            notice = approved_notice(session, composer)
            at = None if cron else datetime.now(UTC) + timedelta(seconds=seconds_from_now)
            schedule(session, notice.id, at=at, cron=cron, now=datetime.now(UTC))
            return notice.id

    return make


@pytest.fixture
def service(dispatch, engine):
    started = []

    def make(grace=60.0):
        instance = SchedulerService(dispatch, engine, misfire_grace_s=grace, poll_s=0.2)
        instance.start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        instance.stop()


def test_a_scheduled_notice_fans_out_at_its_time(session_factory, scheduled, service):
    notice_id = scheduled(seconds_from_now=1.5)
    service()
    assert status(session_factory, notice_id) == NoticeStatus.SCHEDULED
    assert wait_for(lambda: status(session_factory, notice_id) in (NoticeStatus.SENDING, NoticeStatus.SENT))
    with session_factory() as session:
        notice = session.get(Notice, notice_id)
        assert notice.sent_at >= notice.send_at


def test_late_within_the_grace_it_is_sent_on_restart(session_factory, scheduled, service):
    notice_id = scheduled(seconds_from_now=0.5)
    time.sleep(2.0)  # the scheduler was down when the notice was due
    service(grace=60)
    assert wait_for(lambda: status(session_factory, notice_id) == NoticeStatus.SENDING)


def test_beyond_the_grace_it_is_marked_missed_not_dropped(session_factory, scheduled, service):
    notice_id = scheduled(seconds_from_now=0.5)
    time.sleep(3.0)
    service(grace=1)
    assert wait_for(lambda: status(session_factory, notice_id) == NoticeStatus.MISSED)
    with session_factory() as session:
        assert session.scalars(select(Delivery).where(Delivery.notice_id == notice_id)).all() == []


def test_a_recurring_notice_sends_a_copy_each_time_once(session_factory, composer, glossary, dispatch, engine):
    taipei_now = {"at": datetime(2026, 12, 1, 7, 0, tzinfo=TAIPEI)}
    with session_factory.begin() as session:
        add_residents(session, glossary, 3)
        template_id = approved_notice(session, composer).id
        schedule(session, template_id, cron="0 8 * * *", now=taipei_now["at"])
    running = SchedulerService(
        replace(dispatch, clock=lambda: taipei_now["at"]), engine, misfire_grace_s=60, poll_s=0.2
    )
    running.start()
    try:
        assert wait_for(lambda: running.scheduler is not None and running.scheduler.get_job(f"notice:{template_id}"))
        job = running.scheduler.get_job(f"notice:{template_id}")
        assert job.next_run_time.hour == 8 and str(job.next_run_time.tzinfo) == "Asia/Taipei"
        taipei_now["at"] = datetime(2026, 12, 1, 8, 0, 3, tzinfo=TAIPEI)  # 08:00 has come
        jobs.fire_notice(template_id)
        jobs.fire_notice(template_id)  # the job again, or the tick catching up: the same occurrence, not sent again
        taipei_now["at"] = datetime(2026, 12, 2, 8, 0, 1, tzinfo=TAIPEI)  # and the next day
        jobs.fire_notice(template_id)
        time.sleep(0.5)  # a few ticks, catching up on what is already done
    finally:
        running.stop()
    with session_factory() as session:
        copies = session.scalars(
            select(Notice).where(Notice.recurrence_of == template_id).order_by(Notice.occurrence_at)
        ).all()
        assert [c.occurrence_at.astimezone(TAIPEI).day for c in copies] == [1, 2]
        assert all(c.status == NoticeStatus.SENDING for c in copies)
        assert session.get(Notice, template_id).status == NoticeStatus.SCHEDULED


def test_cancelling_a_schedule_removes_its_job(session_factory, scheduled, service, dispatch):
    notice_id = scheduled(seconds_from_now=30)
    running = service()
    assert wait_for(lambda: running.scheduler is not None and running.scheduler.get_job(f"notice:{notice_id}"))
    with session_factory.begin() as session:  # an officer stops it (the desk's rules are tested with the desk)
        session.get(Notice, notice_id).status = NoticeStatus.CANCELLED
    assert wait_for(lambda: running.scheduler.get_job(f"notice:{notice_id}") is None)
    assert status(session_factory, notice_id) == NoticeStatus.CANCELLED


def test_schedule_rules(session_factory, composer, glossary):
    with session_factory.begin() as session:
        notice = approved_notice(session, composer)
        now = datetime.now(UTC)
        with pytest.raises(NoticeActionError, match="passed"):
            schedule(session, notice.id, at=now - timedelta(minutes=1), now=now)
        with pytest.raises(NoticeActionError, match="cron"):
            schedule(session, notice.id, cron="every morning", now=now)
        with pytest.raises(NoticeActionError, match="either"):
            schedule(session, notice.id, now=now)


def test_apschedulers_one_second_default_is_refused(dispatch, engine):
    with pytest.raises(ValueError, match="misfire grace"):
        SchedulerService(dispatch, engine, misfire_grace_s=0.5)


def test_notices_settle_when_delivered_and_expire_on_time(session_factory, composer, glossary, dispatch):
    with session_factory.begin() as session:
        add_residents(session, glossary, 3)
        notice = approved_notice(session, composer)
        notice.expires = datetime.now(UTC) + timedelta(hours=1)
        notice_id = notice.id
    send_now(dispatch, notice_id)
    with session_factory.begin() as session:
        assert settle_and_expire(session, datetime.now(UTC))["sent"] == 0  # still going out
        for delivery in session.scalars(select(Delivery).where(Delivery.notice_id == notice_id)):
            delivery.status = DeliveryStatus.SENT
    with session_factory.begin() as session:
        assert settle_and_expire(session, datetime.now(UTC)) == {"sent": 1, "expired": 0}
    with session_factory.begin() as session:
        assert settle_and_expire(session, datetime.now(UTC) + timedelta(hours=2))["expired"] == 1
    assert status(session_factory, notice_id) == NoticeStatus.EXPIRED


def logged_with_traceback(caplog, message):
    return [record for record in caplog.records if message in record.getMessage() and record.exc_info]


@pytest.fixture
def postgres_engine(postgres_schema_url):
    engine = make_engine(postgres_schema_url)
    yield engine
    engine.dispose()


def test_losing_the_lock_s_connection_is_logged_with_its_traceback(postgres_engine, caplog):
    lock = PostgresLeaderLock(postgres_engine)
    assert lock.try_acquire() and lock.still_held()
    with postgres_engine.connect() as connection:
        terminate_backend(postgres_engine, leader_lock_backend(connection))
    assert not lock.still_held()
    assert logged_with_traceback(caplog, "lost the connection that holds the leader lock")
    assert not lock.still_held()  # and it stays lost: no leading on a connection that is gone
    assert lock.try_acquire()  # a new connection, a new lock
    lock.release()


def test_a_release_that_fails_is_logged_and_the_lock_is_free_again(postgres_engine, caplog):
    lock, other = PostgresLeaderLock(postgres_engine), PostgresLeaderLock(postgres_engine)
    assert lock.try_acquire() and not other.try_acquire()
    with postgres_engine.connect() as connection:
        terminate_backend(postgres_engine, leader_lock_backend(connection))
    lock.release()
    assert logged_with_traceback(caplog, "could not release the leader lock")
    assert other.try_acquire()
    other.release()


def test_an_unreachable_database_is_logged_not_swallowed(caplog):
    unreachable = make_engine("postgresql+psycopg://civicast@127.0.0.1:9/civicast", pool_pre_ping=False)
    lock = PostgresLeaderLock(unreachable)
    try:
        assert not lock.try_acquire()
        assert not lock.try_acquire()  # a standby asks again and again while the database is down
    finally:
        unreachable.dispose()
    # Logged when the outage starts, naming the failure, once however often the standby asks.
    outage = [record for record in caplog.records if "leader lock" in record.getMessage()]
    assert len(outage) == 1 and "OperationalError" in outage[0].getMessage()


class HandedLock:
    """A leader lock a test takes away."""

    def __init__(self) -> None:
        self.held = True
        self.asked = 0

    def try_acquire(self) -> bool:
        return self.held

    def still_held(self) -> bool:
        self.asked += 1
        return self.held

    def release(self) -> None:
        pass


def test_a_leader_that_lost_its_lock_fires_nothing_and_steps_down_at_once(session_factory, scheduled, dispatch, engine):
    notice_id = scheduled(seconds_from_now=2.0)
    lock = HandedLock()
    running = SchedulerService(dispatch, engine, misfire_grace_s=60, poll_s=30, lock=lock)
    running.start()
    try:
        assert wait_for(lambda: running.scheduler is not None and running.scheduler.get_job(f"notice:{notice_id}"))
        lock.held = False  # another process leads now; this one's own poll is thirty seconds away
        assert wait_for(lambda: not running.leading, timeout=10)  # the job's check before sending woke it
    finally:
        running.stop()
    assert status(session_factory, notice_id) == NoticeStatus.SCHEDULED
