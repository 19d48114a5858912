"""The LINE sandbox answers as LINE documents: raw HTTP against it, no SDK."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from werkzeug.test import Client

from channels.sandbox.line_api import LineSandbox
from channels.sandbox.line_state import LineSandboxState
from tests.support.sandbox import LINE_SECRET, LINE_TOKEN, set_faults, users
from tests.support.serving import serve_in_background

AUTH = {"Authorization": f"Bearer {LINE_TOKEN}"}
TEXT = {"type": "text", "text": "hello"}


def post(sandbox, path, body, headers=AUTH, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(
        f"{sandbox.url}{path}", data=data, headers={"Content-Type": "application/json", **headers}, timeout=10
    )


@pytest.mark.parametrize(
    ("case", "body", "headers", "status", "says"),
    [
        ("no token", {"to": ["U" + "a" * 32], "messages": [TEXT]}, {}, 401, "Authentication failed"),
        (
            "wrong token",
            {"to": ["U" + "a" * 32], "messages": [TEXT]},
            {"Authorization": "Bearer x"},
            401,
            "Authentication failed",
        ),
        ("501 recipients", {"to": list(users(501)), "messages": [TEXT]}, AUTH, 400, "between 1 and 500"),
        ("no recipients", {"to": [], "messages": [TEXT]}, AUTH, 400, "between 1 and 500"),
        ("6 messages", {"to": list(users(1)), "messages": [TEXT] * 6}, AUTH, 400, "between 1 and 5"),
        ("no messages", {"to": list(users(1)), "messages": []}, AUTH, 400, "between 1 and 5"),
        (
            "text over 5,000 UTF-16 units",
            {"to": list(users(1)), "messages": [{"type": "text", "text": "😀" * 2501}]},
            AUTH,
            400,
            "between 1 and 5000",
        ),
        (
            "altText over 1,500",
            {
                "to": list(users(1)),
                "messages": [{"type": "flex", "altText": "a" * 1501, "contents": {"type": "bubble"}}],
            },
            AUTH,
            400,
            "between 1 and 1500",
        ),
        (
            "14 quick replies",
            {"to": list(users(1)), "messages": [{**TEXT, "quickReply": {"items": [{}] * 14}}]},
            AUTH,
            400,
            "between 0 and 13",
        ),
        (
            "bad retry key",
            {"to": list(users(1)), "messages": [TEXT]},
            {**AUTH, "X-Line-Retry-Key": "nope"},
            400,
            "X-Line-Retry-Key",
        ),
    ],
)
def test_multicast_refusals(sandbox, case, body, headers, status, says):
    response = post(sandbox, "/v2/bot/message/multicast", body, headers)
    assert response.status_code == status, response.text
    assert says in response.text


def test_bodies_over_2_mb_get_413(sandbox):
    big = json.dumps({"to": list(users(1)), "messages": [{"type": "text", "text": "x" * (2 * 1024 * 1024)}]})
    assert post(sandbox, "/v2/bot/message/multicast", None, raw=big.encode()).status_code == 413


def test_retry_key_repeat_gets_409_and_delivers_nothing(sandbox):
    key = str(uuid.uuid4())
    target = users(2)
    first = post(
        sandbox,
        "/v2/bot/message/multicast",
        {"to": list(target), "messages": [TEXT]},
        {**AUTH, "X-Line-Retry-Key": key},
    )
    again = post(
        sandbox,
        "/v2/bot/message/multicast",
        {"to": list(target), "messages": [TEXT]},
        {**AUTH, "X-Line-Retry-Key": key},
    )
    assert first.status_code == 200 and first.headers["X-Line-Request-Id"]
    assert again.status_code == 409
    assert again.headers["X-Line-Accepted-Request-Id"] == first.headers["X-Line-Request-Id"]
    inbox = requests.get(f"{sandbox.url}/sandbox/line/inbox/{target[0]}", timeout=5).json()["messages"]
    assert len(inbox) == 1


def test_monthly_quota_answers_with_lines_body(sandbox):
    set_faults(sandbox, "line", monthly_quota=3)
    assert post(sandbox, "/v2/bot/message/multicast", {"to": list(users(3)), "messages": [TEXT]}).status_code == 200
    refused = post(sandbox, "/v2/bot/message/multicast", {"to": list(users(1)), "messages": [TEXT]})
    assert refused.status_code == 429 and refused.json() == {"message": "You have reached your monthly limit."}
    quota = requests.get(f"{sandbox.url}/v2/bot/message/quota/consumption", headers=AUTH, timeout=5).json()
    assert quota == {"totalUsage": 3}


def quota_answers(sandbox, headers=AUTH):
    return [
        requests.get(f"{sandbox.url}/v2/bot/message/{path}", headers=headers, timeout=5)
        for path in ("quota", "quota/consumption")
    ]


def test_the_quota_endpoints_answer_as_line_documents_them(sandbox):
    limit, used = quota_answers(sandbox)
    assert limit.json() == {"type": "none"} and used.json() == {"totalUsage": 0}
    set_faults(sandbox, "line", monthly_quota=10)
    # LINE counts a send once per recipient, whatever the number of message objects in it; replies are free.
    assert post(sandbox, "/v2/bot/message/multicast", {"to": list(users(3)), "messages": [TEXT] * 5}).status_code == 200
    assert post(sandbox, "/v2/bot/message/push", {"to": users(1)[0], "messages": [TEXT, TEXT]}).status_code == 200
    limit, used = quota_answers(sandbox)
    assert limit.json() == {"type": "limited", "value": 10} and used.json() == {"totalUsage": 4}
    too_many = post(sandbox, "/v2/bot/message/multicast", {"to": list(users(7)), "messages": [TEXT]})
    assert too_many.status_code == 429  # the whole send is refused when it does not fit
    assert quota_answers(sandbox)[1].json() == {"totalUsage": 4}


def test_replies_are_free_and_the_summary_counts_each_kind_of_send_apart(sandbox):
    set_faults(sandbox, "line", monthly_quota=5)
    resident = users(1)[0]
    for token in ("reply-token-1", "reply-token-2"):
        sandbox.line.state.reply_tokens[token] = (resident, time.time())  # as a webhook event would issue it
        assert post(sandbox, "/v2/bot/message/reply", {"replyToken": token, "messages": [TEXT]}).status_code == 200
    assert post(sandbox, "/v2/bot/message/multicast", {"to": list(users(4)), "messages": [TEXT]}).status_code == 200
    assert post(sandbox, "/v2/bot/message/push", {"to": resident, "messages": [TEXT]}).status_code == 200
    assert quota_answers(sandbox)[1].json() == {"totalUsage": 5}  # 4 + 1; the two replies cost nothing
    stats = requests.get(f"{sandbox.url}/sandbox/line/summary", timeout=5).json()["stats"]
    assert (stats["multicast_recipients"], stats["push_recipients"], stats["reply_recipients"]) == (4, 1, 2)
    # The quota used up, a reply still goes: LINE does not count replies against it.
    sandbox.line.state.reply_tokens["reply-token-3"] = (resident, time.time())
    reply = post(sandbox, "/v2/bot/message/reply", {"replyToken": "reply-token-3", "messages": [TEXT]})
    assert reply.status_code == 200
    assert post(sandbox, "/v2/bot/message/push", {"to": resident, "messages": [TEXT]}).status_code == 429


def test_the_quota_endpoints_check_the_token_and_meet_the_faults(sandbox):
    assert [r.status_code for r in quota_answers(sandbox, {"Authorization": "Bearer x"})] == [401, 401]
    set_faults(sandbox, "line", error_rate=1.0)
    assert [r.status_code for r in quota_answers(sandbox)] == [500, 500]


def test_faults_can_be_read_and_are_validated(sandbox):
    assert requests.get(f"{sandbox.url}/sandbox/line/faults", timeout=5).json()["error_rate"] == 0
    bad = requests.post(f"{sandbox.url}/sandbox/line/faults", json={"error_rate": 2}, timeout=5)
    assert bad.status_code == 400 and "error_rate" in bad.text
    unknown = requests.post(f"{sandbox.url}/sandbox/line/faults", json={"colour": "red"}, timeout=5)
    assert unknown.status_code == 400 and "colour" in unknown.text


class _Receiver:
    """A stand-in bot that records the webhooks it gets."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve_in_background(self.server)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/line"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bot():
    receiver = _Receiver()
    yield receiver
    receiver.close()


