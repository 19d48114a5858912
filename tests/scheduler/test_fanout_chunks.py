"""A fan-out written in chunks: the first commits with the notice's change to sending, the rest follow; a
fan-out whose writer died is resumed once, skipping whoever has a row; a Cancel stops the rest."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from messages.models import MsgType, Notice, NoticeStatus
from scheduler.fanout import begin_fan_out, still_fanning_out
from scheduler.outbox import Delivery, DeliveryStatus, outstanding, settle_notices
from scheduler.sending import resume_stalled_fan_outs, send_now
from tests.scheduler.conftest import add_residents, approved_notice


def line_recipients(session, notice_id) -> Counter:
    return Counter(
        user
        for delivery in session.scalars(
            select(Delivery).where(Delivery.notice_id == notice_id, Delivery.channel == "line")
        )
        for user in delivery.recipients
    )


def page_rows(session, notice_id) -> int:
    return len(
        session.scalars(
            select(Delivery.id).where(Delivery.notice_id == notice_id, Delivery.channel == "facebook")
        ).all()
    )


def begin_and_write_first_chunk(dispatch, notice_id, chunk):
    """What ``send_now`` commits first, and then the process dies: no more chunks come."""
    with dispatch.session_factory.begin() as session:
        rows = begin_fan_out(
            session,
            session.get(Notice, notice_id),
            glossary=dispatch.glossary,
            channels=dispatch.channels,
            languages=dispatch.languages,
            clock=dispatch.clock,
            reader=dispatch.session_factory,
        )
        assert not rows.write(session, limit=chunk)
    return rows


def test_send_now_writes_every_delivery_a_chunk_per_transaction(session_factory, composer, glossary, dispatch):
    with session_factory.begin() as session:
        users = add_residents(session, glossary, 3100, language="vi")
        notice_id = approved_notice(session, composer).id
    audited = []
    result = send_now(
        replace(dispatch, fanout_chunk=2),
        notice_id,
        within=lambda session, notice, so_far: audited.append((so_far.deliveries, so_far.complete)),
    )
    assert audited == [(2, False)]  # the audit row committed with the first two deliveries, saying more follow
    assert result.complete and result.deliveries == 8  # the page, and 3,100 residents in batches of 500
    with session_factory() as session:
        assert line_recipients(session, notice_id) == Counter(users)
        assert page_rows(session, notice_id) == 1
        notice = session.get(Notice, notice_id)
        assert notice.status == NoticeStatus.SENDING and notice.fanout_progress_at is None


def test_the_first_chunk_is_there_for_the_workers_before_the_rest(session_factory, composer, glossary, dispatch):
    with session_factory.begin() as session:
        add_residents(session, glossary, 2600, language="th")
        notice_id = approved_notice(session, composer).id
    rows = begin_and_write_first_chunk(dispatch, notice_id, 3)
    with session_factory.begin() as session:
        first = session.scalars(select(Delivery).where(Delivery.notice_id == notice_id)).all()
        assert len(first) == 3
        notice = session.get(Notice, notice_id)
        assert notice.status == NoticeStatus.SENDING and notice.fanout_progress_at is not None
        for delivery in first:
            delivery.status = DeliveryStatus.SENT
    with session_factory.begin() as session:
        # Its written deliveries have all gone, but more are to be written: not sent yet, and still outstanding.
        assert settle_notices(session, [notice_id], dispatch.clock()) == 0
        assert outstanding(session, notice_id) == 1
    with session_factory.begin() as session:
        assert rows.write(session)
    with session_factory.begin() as session:
        assert outstanding(session, notice_id) == 4  # the page and 2,600 make 7 deliveries: 4 more
        session.execute(
            Delivery.__table__.update().where(Delivery.notice_id == notice_id).values(status=DeliveryStatus.SENT.value)
        )
    with session_factory.begin() as session:
        assert settle_notices(session, [notice_id], dispatch.clock()) == 1


def test_a_fan_out_whose_writer_died_is_resumed_once_and_no_one_twice(session_factory, composer, glossary, dispatch):
    with session_factory.begin() as session:
        users = add_residents(session, glossary, 1800)  # every language: 12 batches and the page
        notice_id = approved_notice(session, composer).id
    begin_and_write_first_chunk(dispatch, notice_id, 4)
    assert resume_stalled_fan_outs(dispatch) == []  # written a moment ago: its writer may be alive
    later = replace(dispatch, clock=lambda: dispatch.clock() + timedelta(minutes=2))
    assert resume_stalled_fan_outs(later) == [notice_id]
    assert resume_stalled_fan_outs(later) == []  # finished: nothing to resume
    with session_factory() as session:
        assert line_recipients(session, notice_id) == Counter(users)  # everyone, once
        assert page_rows(session, notice_id) == 1
        assert session.get(Notice, notice_id).fanout_progress_at is None


class TransactionsFailAfter:
    """A session factory whose transactions fail to begin after ``transactions`` of them (the database went away)."""

    def __init__(self, factory, transactions: int):
        self.factory, self.transactions = factory, transactions

    def begin(self):
        self.transactions -= 1
        if self.transactions < 0:
            raise ConnectionError("the database went away")
        return self.factory.begin()

    def __call__(self):
        return self.factory()


def test_a_failure_after_the_first_chunk_leaves_the_rest_to_the_resume(session_factory, composer, glossary, dispatch):
    with session_factory.begin() as session:
        users = add_residents(session, glossary, 1200)  # 12 batches of 100 and the page
        notice_id = approved_notice(session, composer).id
    # A delivery per transaction: the first (the notice sending) and the second commit, the third cannot begin.
    flaky = replace(dispatch, session_factory=TransactionsFailAfter(session_factory, 2), fanout_chunk=1)
    result = send_now(flaky, notice_id)  # the officer is told it is sending: it is
    assert not result.complete and result.deliveries == 2
    with session_factory() as session:
        notice = session.get(Notice, notice_id)
        assert notice.status == NoticeStatus.SENDING and notice.fanout_progress_at is not None
        assert sum(line_recipients(session, notice_id).values()) == 200
    assert resume_stalled_fan_outs(replace(dispatch, clock=lambda: dispatch.clock() + timedelta(minutes=5))) == [
        notice_id
    ]
    with session_factory() as session:
        assert line_recipients(session, notice_id) == Counter(users)
        assert page_rows(session, notice_id) == 1


def test_a_cancel_stops_the_rest_of_the_original_fan_out(session_factory, composer, glossary, dispatch):
    with session_factory.begin() as session:
        add_residents(session, glossary, 2000, language="id")
        original_id = approved_notice(session, composer).id
    rows = begin_and_write_first_chunk(dispatch, original_id, 2)  # two batches: 1,000 of the 2,000
    with session_factory.begin() as session:
        for delivery in session.scalars(select(Delivery).where(Delivery.notice_id == original_id)):
            delivery.status = DeliveryStatus.SENT
        cancel = Notice(
            kind="typhoon_land_warning",
            params=session.get(Notice, original_id).params,
            topic="disaster",
            msg_type=MsgType.CANCEL,
            references_id=original_id,
            status=NoticeStatus.APPROVED,
            author="a",
            approver="b",
        )
        session.add(cancel)
        session.flush()
        cancel_id = cancel.id
    send_now(dispatch, cancel_id)
    with session_factory.begin() as session:
        assert not still_fanning_out(session, original_id, dispatch.clock())  # the writer stops here
        original = session.get(Notice, original_id)
        assert original.status == NoticeStatus.CANCELLED and original.fanout_progress_at is None
        assert sum(line_recipients(session, original_id).values()) == 1000  # no more of the original
        assert sum(line_recipients(session, cancel_id).values()) == 1000  # the Cancel to exactly those
    assert rows.result.deliveries == 2
    later = replace(dispatch, clock=lambda: dispatch.clock() + timedelta(minutes=2))
    assert resume_stalled_fan_outs(later) == []  # a cancelled notice's fan-out is never resumed
