"""Workers against the sandbox: exactly once, through faults, quota pauses, permanent refusals."""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from channels.facebook import FacebookChannel
from channels.line import LineChannel
from channels.simulated import SimulatedChannel
from messages.models import Notice, NoticeStatus
from scheduler.outbox import ChannelState, Delivery, DeliveryStatus, resume_channel
from scheduler.ratelimit import TokenBucket
from scheduler.render import NoticeRenderer
from scheduler.report import delivery_report
from scheduler.sending import send_now
from scheduler.worker import RetryPolicy, Worker, WorkerSettings, threads_for
from tests.scheduler.conftest import add_residents, approved_notice
from tests.support.sandbox import LINE_TOKEN, PAGE_ID, PAGE_TOKEN, set_faults, summary

FAST = RetryPolicy(max_attempts=30, base_s=0.02, max_s=0.2)


def make_worker(sandbox, session_factory, composer, *, token=LINE_TOKEN, retry=FAST, worker_id="w", live=False):
    channels = {
        "line": LineChannel(access_token=token, api_base_url=sandbox.url, timeout_s=2),
        "facebook": FacebookChannel(
            page_id=PAGE_ID, page_access_token=PAGE_TOKEN, graph_base_url=sandbox.url, timeout_s=2
        ),
    }
    renderer = NoticeRenderer(
        session_factory, composer, ("zh-Hant", "zh-Hans", "en", "ja", "ko", "vi", "id", "th", "fil", "ms", "km", "my")
    )
    # live: the sandbox stands for the real LINE and Facebook, and sandboxed notices go to simulated channels
    simulated = {name: SimulatedChannel(channel) for name, channel in channels.items()} if live else None
    return Worker(
        session_factory=session_factory,
        channels=channels,
        renderer=renderer,
        settings=WorkerSettings(worker_id=worker_id, lease_s=5, poll_s=0.05, retry=retry),
        rng=random.Random(7),
        sandboxed_channels=simulated,
    )


def queue(session_factory, composer, glossary, dispatch, residents):
    with session_factory.begin() as session:
        users = add_residents(session, glossary, residents)
        notice_id = approved_notice(session, composer).id
    send_now(dispatch, notice_id)
    return notice_id, users


def test_every_resident_gets_one_copy(sandbox, session_factory, composer, glossary, dispatch):
    notice_id, users = queue(session_factory, composer, glossary, dispatch, 3000)
    worker = make_worker(sandbox, session_factory, composer)
    assert worker.run_until_done(timeout=60)
    figures = summary(sandbox)
    assert figures["users"] == 3000 and figures["users_with_more_than_one"] == 0
    with session_factory() as session:
        report = delivery_report(session, notice_id)
    assert report["channels"]["line"]["sent"] == 3000 and report["channels"]["facebook"]["sent"] == 1
    assert len(sandbox.graph.state.posts) == 1


def test_exactly_once_when_a_fifth_of_requests_fail(sandbox, session_factory, composer, glossary, dispatch):
    set_faults(sandbox, "line", error_rate=0.07, rate_429=0.07, drop_rate=0.06, seed=11)
    set_faults(sandbox, "facebook", error_rate=0.1, drop_rate=0.1, seed=12)
    notice_id, users = queue(session_factory, composer, glossary, dispatch, 12_000)
    worker = make_worker(sandbox, session_factory, composer)
    assert worker.run_until_done(timeout=120)
    figures = summary(sandbox)
    assert figures["users"] == 12_000 and figures["users_with_more_than_one"] == 0
    assert figures["stats"].get("dropped_after_accept", 0) > 0 and worker.counters["retries"] > 0
    assert len(sandbox.graph.state.posts) == 1
    with session_factory() as session:
        statuses = set(session.scalars(select(Delivery.status).where(Delivery.notice_id == notice_id)))
    assert statuses == {DeliveryStatus.SENT}


def test_an_exhausted_quota_pauses_the_channel_and_says_why(sandbox, session_factory, composer, glossary, dispatch):
    set_faults(sandbox, "line", monthly_quota=1000)
    notice_id, _ = queue(session_factory, composer, glossary, dispatch, 2400)
    worker = make_worker(sandbox, session_factory, composer)
    assert not worker.run_until_done(timeout=3)  # cannot finish: the quota stops it
    with session_factory() as session:
        state = session.get(ChannelState, "line")
        assert state.paused and "monthly" in state.reason
        report = delivery_report(session, notice_id)["channels"]["line"]
    assert report["sent"] <= 1000 and report["pending"] == 2400 - report["sent"] and report["dead"] == 0
    set_faults(sandbox, "line", monthly_quota=None)
    with session_factory.begin() as session:
        resume_channel(session, "line", datetime.now(UTC))
    assert make_worker(sandbox, session_factory, composer).run_until_done(timeout=30)
    assert summary(sandbox)["users"] == 2400 and summary(sandbox)["users_with_more_than_one"] == 0


