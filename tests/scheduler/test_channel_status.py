"""Paused channels: a pause that concurrent workers cannot collide on, what waits on each channel, the
quota's verdict on resuming, and the pause in the delivery report."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Quota
from scheduler.channel_status import (
    QuotaVerdict,
    Waiting,
    channel_status,
    channel_statuses,
    judge_quota,
    paused_statuses,
    waiting_by_channel,
)
from scheduler.outbox import ChannelState, pause_channel, resume_channel
from scheduler.report import delivery_report
from scheduler.sending import send_now
from tests.scheduler.conftest import add_residents, approved_notice

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
LINE_SAYS = "LINE monthly quota reached: You have reached your monthly limit."


def queued(session_factory, composer, glossary, dispatch, residents, *, prefix=0):
    with session_factory.begin() as session:
        add_residents(session, glossary, residents, language="en", prefix=prefix)
        notice_id = approved_notice(session, composer).id
    send_now(dispatch, notice_id)
    return notice_id


def test_two_sessions_pausing_the_same_channel_at_once_both_commit(session_factory):
    first_paused = threading.Event()
    failures: list[BaseException] = []

    def first() -> None:
        with session_factory.begin() as session:
            pause_channel(session, "line", LINE_SAYS, T0)
            first_paused.set()
            time.sleep(0.3)  # still uncommitted while the second worker pauses the same channel

    def second() -> None:
        first_paused.wait(5)
        with session_factory.begin() as session:
            pause_channel(session, "line", "a later refusal", T0 + timedelta(seconds=1))

    def guarded(work):
        def run() -> None:
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - the test reports whatever a session raised
                failures.append(exc)

        return run

    threads = [threading.Thread(target=guarded(work)) for work in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    with session_factory() as session:
        state = session.get(ChannelState, "line")
        assert (state.paused, state.reason, state.changed_at) == (True, LINE_SAYS, T0)  # the first pause's


def test_a_pause_keeps_its_first_reason_and_time_until_resumed(session_factory):
    with session_factory.begin() as session:
        pause_channel(session, "line", LINE_SAYS, T0)
        pause_channel(session, "line", "again", T0 + timedelta(minutes=5))
    with session_factory.begin() as session:
        status = channel_status(session, "line")
        assert (status.paused, status.reason, status.since) == (True, LINE_SAYS, T0)
        assert resume_channel(session, "line", T0 + timedelta(hours=1))
        assert not resume_channel(session, "line", T0 + timedelta(hours=1))  # a second resume finds it running
    with session_factory.begin() as session:
        status = channel_status(session, "line")
        assert (status.paused, status.reason, status.since) == (False, None, None)
        pause_channel(session, "line", "next month", T0 + timedelta(days=30))
    with session_factory() as session:
        assert channel_status(session, "line").since == T0 + timedelta(days=30)  # a new pause, a new time


def test_what_waits_on_each_channel_for_one_notice_and_for_all(session_factory, composer, glossary, dispatch):
    first = queued(session_factory, composer, glossary, dispatch, 1200)  # LINE batches of 500, 500, 200
    queued(session_factory, composer, glossary, dispatch, 300, prefix=1)  # to all 1,500: 500, 500, 500
    with session_factory.begin() as session:
        pause_channel(session, "line", LINE_SAYS, T0)
        pause_channel(session, "partner:retired", "paused before it was switched off", T0)
    with session_factory() as session:
        everything = waiting_by_channel(session)
        mine = waiting_by_channel(session, notice_id=first)
        statuses = {s.channel: s for s in channel_statuses(session, ["line", "facebook"])}
        banner = paused_statuses(session)
    assert everything["line"] == Waiting(deliveries=6, residents=2700, smallest_batch=200)
    assert mine["line"] == Waiting(deliveries=3, residents=1200, smallest_batch=200)
    assert everything["facebook"].deliveries == 2 and everything["facebook"].residents == 0  # page posts
    assert list(statuses) == ["line", "facebook", "partner:retired"]  # a paused channel is shown, enabled or not
    assert statuses["line"].paused and statuses["line"].waiting.residents == 2700
    assert not statuses["facebook"].paused and statuses["facebook"].since is None
    assert [s.channel for s in banner] == ["line", "partner:retired"]
    assert banner[0].as_dict() == {
        "channel": "line",
        "paused": True,
        "reason": LINE_SAYS,
        "since": "2026-12-03T02:00:00+00:00",
        "pending": {"deliveries": 6, "residents": 2700},
    }


def test_the_delivery_report_names_each_paused_channel_with_what_waits(session_factory, composer, glossary, dispatch):
    notice_id = queued(session_factory, composer, glossary, dispatch, 1200)
    queued(session_factory, composer, glossary, dispatch, 300, prefix=1)
    with session_factory() as session:
        assert delivery_report(session, notice_id)["paused_channels"] == []
    with session_factory.begin() as session:
        pause_channel(session, "line", LINE_SAYS, T0)
    with session_factory() as session:
        report = delivery_report(session, notice_id)
    assert report["paused_channels"] == [
        {
            "channel": "line",
            "reason": LINE_SAYS,
            "since": "2026-12-03T02:00:00+00:00",
            "pending": {"deliveries": 3, "residents": 1200},
            "pending_all_notices": {"deliveries": 6, "residents": 2700},
        }
    ]
    assert report["channels"]["line"]["pending"] == 1200


WAITING = Waiting(deliveries=5, residents=2400, smallest_batch=400)


@pytest.mark.parametrize(
    ("quota", "checked", "verdict"),
    [
        (Quota(used=1000, limit=1000), True, QuotaVerdict.USED_UP),
        (Quota(used=1700, limit=2000), True, QuotaVerdict.USED_UP),  # 300 left: no waiting batch fits
        (Quota(used=1000, limit=2000), True, QuotaVerdict.PARTIAL),  # 1,000 left for 2,400 residents
        (Quota(used=1000, limit=5000), True, QuotaVerdict.ENOUGH),
        (Quota(used=10**6, limit=None), True, QuotaVerdict.NO_LIMIT),
        (None, True, QuotaVerdict.UNKNOWN),
        (None, False, QuotaVerdict.NOT_CHECKED),
    ],
)
def test_the_quota_verdict_on_resuming(quota, checked, verdict):
    assert judge_quota(quota, WAITING, checked=checked) is verdict
    assert verdict.refuses == (verdict in (QuotaVerdict.USED_UP, QuotaVerdict.UNKNOWN))


def test_a_used_up_quota_refuses_even_with_nothing_waiting():
    assert judge_quota(Quota(used=5, limit=5), Waiting()) is QuotaVerdict.USED_UP
    assert judge_quota(Quota(used=4, limit=5), Waiting()) is QuotaVerdict.ENOUGH
