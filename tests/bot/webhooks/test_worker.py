"""The webhook worker claims stored events in batches and keeps each resident's in order, across workers."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.conversation.models import WebhookEvent
from bot.office.services import Services
from bot.webhooks.inbox import (
    RETRY_FAILED_AFTER,
    STALE_CLAIM,
    EventInbox,
    claim_batch,
    mark_many_handled,
    release_claims,
    store_events,
)
from bot.webhooks.line import line_user
from bot.webhooks.worker import BatchAnswerer, WebhookWorker
from channels.sandbox.line_events import issue_reply_tokens
from tests.support.sandbox import users

NOW = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)


def sender(payload):
    return payload["user"]


def ids(claimed):
    return [event_id for event_id, _, _ in claimed]


def test_a_batch_claim_leaves_a_resident_s_later_events_until_the_earlier_ones_are_handled(session_factory):
    with session_factory.begin() as session:
        store_events(
            session,
            "line",
            [
                ("A1", {"user": "UA"}),
                ("B1", {"user": "UB"}),
                ("A2", {"user": "UA"}),
                ("A3", {"user": "UA"}),
                ("B2", {"user": "UB"}),
            ],
            now=NOW,
            user_of=sender,
        )
    with session_factory.begin() as session:
        first = claim_batch(session, "line", now=NOW, limit=3)
    assert ids(first) == ["A1", "B1", "A2"]  # oldest first, in the order they came
    assert [user for _, user, _ in first] == ["UA", "UB", "UA"]
    with session_factory.begin() as session:  # another worker: A3 and B2 wait for their residents' earlier ones
        assert claim_batch(session, "line", now=NOW, limit=10) == []
    with session_factory.begin() as session:
        mark_many_handled(session, ["A1", "A2"], now=NOW)
    with session_factory.begin() as session:
        assert ids(claim_batch(session, "line", now=NOW, limit=10)) == ["A3"]  # B1 is still being answered
    with session_factory.begin() as session:
        mark_many_handled(session, ["B1", "A3"], now=NOW)
        assert ids(claim_batch(session, "line", now=NOW, limit=10)) == ["B2"]
        mark_many_handled(session, ["B2"], now=NOW)
    with session_factory.begin() as session:
        assert claim_batch(session, "line", now=NOW + STALE_CLAIM * 2, limit=10) == []  # all handled: never again


def test_a_stale_batch_claim_is_taken_again_with_the_resident_s_later_events(session_factory):
    with session_factory.begin() as session:
        store_events(session, "line", [("A1", {"user": "UA"}), ("A2", {"user": "UA"})], now=NOW, user_of=sender)
    with session_factory.begin() as session:
        assert ids(claim_batch(session, "line", now=NOW, limit=1)) == ["A1"]  # then the worker died
    with session_factory.begin() as session:
        assert claim_batch(session, "line", now=NOW + STALE_CLAIM - timedelta(seconds=1), limit=10) == []
    with session_factory.begin() as session:
        later = claim_batch(session, "line", now=NOW + STALE_CLAIM + timedelta(seconds=1), limit=10)
    assert ids(later) == ["A1", "A2"]


def test_a_failed_event_is_retried_before_the_resident_s_later_events(session_factory):
    with session_factory.begin() as session:
        store_events(
            session,
            "line",
            [("A1", {"user": "UA"}), ("A2", {"user": "UA"}), ("B1", {"user": "UB"})],
            now=NOW,
            user_of=sender,
        )
    with session_factory.begin() as session:
        assert ids(claim_batch(session, "line", now=NOW, limit=10)) == ["A1", "A2", "B1"]
        # A1's answer failed: A2 is given back unanswered and A1 waits a little before its retry.
        release_claims(session, ["A1"], retry_at=NOW + RETRY_FAILED_AFTER)
        release_claims(session, ["A2"], retry_at=None)
        mark_many_handled(session, ["B1"], now=NOW)
    with session_factory.begin() as session:
        assert claim_batch(session, "line", now=NOW + RETRY_FAILED_AFTER / 2, limit=10) == []
    with session_factory.begin() as session:
        assert ids(claim_batch(session, "line", now=NOW + RETRY_FAILED_AFTER, limit=10)) == ["A1", "A2"]


def line_event(user, kind, token, **extra):
    return {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": token,
        **extra,
    }


def script(user, tokens):
    """What one resident sends: each event's answer is a reply spending its own token."""
    taps = ["action=lang&code=en", "action=menu", "action=help", "action=settings", "action=menu", "action=help"]
    taps_with_tokens = zip(tokens[1:], taps, strict=True)
    return [line_event(user, "follow", tokens[0], follow={"isUnblocked": False})] + [
        line_event(user, "postback", token, postback={"data": data}) for token, data in taps_with_tokens
    ]