def test_two_workers_meeting_the_used_up_quota_at_once_pause_the_channel_without_error(
    sandbox, session_factory, composer, glossary, dispatch, caplog
):
    caplog.set_level(logging.ERROR, logger="civicast.worker")
    set_faults(sandbox, "line", monthly_quota=1000)
    notice_id, _ = queue(session_factory, composer, glossary, dispatch, 6000)  # 12 batches: 2 fit the quota
    workers = [make_worker(sandbox, session_factory, composer, worker_id=f"w{n}") for n in (1, 2)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with session_factory() as session:
                state = session.get(ChannelState, "line")
                claimed = session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.CLAIMED.value)
                )
            if state is not None and state.paused and claimed == 0:
                break
            time.sleep(0.05)
    finally:
        for worker in workers:
            worker.stop()
    failed = [record.getMessage() for record in caplog.records if record.exc_info]
    assert failed == []  # no outcome had to be written again after a collision
    assert any("channel line paused" in record.getMessage() for record in caplog.records)
    assert sandbox.line.state.stats["quota_refusals"] >= 2  # both met the refusal
    with session_factory() as session:
        state = session.get(ChannelState, "line")
        report = delivery_report(session, notice_id)
    assert state.paused and "monthly limit" in state.reason
    line = report["channels"]["line"]
    assert line["sent"] == 1000 and line["pending"] == 5000 and line["dead"] == line["failed"] == 0
    assert report["paused_channels"][0]["pending"] == {"deliveries": 10, "residents": 5000}


def test_permanent_refusals_are_dead_at_once_with_the_reason(sandbox, session_factory, composer, glossary, dispatch):
    notice_id, _ = queue(session_factory, composer, glossary, dispatch, 20)
    worker = make_worker(sandbox, session_factory, composer, token="revoked-token")
    assert worker.run_until_done(timeout=30)
    with session_factory() as session:
        dead = session.scalars(
            select(Delivery).where(Delivery.notice_id == notice_id, Delivery.channel == "line")
        ).all()
    assert {d.status for d in dead} == {DeliveryStatus.DEAD} and all(d.attempts == 1 for d in dead)
    assert "401" in dead[0].last_error


def test_retryable_failures_die_after_the_configured_attempts(sandbox, session_factory, composer, glossary, dispatch):
    set_faults(sandbox, "line", error_rate=1.0)
    notice_id, _ = queue(session_factory, composer, glossary, dispatch, 5)
    worker = make_worker(sandbox, session_factory, composer, retry=RetryPolicy(max_attempts=3, base_s=0.01, max_s=0.02))
    assert worker.run_until_done(timeout=30)
    with session_factory() as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.notice_id == notice_id, Delivery.channel == "line")
        ).all()
    assert all(r.status == DeliveryStatus.DEAD and r.attempts == 3 and "gave up after 3" in r.last_error for r in rows)


def test_backoff_grows_with_jitter_and_respects_hints():
    policy = RetryPolicy(base_s=2, max_s=60)
    rng = random.Random(1)
    delays = [policy.delay(n, rng) for n in range(1, 9)]
    assert 1 <= delays[0] <= 2 and 8 <= delays[3] <= 16 and all(30 <= d <= 60 for d in delays[6:])
    assert policy.delay(1, rng, hint=30) == 30


def test_token_bucket_paces_to_its_rate():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(10, burst=2, clock=lambda: now[0], sleep=sleep)
    for _ in range(12):
        bucket.acquire()
    assert now[0] == pytest.approx(1.0)  # 2 at once, then 10 more at 10 per second
    bucket.drain()
    assert bucket.acquire() == pytest.approx(0.1)
    assert threads_for(200) == 6 and threads_for(200, most=16) == 10 and threads_for(1) == 1


def test_a_bucket_can_be_asked_without_waiting():
    now = [0.0]
    bucket = TokenBucket(2, burst=3, clock=lambda: now[0], sleep=lambda _: pytest.fail("must not wait"))
    assert [bucket.try_take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.try_take() == pytest.approx(0.5)  # refused: a token comes in half a second
    now[0] += 0.5
    assert bucket.try_take() == 0.0 and bucket.try_take() == pytest.approx(0.5)


def test_live_a_test_key_s_notice_is_simulated_and_reaches_no_phone(
    sandbox, session_factory, composer, glossary, dispatch
):
    with session_factory.begin() as session:
        staff = add_residents(session, glossary, 30, test_recipient=True)
        sandboxed = approved_notice(session, composer, training=True)
        sandboxed.sandboxed = True
        drill = approved_notice(session, composer, training=True)  # an officer's drill: staff phones get it
        sandboxed_id, drill_id = sandboxed.id, drill.id
    send_now(dispatch, sandboxed_id)
    worker = make_worker(sandbox, session_factory, composer, live=True)
    assert worker.run_until_done(timeout=30)
    assert summary(sandbox)["users"] == 0  # nothing reached the (stand-in for the) real LINE
    with session_factory() as session:
        rows = session.scalars(select(Delivery).where(Delivery.notice_id == sandboxed_id)).all()
        assert rows and {row.status for row in rows} == {DeliveryStatus.SENT}
        assert all(row.platform_request_id == f"simulated:{row.id}" for row in rows)
        assert delivery_report(session, sandboxed_id)["channels"]["line"]["sent"] == 30
    assert worker.sandboxed_channels["line"].sent == len(rows)
    send_now(dispatch, drill_id)
    assert make_worker(sandbox, session_factory, composer, live=True).run_until_done(timeout=30)
    assert summary(sandbox)["users"] == len(staff)


def test_a_notice_is_sent_once_its_deliveries_settle_with_no_scheduler_running(
    sandbox, session_factory, composer, glossary, dispatch
):
    notice_id, _ = queue(session_factory, composer, glossary, dispatch, 1200)
    with session_factory.begin() as session:  # sending, nothing outstanding, but none of this worker's business
        untouched = approved_notice(session, composer)
        untouched.status = NoticeStatus.SENDING
        untouched_id = untouched.id
    worker = make_worker(sandbox, session_factory, composer)
    assert worker.run_until_done(timeout=60)
    with session_factory() as session:
        assert session.get(Notice, notice_id).status == NoticeStatus.SENT
        assert session.get(Notice, untouched_id).status == NoticeStatus.SENDING  # the worker settles only its own
