"""The scheduler: on time, late within the grace, missed beyond it, recurring, cancelled; settling and expiry."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from messages.models import Notice, NoticeStatus
from scheduler import jobs
from scheduler.jobs import SchedulerService
from scheduler.outbox import Delivery, DeliveryStatus
from scheduler.sending import NoticeActionError, schedule, send_now, settle_and_expire
from tests.scheduler.conftest import add_residents, approved_notice


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


def test_a_recurring_notice_sends_a_copy_each_time(session_factory, scheduled, service):
    template_id = scheduled(cron="0 8 * * *")
    running = service()
    assert wait_for(lambda: running.scheduler is not None and running.scheduler.get_job(f"notice:{template_id}"))
    job = running.scheduler.get_job(f"notice:{template_id}")
    assert job.next_run_time.hour == 8 and str(job.next_run_time.tzinfo) == "Asia/Taipei"
    jobs.fire_notice(template_id)  # 08:00 has come
    jobs.fire_notice(template_id)  # and the next day
    with session_factory() as session:
        copies = session.scalars(select(Notice).where(Notice.recurrence_of == template_id)).all()
        assert len(copies) == 2 and all(c.status == NoticeStatus.SENDING for c in copies)
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
