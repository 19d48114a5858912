"""Web Push through the outbox: the fan-out segments browsers like any residents, the worker sends their batches,
a push service's refusals are retried without a second copy to anyone, and an expired browser is forgotten."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import insert, select

from channels.webpush import endpoint_id
from messages.i18n import LANGUAGES
from messages.models import Notice
from scheduler.audience import ALL_TOPICS, Subscriber
from scheduler.outbox import Delivery, DeliveryStatus
from scheduler.render import NoticeRenderer
from scheduler.sending import Dispatch, send_now
from scheduler.worker import RetryPolicy, Worker, WorkerSettings
from tests.scheduler.conftest import approved_notice
from tests.support.webpush import received, sandbox_browser, webpush_channel

FAST = RetryPolicy(max_attempts=10, base_s=0.02, max_s=0.2)


@pytest.fixture
def push(sandbox):
    sandbox.push.reset()
    return sandbox


@pytest.fixture
def channel(push, session_factory, tmp_path):
    built = webpush_channel(session_factory, push.url, tmp_path)
    yield built
    built.close()


def subscribe_browsers(session_factory, push, count: int) -> dict[str, tuple[dict, str]]:
    """``count`` browsers subscribed at the sandbox, stored as residents in every language in turn."""
    languages = list(LANGUAGES)
    browsers = {}
    rows = []
    now = datetime.now(UTC)
    for i in range(count):
        subscription = sandbox_browser(push.url)
        resident = endpoint_id(subscription["endpoint"])
        browsers[resident] = (subscription, languages[i % len(languages)])
        rows.append(
            {
                "channel": "webpush",
                "platform_user_id": resident,
                "language": languages[i % len(languages)],
                "topics": ALL_TOPICS,
                "districts": 0,
                "whole_city": True,
                "status": "active",
                "address": {"endpoint": subscription["endpoint"], "keys": subscription["keys"]},
                "created_at": now,
                "updated_at": now,
            }
        )
    with session_factory.begin() as session:
        session.execute(insert(Subscriber), rows)
    return browsers


def send_through_the_outbox(session_factory, composer, glossary, channel) -> tuple[int, Worker]:
    dispatch = Dispatch(
        session_factory=session_factory,
        composer=composer,
        glossary=glossary,
        localiser=None,
        channels={"webpush": channel.limits},
        languages=tuple(LANGUAGES),
    )
    with session_factory.begin() as session:
        notice_id = approved_notice(session, composer).id
    send_now(dispatch, notice_id)
    worker = Worker(
        session_factory=session_factory,
        channels={"webpush": channel},
        renderer=NoticeRenderer(session_factory, composer, tuple(LANGUAGES)),
        settings=WorkerSettings(worker_id="webpush-test", lease_s=5, poll_s=0.05, retry=FAST),
        rng=random.Random(3),
    )
    assert worker.run_until_done(timeout=60)
    return notice_id, worker


def test_every_browser_gets_one_notification_in_its_language(push, channel, session_factory, composer, glossary):
    browsers = subscribe_browsers(session_factory, push, 30)
    gone = next(iter(browsers))
    requests.post(f"{push.url}/sandbox/push/subscriptions/{browsers[gone][0]['id']}/expire", timeout=5)
    requests.post(f"{push.url}/sandbox/push/faults", json={"statuses": [429, 503, 429], "retry_after": 0}, timeout=5)
    notice_id, worker = send_through_the_outbox(session_factory, composer, glossary, channel)
    assert worker.counters["retries"] >= 1  # what the push service refused went again
    with session_factory() as session:
        notice = session.get(Notice, notice_id)
        titles = {code: composer.compose(notice, code).title_line for code in LANGUAGES}
        statuses = set(session.scalars(select(Delivery.status).where(Delivery.notice_id == notice_id)))
        forgotten = session.scalar(select(Subscriber).where(Subscriber.platform_user_id == gone))
    assert statuses == {DeliveryStatus.SENT}
    for resident, (subscription, language) in browsers.items():
        messages = received(push.url, subscription)
        if resident == gone:
            assert messages == []
            continue
        assert len(messages) == 1, f"{language} browser got {len(messages)} pushes"
        assert messages[0]["payload"]["lang"] == language
        assert messages[0]["payload"]["title"] == titles[language]
    assert forgotten.status == "inactive" and forgotten.address is None