@pytest.mark.parametrize("kind", ["follow", "unfollow", "message", "postback"])
def test_simulated_events_arrive_signed_like_lines(sandbox, bot, kind):
    requests.post(f"{sandbox.url}/sandbox/line/webhook", json={"url": bot.url}, timeout=5)
    user = users(1)[0]
    answer = requests.post(
        f"{sandbox.url}/sandbox/line/simulate",
        json={"userId": user, "type": kind, "text": "dengue", "data": "lang=id"},
        timeout=10,
    ).json()
    assert answer["webhookStatus"] == 200
    headers, body = bot.received[-1]
    expected = base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    assert headers["X-Line-Signature"] == expected
    event = json.loads(body)["events"][0]
    assert event["type"] == kind and event["source"]["userId"] == user
    assert event["webhookEventId"] and event["deliveryContext"] == {"isRedelivery": False}
    assert ("replyToken" in event) == (kind != "unfollow")


def test_reply_tokens_are_single_use(sandbox, bot):
    requests.post(f"{sandbox.url}/sandbox/line/webhook", json={"url": bot.url}, timeout=5)
    user = users(1)[0]
    event = requests.post(
        f"{sandbox.url}/sandbox/line/simulate", json={"userId": user, "type": "message", "text": "hi"}, timeout=10
    ).json()["event"]
    reply = {"replyToken": event["replyToken"], "messages": [TEXT]}
    first = post(sandbox, "/v2/bot/message/reply", reply)
    again = post(sandbox, "/v2/bot/message/reply", reply)
    assert first.status_code == 200 and first.json()["sentMessages"]
    assert again.status_code == 400 and again.json()["message"] == "Invalid reply token"
    inbox = requests.get(f"{sandbox.url}/sandbox/line/inbox/{user}", timeout=5).json()["messages"]
    assert [m["via"] for m in inbox] == ["reply"]


