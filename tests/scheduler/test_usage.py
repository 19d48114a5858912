"""The month's LINE messages by kind: notices' multicasts from the outbox, the bot's pushes and replies from its
counts, in the month of Asia/Taipei; counts from several threads and writes add up, none lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import update

from scheduler.outbox import Delivery, DeliveryStatus
from scheduler.sending import send_now
from scheduler.usage import MessageTally, SendKind, month_of, monthly_messages
from tests.scheduler.conftest import add_residents, approved_notice

# 2026-11-30 16:30 UTC is already 1 December in Taipei (UTC+8).
LAST_OF_NOVEMBER = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)
FIRST_OF_DECEMBER = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


def test_a_send_counts_in_the_month_of_taipei():
    assert (month_of(LAST_OF_NOVEMBER), month_of(FIRST_OF_DECEMBER)) == ("2026-11", "2026-12")
    assert month_of(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == "2027-01"


def test_counts_from_many_threads_add_up_and_stay_in_their_month(session_factory):
    now = [LAST_OF_NOVEMBER]
    tally = MessageTally(session_factory, "line", flush_every_s=0.0, clock=lambda: now[0])
    other = MessageTally(session_factory, "line", flush_every_s=3600, clock=lambda: now[0])  # another process

    def answer() -> None:
        for _ in range(25):
            tally.count(SendKind.REPLY)
        tally.count(SendKind.PUSH, 2)

    threads = [threading.Thread(target=answer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.count(SendKind.REPLY, 5)
    other.flush()
    now[0] = FIRST_OF_DECEMBER
    tally.count(SendKind.REPLY)
    with session_factory() as session:
        november, december = monthly_messages(session, "2026-11", "line"), monthly_messages(session, "2026-12", "line")
    assert (november.reply, november.push, november.paid, november.free) == (105, 8, 8, 105)
    assert (december.reply, december.push) == (1, 0)


def test_a_notices_multicasts_are_paid_in_the_month_they_went_out(session_factory, composer, glossary, dispatch):
    with session_factory.begin() as session:
        add_residents(session, glossary, 30, language="en")
        notice_id = approved_notice(session, composer).id
    send_now(dispatch, notice_id)
    with session_factory.begin() as session:  # as a worker records them: sent, at the end of November (Taipei)
        session.execute(
            update(Delivery)
            .where(Delivery.notice_id == notice_id, Delivery.channel == "line")
            .values(status=DeliveryStatus.SENT.value, sent_at=LAST_OF_NOVEMBER)
        )
    with session_factory() as session:
        assert monthly_messages(session, "2026-11", "line").multicast == 30
        assert monthly_messages(session, "2026-12", "line").multicast == 0
        assert monthly_messages(session, "2026-11", "line").as_dict()["paid"] == {
            "multicast": 30,
            "push": 0,
            "total": 30,
        }
