"""Webhook events are stored before the webhook answers: redeliveries skipped, a restart loses none."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import create_app
from bot.conversation.models import WebhookEvent
from bot.webhooks.inbox import (
    STALE_CLAIM,
    SWEEP_EVERY,
    EventInbox,
    claim_event,
    mark_handled,
    pending_events,
    store_events,
)
from tests.support.sandbox import users

NOW = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)


def test_a_redelivered_event_is_stored_once(session_factory):
    with session_factory.begin() as session:
        assert store_events(session, "line", [("E1", {"n": 1}), ("E2", {"n": 2})], now=NOW) == ["E1", "E2"]
    with session_factory.begin() as session:
        assert store_events(session, "line", [("E2", {"n": 2}), ("E3", {"n": 3})], now=NOW) == ["E3"]
        assert session.scalar(select(WebhookEvent.payload).where(WebhookEvent.event_id == "E2")) == {"n": 2}


def test_an_event_is_claimed_by_one_handler_and_retried_if_it_died(session_factory):
    with session_factory.begin() as session:
        store_events(session, "line", [("E1", {"n": 1})], now=NOW)
    with session_factory.begin() as session:
        assert claim_event(session, "E1", now=NOW) == {"n": 1}
    with session_factory.begin() as session:
        assert claim_event(session, "E1", now=NOW + timedelta(seconds=1)) is None  # another worker has it
        assert pending_events(session, "line", now=NOW + timedelta(seconds=1)) == []
    later = NOW + STALE_CLAIM + timedelta(seconds=1)  # the first handler died without finishing
    with session_factory.begin() as session:
        assert pending_events(session, "line", now=later) == [("E1", {"n": 1})]
        assert claim_event(session, "E1", now=later) == {"n": 1}
        mark_handled(session, "E1", now=later)
    with session_factory.begin() as session:
        assert claim_event(session, "E1", now=later + STALE_CLAIM * 2) is None  # handled: never again
        assert pending_events(session, "line", now=later + STALE_CLAIM * 2) == []


def test_a_delivery_that_cannot_be_stored_is_refused_for_redelivery(tmp_path):
    from messages.db import make_engine, make_session_factory

    engine = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'civicast.db'}")  # cannot be opened
    with ThreadPoolExecutor(max_workers=1) as executor:
        inbox = EventInbox(
            channel="line",
            session_factory=make_session_factory(engine),
            executor=executor,
            handle_payload=lambda *_: None,
            user_of=lambda _: "U1",
            clock=lambda: NOW,
        )
        assert inbox.accept([("E1", {})]) is False
    engine.dispose()


def test_events_older_than_a_day_are_not_resumed(session_factory):
    with session_factory.begin() as session:
        store_events(session, "messenger", [("M1", {})], now=NOW)
        assert pending_events(session, "messenger", now=NOW + timedelta(hours=25)) == []
        assert pending_events(session, "line", now=NOW) == []  # another channel's


def test_an_event_stored_before_a_crash_is_answered_after_the_restart(stack):
    user = users(1)[0]
    stack.simulate(userId=user, type="follow")
    stack.wait_for_messages(user, 2)
    # The process stored this "menu" message, answered LINE with 200, and died before handling it.
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        "message": {"id": "1", "type": "text", "text": "menu", "quoteToken": "q"},
    }
    with stack.services.session_factory.begin() as session:
        store_events(session, "line", [(event["webhookEventId"], event)], now=datetime.now(UTC))
    restarted = create_app(stack.services.settings, stack.services)  # resumes what was left
    try:
        messages = stack.wait_for_messages(user, 3)
        assert messages[-1]["via"] == "push"  # the old reply token is no longer honoured
        assert messages[-1]["message"]["text"] == stack.converse(user, type="message", text="menu")[0]["text"]
    finally:
        restarted.extensions["civicast.webhook_executor"].shutdown(wait=True)
    with stack.services.session_factory() as session:
        handled = session.scalar(
            select(WebhookEvent.handled_at).where(WebhookEvent.event_id == event["webhookEventId"])
        )
    assert handled is not None


def test_web_processes_only_store_and_the_webhook_worker_answers(stack):
    from concurrent.futures import ThreadPoolExecutor

    from bot.webhooks.worker import WebhookWorker, build_bots
    from channels.sandbox.line_events import sign

    user = users(1)[0]
    with ThreadPoolExecutor(max_workers=1) as unused:
        line_bot, _ = build_bots(stack.services, unused, handle_here=False)
        event = {
            "type": "follow",
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": user},
            "webhookEventId": uuid.uuid4().hex.upper()[:26],
            "deliveryContext": {"isRedelivery": False},
            "follow": {"isUnblocked": False},
            "replyToken": uuid.uuid4().hex,
        }
        body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}).encode()
        secret = stack.services.settings.channels.line.channel_secret
        assert line_bot.accept(body, sign(secret, body)) == (200, "ok")
    time.sleep(0.3)
    assert stack.inbox(user) == []  # stored, not answered by the web process
    worker = WebhookWorker(stack.services)
    worker.start()
    try:
        messages = stack.wait_for_messages(user, 2)
    finally:
        worker.stop()
    assert messages[0]["via"] == "push"  # the sandbox never issued that reply token


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def handled_at(session_factory, event_id):
    with session_factory() as session:
        return session.scalar(select(WebhookEvent.handled_at).where(WebhookEvent.event_id == event_id))


def test_an_event_whose_handling_failed_is_retried_by_a_later_sweep_without_a_restart(session_factory):
    clock, calls = Clock(), []

    def handle(event_id, _payload):
        calls.append(event_id)
        if calls.count(event_id) == 1 and event_id == "E1":
            raise RuntimeError("the database went away mid-answer")

    with ThreadPoolExecutor(max_workers=1) as executor:
        inbox = EventInbox(
            channel="line",
            session_factory=session_factory,
            executor=executor,
            handle_payload=handle,
            user_of=lambda payload: payload["user"],
            clock=clock,
        )
        assert inbox.accept([("E1", {"user": "U1"})])
        executor.submit(lambda: None).result()  # the handler thread is done with E1
        assert calls == ["E1"] and handled_at(session_factory, "E1") is None
        clock.now += SWEEP_EVERY / 2
        inbox.accept([("E2", {"user": "U2"})])  # too soon for a sweep, and E1's claim is still fresh
        clock.now += STALE_CLAIM
        inbox.accept([("E3", {"user": "U3"})])  # a minute on: this delivery sweeps, E1's claim is stale
        for _ in range(3):
            executor.submit(lambda: None).result()
    assert calls == ["E1", "E2", "E3", "E1"]
    assert all(handled_at(session_factory, event_id) for event_id in ("E1", "E2", "E3"))


def test_a_sweep_deletes_the_channel_s_events_older_than_the_configured_days(session_factory):
    with session_factory.begin() as session:
        store_events(session, "line", [("OLD", {}), ("OLD-UNHANDLED", {})], now=NOW - timedelta(days=31))
        store_events(session, "line", [("RECENT", {})], now=NOW - timedelta(days=29))
        store_events(session, "messenger", [("OTHER", {})], now=NOW - timedelta(days=31))
        mark_handled(session, "OLD", now=NOW - timedelta(days=31))
        mark_handled(session, "RECENT", now=NOW - timedelta(days=29))
    with ThreadPoolExecutor(max_workers=1) as executor:
        inbox = EventInbox(
            channel="line",
            session_factory=session_factory,
            executor=executor,
            handle_payload=lambda *_: None,
            user_of=lambda _: "U1",
            clock=lambda: NOW,
            keep_events=timedelta(days=30),
        )
        assert inbox.sweep() == 0
    with session_factory() as session:
        assert set(session.scalars(select(WebhookEvent.event_id))) == {"RECENT", "OTHER"}
