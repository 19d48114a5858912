"""The sandbox's push service refuses what a real one would: a bad or foreign VAPID signature, a JWT for another
audience or out of date, a push without TTL, not aes128gcm, too large, or that does not decrypt."""

from __future__ import annotations

import time

import pytest
import requests
from py_vapid import Vapid
from pywebpush import WebPusher

from channels.webpush import public_key_of
from tests.support.sandbox import sandbox, sandbox_server  # noqa: F401 - fixtures
from tests.support.webpush import received, sandbox_browser


@pytest.fixture
def push(sandbox):  # noqa: F811
    sandbox.push.reset()
    return sandbox


@pytest.fixture(scope="module")
def key():
    vapid = Vapid()
    vapid.generate_keys()
    return vapid


def push_to(subscription, key, *, claims=None, body=b'{"title": "t"}', headers=None, strip=()):
    """A push as pywebpush makes it (encrypted to the subscription), signed with ``key`` over ``claims``."""
    endpoint = subscription["endpoint"]
    origin = endpoint.split("/push/")[0]
    signed = {"sub": "mailto:ops@example.tw", "aud": origin, "exp": int(time.time()) + 3600, **(claims or {})}
    prepared = WebPusher(subscription)._prepare_send_data(body, headers=dict(key.sign(signed)), ttl=60)
    sent = {k: v for k, v in prepared["headers"].items() if k not in strip}
    sent.update(headers or {})
    return requests.post(endpoint, data=prepared["data"], headers=sent, timeout=5)


def test_a_good_push_is_decrypted_and_recorded(push, key):
    browser = sandbox_browser(push.url, public_key_of(key))
    response = push_to(browser, key, headers={"Urgency": "high", "Topic": "notice-1"})
    assert response.status_code == 201 and response.headers["Location"].startswith("/push/message/")
    (message,) = received(push.url, browser)
    assert message["payload"] == {"title": "t"} and message["urgency"] == "high" and message["topic"] == "notice-1"
    assert message["vapid"]["aud"] == push.url


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"claims": {"aud": "https://fcm.googleapis.com"}}, 401, "aud"),
        ({"claims": {"exp": int(time.time()) - 10}}, 401, "exp"),
        ({"claims": {"exp": int(time.time()) + 3 * 86400}}, 401, "exp"),
        ({"strip": ("ttl",)}, 400, "TTL"),
        ({"headers": {"Urgency": "urgent"}}, 400, "Urgency"),
        ({"headers": {"Topic": "not a topic!"}}, 400, "Topic"),
        ({"headers": {"Content-Encoding": "aesgcm"}}, 415, "aes128gcm"),
        ({"body": b"x" * 5000}, 413, "4096"),
        ({"headers": {"Authorization": "Bearer abc"}}, 401, "vapid"),
    ],
)
def test_a_push_a_real_push_service_would_refuse_is_refused(push, key, change, status, reason):
    browser = sandbox_browser(push.url)
    response = push_to(browser, key, **change)
    assert response.status_code == status and reason in response.json()["error"]
    assert received(push.url, browser) == []


def test_a_signature_by_another_key_or_a_tampered_body_is_refused(push, key):
    browser = sandbox_browser(push.url)
    other = Vapid()
    other.generate_keys()
    signed = other.sign({"sub": "mailto:ops@example.tw", "aud": push.url, "exp": int(time.time()) + 60})
    forged = signed["Authorization"].replace(public_key_of(other), public_key_of(key))
    response = push_to(browser, key, headers={"Authorization": forged})
    assert response.status_code == 401 and "signature" in response.json()["error"]

    prepared = WebPusher(browser)._prepare_send_data(b"hello", headers={}, ttl=60)
    tampered = prepared["data"][:-1] + bytes([prepared["data"][-1] ^ 1])
    claims = {"sub": "mailto:ops@example.tw", "aud": push.url, "exp": int(time.time()) + 60}
    sent = {**prepared["headers"], **key.sign(claims)}
    response = requests.post(browser["endpoint"], data=tampered, headers=sent, timeout=5)
    assert response.status_code == 400 and "decrypt" in response.json()["error"]


def test_a_browser_that_subscribed_with_another_key_refuses_ours(push, key):
    other = Vapid()
    other.generate_keys()
    browser = sandbox_browser(push.url, public_key_of(other))
    assert push_to(browser, key).status_code == 403


def test_an_expired_or_unknown_subscription(push, key):
    browser = sandbox_browser(push.url)
    requests.post(f"{push.url}/sandbox/push/subscriptions/{browser['id']}/expire", timeout=5).raise_for_status()
    assert push_to(browser, key).status_code == 410
    unknown = {**browser, "endpoint": f"{push.url}/push/send/nobody"}
    assert push_to(unknown, key).status_code == 404


def test_queued_faults_answer_the_next_pushes(push, key):
    browser = sandbox_browser(push.url)
    faults = {"statuses": [429, 500], "retry_after": 30}
    requests.post(f"{push.url}/sandbox/push/faults", json=faults, timeout=5).raise_for_status()
    first, second, third = (push_to(browser, key) for _ in range(3))
    assert (first.status_code, first.headers["Retry-After"]) == (429, "30")
    assert (second.status_code, third.status_code) == (500, 201)
    assert len(received(push.url, browser)) == 1