def test_profile_of_a_simulated_resident(sandbox):
    user = users(1)[0]
    made = requests.post(
        f"{sandbox.url}/sandbox/line/users", json={"userId": user, "displayName": "Linh", "language": "vi"}, timeout=5
    )
    assert made.status_code == 201
    profile = requests.get(f"{sandbox.url}/v2/bot/profile/{user}", headers=AUTH, timeout=5).json()
    assert profile == {"userId": user, "displayName": "Linh", "language": "vi"}
    assert requests.get(f"{sandbox.url}/v2/bot/profile/{users(1)[0]}", headers=AUTH, timeout=5).status_code == 404


def test_a_new_month_starts_the_quota_again_as_lines_does():
    now = [datetime(2026, 11, 30, 15, 59, tzinfo=UTC).timestamp()]  # 23:59 on 30 November in Taipei
    app = LineSandbox(LineSandboxState(access_tokens={LINE_TOKEN}, channel_secret=LINE_SECRET, clock=lambda: now[0]))
    app.faults.update({"monthly_quota": 5})
    client = Client(app)

    def multicast(n):
        return client.post(
            "/v2/bot/message/multicast", json={"to": list(users(n)), "messages": [TEXT]}, headers=AUTH
        ).status_code

    def used():
        return client.get("/v2/bot/message/quota/consumption", headers=AUTH).get_json()["totalUsage"]

    assert multicast(4) == 200 and used() == 4 and multicast(2) == 429
    now[0] += 120  # 00:01 on 1 December in Taipei
    assert used() == 0 and multicast(5) == 200 and used() == 5