def test_two_workers_answer_each_resident_s_stored_events_once_and_in_order(stack):
    residents = users(8)
    state = stack.sandbox.line.state
    scripts = {user: script(user, issue_reply_tokens(state, [user] * 7)) for user in residents}
    # Stored as web processes store them: residents interleaved, each one's events in the order they came,
    # and every delivery twice (LINE redelivers what it thinks was not acknowledged).
    stored = [scripts[user][step] for step in range(7) for user in residents]
    with stack.services.session_factory.begin() as session:
        for event in stored + stored:
            store_events(session, "line", [(event["webhookEventId"], event)], now=datetime.now(UTC), user_of=line_user)
    other = Services(stack.services.settings)  # its own engine and pool, as a second process has
    # Small batches, so residents' events are split across claims and across the two workers.
    workers = [WebhookWorker(stack.services, in_flight=4), WebhookWorker(other, in_flight=4)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(state.replied_at) < len(stored):
            time.sleep(0.1)
    finally:
        for worker in workers:
            worker.stop()
        other.close()
    accepted = list(state.replied_at)  # in the order the sandbox accepted the replies
    for user in residents:
        tokens = [event["replyToken"] for event in scripts[user]]
        assert [token for token in accepted if token in set(tokens)] == tokens, f"{user}'s answers out of order"
    assert state.stats["reply_requests"] == len(stored) and state.stats["push_requests"] == 0  # each once
    with stack.services.session_factory() as session:
        handled = session.scalars(select(WebhookEvent.handled_at)).all()
    assert len(handled) == len(stored) and all(handled)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_after_a_failed_answer_the_resident_s_later_events_wait_for_its_retry(session_factory):
    clock, calls = Clock(), []

    def handle(event_id, _payload):
        calls.append(event_id)
        if event_id == "A2" and calls.count("A2") == 1:
            raise RuntimeError("LINE answered 500")

    with session_factory.begin() as session:
        store_events(
            session,
            "line",
            [("A1", {"user": "UA"}), ("A2", {"user": "UA"}), ("A3", {"user": "UA"}), ("B1", {"user": "UB"})],
            now=NOW,
            user_of=sender,
        )
    with ThreadPoolExecutor(max_workers=1) as executor:
        inbox = EventInbox(
            channel="line",
            session_factory=session_factory,
            executor=executor,
            handle_payload=handle,
            user_of=sender,
            clock=clock,
        )
        answerer = BatchAnswerer(inbox, executor, in_flight=10, wake=threading.Event())
        assert answerer.step() == 4
        executor.submit(lambda: None).result()  # both residents' events are done with
        assert answerer.step() == 0  # A2 waits for its retry, and A3 for A2
        assert calls == ["A1", "A2", "B1"]
        clock.now += RETRY_FAILED_AFTER
        assert answerer.step() == 2
        executor.submit(lambda: None).result()
        answerer.flush()
    assert calls == ["A1", "A2", "B1", "A2", "A3"]
    with session_factory() as session:
        assert all(session.scalars(select(WebhookEvent.handled_at)).all())


def test_a_round_whose_turns_cannot_be_kept_together_is_answered_resident_by_resident(session_factory):
    rounds, calls = [], []

    def decide(residents):
        rounds.append([[event_id for event_id, _ in events] for events in residents])
        raise RuntimeError("one resident's turn failed")  # nothing kept: each resident is answered on their own

    def handle(event_id, _payload):
        calls.append(event_id)
        if event_id == "A1":
            raise RuntimeError("still failing")

    with session_factory.begin() as session:
        store_events(
            session,
            "line",
            [("A1", {"user": "UA"}), ("A2", {"user": "UA"}), ("B1", {"user": "UB"})],
            now=NOW,
            user_of=sender,
        )
    with ThreadPoolExecutor(max_workers=1) as executor:
        inbox = EventInbox(
            channel="line",
            session_factory=session_factory,
            executor=executor,
            handle_payload=handle,
            user_of=sender,
            clock=Clock(),
            decide=decide,
        )
        answerer = BatchAnswerer(inbox, executor, in_flight=10, wake=threading.Event())
        assert answerer.step() == 3
        for _ in range(3):  # the round, then each resident's own answering
            executor.submit(lambda: None).result()
        answerer.flush()
    assert rounds == [[["A1", "A2"], ["B1"]]]
    assert calls == ["A1", "B1"]  # A2 waits for A1's retry; B is not held up by A
    with session_factory() as session:
        handled = dict(session.execute(select(WebhookEvent.event_id, WebhookEvent.handled_at)).all())
    assert handled["B1"] is not None and handled["A1"] is None and handled["A2"] is None


def test_a_quiet_channel_is_asked_again_only_after_the_idle_poll(session_factory):
    with ThreadPoolExecutor(max_workers=1) as executor:
        inbox = EventInbox(
            channel="messenger",
            session_factory=session_factory,
            executor=executor,
            handle_payload=lambda *_: None,
            user_of=sender,
            clock=lambda: NOW,
        )
        answerer = BatchAnswerer(inbox, executor, in_flight=10, wake=threading.Event(), idle_poll_s=0.3)
        assert answerer.step() == 0  # nothing waiting: the channel is quiet
        with session_factory.begin() as session:
            store_events(session, "messenger", [("M1", {"user": "UM"})], now=NOW, user_of=sender)
        assert answerer.step() == 0  # not asked again so soon
        time.sleep(0.35)
        assert answerer.step() == 1
