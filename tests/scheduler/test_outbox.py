"""Claiming: leases, expiry, one owner at a time, paused channels."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from scheduler.outbox import (
    Delivery,
    DeliveryStatus,
    claim,
    mark_failed,
    mark_sent,
    outstanding,
    pause_channel,
    requeue_expired_leases,
    resume_channel,
)
from scheduler.sending import send_now
from tests.scheduler.conftest import add_residents, approved_notice

NOW = datetime.now(UTC) + timedelta(hours=1)  # after every fan-out of this module
LEASE = timedelta(seconds=30)


def queued(session_factory, composer, glossary, dispatch, residents=2400):
    with session_factory.begin() as session:
        add_residents(session, glossary, residents, language="en")
        notice_id = approved_notice(session, composer).id
    send_now(dispatch, notice_id)
    return notice_id


def test_a_claim_is_exclusive_until_its_lease_expires(session_factory, composer, glossary, dispatch):
    queued(session_factory, composer, glossary, dispatch)
    with session_factory.begin() as session:
        first = claim(session, worker="w1", channels=["line"], now=NOW, lease=LEASE, limit=3)
    with session_factory.begin() as session:
        second = claim(session, worker="w2", channels=["line"], now=NOW, lease=LEASE, limit=10)
    assert len(first) == 3 and len(second) == 2  # 5 batches of 500 in all
    assert not {c.id for c in first} & {c.id for c in second}
    with session_factory.begin() as session:
        assert claim(session, worker="w3", channels=["line"], now=NOW, lease=LEASE) == []
        later = claim(session, worker="w3", channels=["line"], now=NOW + LEASE + timedelta(seconds=1), lease=LEASE)
    assert {c.id for c in later} == {c.id for c in first + second}  # w1 and w2 died: their leases ran out
    assert all(c.attempts == 2 for c in later)


def test_only_the_current_holder_records_an_outcome(session_factory, composer, glossary, dispatch):
    queued(session_factory, composer, glossary, dispatch, residents=10)
    with session_factory.begin() as session:
        [item] = claim(session, worker="w1", channels=["line"], now=NOW, lease=LEASE)
    with session_factory.begin() as session:
        claim(session, worker="w2", channels=["line"], now=NOW + 2 * LEASE, lease=LEASE)
        assert not mark_sent(session, item.id, worker="w1", now=NOW, platform_request_id="x", duplicate=False)
        assert mark_sent(session, item.id, worker="w2", now=NOW, platform_request_id="y", duplicate=False)
        delivery = session.get(Delivery, item.id)
        assert delivery.status == DeliveryStatus.SENT and delivery.platform_request_id == "y"


def test_failed_rows_wait_for_their_retry_time_and_dead_rows_stay_dead(session_factory, composer, glossary, dispatch):
    queued(session_factory, composer, glossary, dispatch, residents=1000)
    with session_factory.begin() as session:
        a, b = claim(session, worker="w", channels=["line"], now=NOW, lease=LEASE)
        mark_failed(session, a.id, worker="w", now=NOW, error="503", retry_at=NOW + timedelta(seconds=10))
        mark_failed(session, b.id, worker="w", now=NOW, error="400 bad", retry_at=None)
    with session_factory.begin() as session:
        assert claim(session, worker="w", channels=["line"], now=NOW + timedelta(seconds=5), lease=LEASE) == []
        retried = claim(session, worker="w", channels=["line"], now=NOW + timedelta(seconds=11), lease=LEASE)
        assert [c.id for c in retried] == [a.id]
        assert session.get(Delivery, b.id).status == DeliveryStatus.DEAD


def test_paused_channels_are_not_claimed(session_factory, composer, glossary, dispatch):
    queued(session_factory, composer, glossary, dispatch, residents=10)
    with session_factory.begin() as session:
        pause_channel(session, "line", "LINE monthly quota reached", NOW)
    with session_factory.begin() as session:
        assert claim(session, worker="w", channels=["line"], now=NOW, lease=LEASE) == []
        assert resume_channel(session, "line", NOW)
    with session_factory.begin() as session:
        assert claim(session, worker="w", channels=["line"], now=NOW, lease=LEASE)


def test_expired_leases_are_requeued_visibly(session_factory, composer, glossary, dispatch):
    notice_id = queued(session_factory, composer, glossary, dispatch, residents=10)
    with session_factory.begin() as session:
        claim(session, worker="w", channels=["line"], now=NOW, lease=LEASE)
    with session_factory.begin() as session:
        assert requeue_expired_leases(session, NOW + 2 * LEASE) == 1
        delivery = session.scalars(select(Delivery).where(Delivery.channel == "line")).one()
        assert delivery.status == DeliveryStatus.PENDING and "lease expired" in delivery.last_error
        assert outstanding(session, notice_id) == 2  # the LINE batch and the page post


def test_concurrent_claims_never_share_a_row(session_factory, composer, glossary, dispatch):
    queued(session_factory, composer, glossary, dispatch, residents=20_000)  # 40 batches
    taken: list[str] = []
    lock = threading.Lock()

    def take(worker: str) -> None:
        while True:
            with session_factory.begin() as session:
                items = claim(session, worker=worker, channels=["line"], now=NOW, lease=LEASE, limit=3)
            if not items:
                return
            with lock:
                taken.extend(item.id for item in items)

    threads = [threading.Thread(target=take, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 40 and len(set(taken)) == 40
