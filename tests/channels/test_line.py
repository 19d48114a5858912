"""The LINE channel through the real line-bot-sdk against the sandbox on 127.0.0.1."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from channels.base import Batch, LimitExceeded, PermanentError, Quota, QuotaExhausted, RetryableError, utf16_length
from channels.line import (
    MAX_ALT_TEXT,
    InvalidReplyToken,
    LineChannel,
    alt_text,
    flex_bubble,
    render_messages,
)
from channels.presentation import SEVERITY_COLOURS, TRAINING_COLOUR
from tests.support.factories import localised
from tests.support.sandbox import LINE_TOKEN, free_port, set_faults, users


def inbox(sandbox, user: str) -> list[dict]:
    return requests.get(f"{sandbox.url}/sandbox/line/inbox/{user}", timeout=5).json()["messages"]


def summary(sandbox) -> dict:
    return requests.get(f"{sandbox.url}/sandbox/line/summary", timeout=5).json()


@pytest.fixture
def notice(composer):
    return localised(composer, "typhoon_land_warning", "vi")


def batch(notice, recipients, delivery_id=None):
    return Batch(delivery_id or str(uuid.uuid4()), {notice.language: notice}, tuple(recipients))


# --- the table: what happens to one multicast under each condition -------------------------------

CASES = {
    "accepted": ({}, None),
    "server error": ({"error_rate": 1.0}, RetryableError),
    "rate limited": ({"rate_429": 1.0}, RetryableError),
    "monthly quota used up": ({"monthly_quota": 100}, QuotaExhausted),
    "over the rate limit": ({"rate_limit_rps": 0.001}, RetryableError),
    "too slow": ({"latency_ms": 3000}, RetryableError),
    "connection dropped after accepting": ({"drop_rate": 1.0}, RetryableError),
}


@pytest.mark.parametrize("case", list(CASES))
def test_multicast_outcomes(sandbox, line, notice, case):
    faults, error = CASES[case]
    if case == "over the rate limit":
        line.send(batch(notice, users(1)))  # spends this second's budget
    if faults:
        set_faults(sandbox, "line", **faults)
    recipients = users(500)
    if error is None:
        result = line.send(batch(notice, recipients))
        assert result.platform_request_id and not result.duplicate
        assert len(inbox(sandbox, recipients[0])) == 1 and len(inbox(sandbox, recipients[-1])) == 1
    else:
        with pytest.raises(error) as caught:
            line.send(batch(notice, recipients))
        if error is RetryableError and case in ("server error", "rate limited"):
            assert caught.value.status in (500, 429)
        if error is QuotaExhausted:
            assert caught.value.status == 429
            assert not isinstance(caught.value, RetryableError)
        if case == "too slow":  # the sandbox accepts it once its delay is over: a later test must not see that
            deadline = time.monotonic() + 10
            while summary(sandbox)["users"] < len(recipients) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert summary(sandbox)["users"] == len(recipients)


def test_the_same_delivery_sent_twice_arrives_once(sandbox, line, notice):
    recipients = users(500)
    delivery = batch(notice, recipients)
    first = line.send(delivery)
    second = line.send(delivery)
    assert second.duplicate and second.platform_request_id == first.platform_request_id
    figures = summary(sandbox)
    assert figures["users"] == 500 and figures["users_with_more_than_one"] == 0


def test_a_retry_after_a_dropped_connection_arrives_once(sandbox, line, notice):
    recipients = users(200)
    delivery = batch(notice, recipients)
    set_faults(sandbox, "line", drop_rate=1.0)
    with pytest.raises(RetryableError):
        line.send(delivery)
    set_faults(sandbox, "line", drop_rate=0.0)
    assert line.send(delivery).duplicate  # the sandbox had accepted it: 409, counted as sent
    assert all(len(inbox(sandbox, user)) == 1 for user in recipients[:20])
    assert summary(sandbox)["users_with_more_than_one"] == 0


def test_refused_before_sending_what_line_would_refuse(sandbox, line, notice):
    with pytest.raises(LimitExceeded, match="1 to 500"):
        line.send(batch(notice, users(501)))
    with pytest.raises(LimitExceeded):
        line.send(batch(notice, ()))
    assert summary(sandbox)["stats"] == {}  # nothing reached the API


def test_line_refusals_are_permanent(sandbox, notice):
    wrong_token = LineChannel(access_token="not-the-token", api_base_url=sandbox.url)
    with pytest.raises(PermanentError) as caught:
        wrong_token.send(batch(notice, users(1)))
    assert caught.value.status == 401 and not isinstance(caught.value, RetryableError)
    right_token = LineChannel(access_token=LINE_TOKEN, api_base_url=sandbox.url)
    with pytest.raises(PermanentError, match="Invalid user ID") as caught:
        right_token.send(batch(notice, ("not-a-line-user",)))
    assert caught.value.status == 400


def test_unreachable_line_is_retryable(notice):
    channel = LineChannel(access_token=LINE_TOKEN, api_base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(RetryableError, match="unreachable"):
        channel.send(batch(notice, users(1)))


def test_request_id_is_kept(sandbox, line, notice):
    result = line.send(batch(notice, users(3)))
    assert inbox(sandbox, "U" + "0" * 32) == []
    assert len(result.platform_request_id) == 32


# --- rendering ----------------------------------------------------------------------------------


def test_flex_bubble_shows_severity_text_and_link(composer):
    notice = localised(composer, "evacuation_order", "th")
    bubble = flex_bubble(notice)
    header = bubble["header"]
    assert header["backgroundColor"] == SEVERITY_COLOURS[notice.severity]
    assert header["contents"][1]["text"] == notice.headline
    texts = json.dumps(bubble, ensure_ascii=False)
    assert notice.body in texts and notice.instruction in texts and notice.source_text in texts
    action = bubble["footer"]["contents"][0]["action"]
    assert action["uri"] == notice.link and action["label"] == notice.link_label


def test_training_notices_have_their_own_colour(composer):
    notice = localised(composer, "heavy_rain", "en")
    training = type(notice)(**{**notice.__dict__, "training": True})
    assert flex_bubble(training)["header"]["backgroundColor"] == TRAINING_COLOUR


def test_alt_text_and_text_fallback_respect_limits(composer):
    notice = localised(composer, "heavy_rain", "en")
    long = type(notice)(**{**notice.__dict__, "body": "颱風" * 3000, "instruction": "🌧" + "雨" * 5000})
    assert len(alt_text(long)) <= MAX_ALT_TEXT
    messages = render_messages(long)
    # 15 KB of body and 17 KB of instruction do not fit a 30 KB bubble: the notice goes as text,
    # cut to 5,000 UTF-16 units.
    assert messages[0]["type"] == "text" and utf16_length(messages[0]["text"]) <= 5000
    short = render_messages(notice)
    assert short[0]["type"] == "flex" and short[0]["altText"].startswith(notice.title_line)


def test_every_language_renders_within_limits(composer):
    from messages.i18n import LANGUAGES

    for code in LANGUAGES:
        message = render_messages(localised(composer, "dengue_outbreak", code))[0]
        assert message["type"] == "flex" and len(message["altText"]) <= MAX_ALT_TEXT


# --- one resident: push, reply, profile ---------------------------------------------------------


def test_push_and_profile(sandbox, line, notice):
    user = users(1)[0]
    requests.post(
        f"{sandbox.url}/sandbox/line/users", json={"userId": user, "displayName": "Siti", "language": "id"}, timeout=5
    )
    profile = line.get_profile(user)
    assert profile.language == "id" and profile.display_name == "Siti"
    assert line.get_profile(users(1)[0]) is None
    line.push(user, [{"type": "text", "text": "Halo"}], retry_key=str(uuid.uuid4()))
    assert inbox(sandbox, user)[0]["message"] == {"type": "text", "text": "Halo"}


def test_reply_token_is_honoured_once(sandbox, line):
    user = users(1)[0]
    token = sandbox.line.state.reply_tokens
    from channels.sandbox.line_events import build_event

    event = build_event(sandbox.line.state, {"type": "message", "userId": user, "text": "hi"})
    assert event["replyToken"] in token
    line.reply(event["replyToken"], [{"type": "text", "text": "first"}])
    with pytest.raises(InvalidReplyToken):
        line.reply(event["replyToken"], [{"type": "text", "text": "second"}])
    with pytest.raises(InvalidReplyToken):
        line.reply("never-issued", [{"type": "text", "text": "third"}])
    assert [m["message"]["text"] for m in inbox(sandbox, user)] == ["first"]


def test_a_default_rich_menu_needs_its_image_and_an_unknown_one_is_refused(sandbox, line):
    menu = {
        "size": {"width": 2500, "height": 843},
        "selected": True,
        "name": "city",
        "chatBarText": "選單",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                "action": {"type": "postback", "data": "action=latest"},
            }
        ],
    }
    menu_id = line.create_rich_menu(menu)
    with pytest.raises(PermanentError, match="must upload richmenu image"):
        line.set_default_rich_menu(menu_id)
    with pytest.raises(PermanentError, match="404"):
        line.set_default_rich_menu("richmenu-" + "0" * 32)
    line.upload_rich_menu_image(menu_id, b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    line.set_default_rich_menu(menu_id)
    overview = requests.get(f"{sandbox.url}/sandbox/line/richmenus", timeout=5).json()
    assert overview["default"] == menu_id


# --- the monthly quota, asked before an officer resumes a paused channel --------------------------


def test_the_quota_is_what_line_reports_counting_one_message_per_recipient(sandbox, line, notice):
    assert line.quota() == Quota(used=0, limit=None)  # no target limit set
    set_faults(sandbox, "line", monthly_quota=1000)
    line.send(batch(notice, users(400)))
    line.push_notice(users(1)[0], notice, retry_key=str(uuid.uuid4()))
    quota = line.quota()
    assert quota == Quota(used=401, limit=1000) and quota.remaining == 599


def test_the_quota_is_kept_briefly_and_asked_again_after_the_channel_sent(sandbox, line, notice):
    set_faults(sandbox, "line", monthly_quota=1000)
    assert line.quota() == Quota(used=0, limit=1000)
    other = LineChannel(access_token=LINE_TOKEN, api_base_url=sandbox.url, timeout_s=2.0)
    try:
        other.send(batch(notice, users(10)))  # another process spends some of the quota
    finally:
        other.close()
    assert line.quota() == Quota(used=0, limit=1000)  # the kept answer: LINE is not asked on every page view
    assert line.quota(max_age_s=0) == Quota(used=10, limit=1000)  # a decision asks LINE now
    line.send(batch(notice, users(5)))
    assert line.quota() == Quota(used=15, limit=1000)  # its own send made the kept answer stale


def test_a_failed_quota_question_is_not_kept(sandbox, line):
    set_faults(sandbox, "line", error_rate=1.0)
    with pytest.raises(RetryableError):
        line.quota()
    set_faults(sandbox, "line", error_rate=0.0, monthly_quota=7)
    assert line.quota() == Quota(used=0, limit=7)


@pytest.mark.parametrize(
    ("faults", "token", "error"),
    [({"error_rate": 1.0}, LINE_TOKEN, RetryableError), ({}, "revoked-token", PermanentError)],
)
def test_a_quota_that_cannot_be_read_is_a_civicast_error(sandbox, faults, token, error):
    if faults:
        set_faults(sandbox, "line", **faults)
    channel = LineChannel(access_token=token, api_base_url=sandbox.url, timeout_s=2.0)
    try:
        with pytest.raises(error):
            channel.quota()
    finally:
        channel.close()


def test_an_unreachable_line_is_a_retryable_error_for_the_quota_too():
    channel = LineChannel(
        access_token=LINE_TOKEN, api_base_url=f"http://127.0.0.1:{free_port()}", timeout_s=1.0, connect_timeout_s=0.5
    )
    try:
        with pytest.raises(RetryableError):
            channel.quota()
    finally:
        channel.close()


def test_reply_tokens_issued_for_a_load_generator_are_honoured_once_and_timed(sandbox, line):
    first, second = users(2)
    answer = requests.post(
        f"{sandbox.url}/sandbox/line/reply-tokens", json={"userIds": [first, second, first]}, timeout=5
    )
    tokens = answer.json()["replyTokens"]
    assert answer.status_code == 200 and len(set(tokens)) == 3
    before = time.time()
    line.reply(tokens[1], [{"type": "text", "text": "to the second"}])
    with pytest.raises(InvalidReplyToken):
        line.reply(tokens[1], [{"type": "text", "text": "again"}])
    assert [m["message"]["text"] for m in inbox(sandbox, second)] == ["to the second"]
    assert inbox(sandbox, first) == []
    replied = requests.get(f"{sandbox.url}/sandbox/line/replies", timeout=5).json()["repliedAt"]
    assert set(replied) == {tokens[1]} and replied[tokens[1]] >= before
    refused = requests.post(f"{sandbox.url}/sandbox/line/reply-tokens", json={"userIds": ["nobody"]}, timeout=5)
    assert refused.status_code == 400
