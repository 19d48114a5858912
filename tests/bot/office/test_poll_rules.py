"""A poll goes out once, before it closes: the desk refuses sending one whose voting is over, scheduling one for
at or after its close, and any recurrence (its copies would need fresh options and a fresh close); the scheduler
refuses a recurrence of its own accord and never fans out a copy of a poll."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.office import desk, polls
from bot.office.drafts import NoticeInput
from messages.models import Notice, NoticeStatus
from scheduler.occurrences import Occurrences, Outcome
from scheduler.outbox import Delivery
from scheduler.sending import NoticeActionError, schedule
from tests.bot.office.conftest import APPROVER, EDITOR, NOW, act, add_residents, approve, status, submit
from tests.support.confirmed import CONFIRMED, confirmed

CLOSES = NOW + timedelta(hours=2)


def approved_poll(services) -> int:
    add_residents(services, {"U" + "a1" * 16: ["qishan"]})
    data = NoticeInput("poll", {"districts": ["qishan"]}, free_text="要不要延長圖書館開放時間？")
    options = [polls.OptionInput(phrase_key="yes"), polls.OptionInput(phrase_key="no")]
    notice_id = act(services, polls.compose_poll, services.composer, EDITOR, data, options=options, closes_at=CLOSES).id
    submit(services, notice_id)
    approve(services, APPROVER, notice_id, acknowledge_untranslated=True)
    return notice_id


def deliveries(services, notice_id) -> int:
    with services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Delivery).where(Delivery.notice_id == notice_id))


def schedule_poll(services, notice_id, *, at=None, cron=None):
    return act(
        services,
        desk.schedule_notice,
        APPROVER,
        notice_id,
        at=at,
        cron=cron,
        glossary=services.glossary,
        channels=services.channel_limits,
        **confirmed(services),
    )


def test_a_poll_whose_voting_is_over_is_not_sent(services):
    notice_id = approved_poll(services)
    late = replace(services.dispatch, clock=lambda: CLOSES + timedelta(minutes=1))
    with pytest.raises(NoticeActionError, match=r"closed at .*voting is over, so it cannot be sent"):
        desk.send_notice_now(late, APPROVER, notice_id, channels=services.channel_limits, confirmation=CONFIRMED)
    assert deliveries(services, notice_id) == 0 and status(services, notice_id) == NoticeStatus.APPROVED
    desk.send_notice_now(
        services.dispatch, APPROVER, notice_id, channels=services.channel_limits, confirmation=CONFIRMED
    )
    assert deliveries(services, notice_id) > 0


def test_a_poll_is_scheduled_only_for_before_it_closes(services):
    notice_id = approved_poll(services)
    for at in (CLOSES, CLOSES + timedelta(hours=1)):
        with pytest.raises(NoticeActionError, match=r"closes at .* before it would be sent at .*could not vote"):
            schedule_poll(services, notice_id, at=at)
    assert status(services, notice_id) == NoticeStatus.APPROVED
    schedule_poll(services, notice_id, at=CLOSES - timedelta(minutes=30))
    assert status(services, notice_id) == NoticeStatus.SCHEDULED


def test_a_poll_cannot_recur(services):
    notice_id = approved_poll(services)
    with pytest.raises(NoticeActionError, match="a poll cannot recur: each time would need fresh options"):
        schedule_poll(services, notice_id, cron="0 8 * * *")
    with services.session_factory() as session:  # the mechanics below the desk refuse it too
        with pytest.raises(NoticeActionError, match="does not recur"):
            schedule(session, notice_id, cron="0 8 * * *", now=NOW)
    assert status(services, notice_id) == NoticeStatus.APPROVED


def test_the_scheduler_never_sends_a_copy_of_a_poll(services):
    notice_id = approved_poll(services)
    with services.session_factory.begin() as session:  # as a poll scheduled before polls were refused a recurrence
        session.execute(
            update(Notice)
            .where(Notice.id == notice_id)
            .values(status=NoticeStatus.SCHEDULED, recurrence="0 8 * * *", send_at=NOW)
        )
    outcome, copy_id = Occurrences(services.dispatch, misfire_grace_s=60).fire_occurrence(notice_id, NOW)
    assert (outcome, copy_id) == (Outcome.NOT_DUE, None)
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).where(Notice.recurrence_of == notice_id)) == 0


def test_a_scheduled_poll_the_scheduler_reaches_after_its_close_is_missed_not_sent(services):
    notice_id = approved_poll(services)
    due = CLOSES - timedelta(seconds=10)
    schedule_poll(services, notice_id, at=due)
    late = replace(services.dispatch, clock=lambda: CLOSES + timedelta(seconds=10))  # within the minute's grace
    done = Occurrences(late, misfire_grace_s=60).catch_up()
    assert done.missed == [notice_id] and done.sent == []
    assert status(services, notice_id) == NoticeStatus.MISSED and deliveries(services, notice_id) == 0
