"""Facebook Messenger: the subscription handshake, signed events, and the same conversation as on LINE."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import requests
from sqlalchemy import func, select

from bot.channel_settings import SANDBOX_SECRETS
from bot.conversation.models import Conversation, WebhookEvent
from bot.conversation.texts import BotTexts

APP_SECRET = SANDBOX_SECRETS["facebook.app_secret"]
VERIFY_TOKEN = "sandbox-facebook-verify-token"


def psid() -> str:
    return str(uuid.uuid4().int)[:16]


def post_event(stack, *messaging, secret: str = APP_SECRET) -> requests.Response:
    body = json.dumps(
        {
            "object": "page",
            "entry": [{"id": "sandbox-page", "time": int(time.time() * 1000), "messaging": list(messaging)}],
        }
    ).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return requests.post(
        f"{stack.url}/webhooks/facebook",
        data=body,
        timeout=10,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )


def text_event(person: str, text: str) -> dict:
    return {
        "sender": {"id": person},
        "recipient": {"id": "sandbox-page"},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": "m_" + uuid.uuid4().hex, "text": text},
    }


def quick_reply_event(person: str, payload: str) -> dict:
    return {
        "sender": {"id": person},
        "recipient": {"id": "sandbox-page"},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": "m_" + uuid.uuid4().hex, "text": "tap", "quick_reply": {"payload": payload}},
    }


def inbox(stack, person: str) -> list[dict]:
    return requests.get(f"{stack.sandbox_url}/sandbox/facebook/messages/{person}", timeout=5).json()["messages"]


def writes(stack, person: str, event: dict, *, expect: int) -> list[dict]:
    """The person writes to the page (which opens Messenger's 24-hour window); the page's answers to it."""
    requests.post(f"{stack.sandbox_url}/sandbox/facebook/inbound", json={"psid": person}, timeout=5)
    before = len(inbox(stack, person))
    assert post_event(stack, event).status_code == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(inbox(stack, person)) < before + expect:
        time.sleep(0.05)
    return [m["message"] for m in inbox(stack, person)[before:]]


def test_the_subscription_handshake_echoes_the_challenge(stack):
    ok = requests.get(
        f"{stack.url}/webhooks/facebook",
        timeout=5,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = requests.get(
        f"{stack.url}/webhooks/facebook",
        timeout=5,
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
    )
    assert wrong.status_code == 403 and "1158201444" not in wrong.text


def test_a_bad_signature_gets_400_and_nothing_is_stored(stack):
    response = post_event(stack, text_event(psid(), "hello"), secret="not-the-app-secret")
    assert response.status_code == 400
    time.sleep(0.3)
    with stack.services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
        assert session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_a_stranger_is_onboarded_in_their_language_with_quick_replies(stack):
    t = BotTexts(stack.services.catalogs)
    person = psid()
    first = writes(stack, person, text_event(person, "Xin chào"), expect=2)
    assert t("en", "greeting") in first[0]["text"]
    languages = first[1]["quick_replies"]
    assert [q["title"] for q in languages][:3] == ["繁體中文", "简体中文", "English"]
    vietnamese = next(q["payload"] for q in languages if q["title"] == "Tiếng Việt")
    answer = writes(stack, person, quick_reply_event(person, vietnamese), expect=2)
    assert answer[0]["text"] == t("vi", "language_set", language="Tiếng Việt")
    assert answer[1]["text"].startswith(t("vi", "choose_topics"))


def test_a_redelivered_message_is_answered_once(stack):
    person = psid()
    writes(stack, person, text_event(person, "hello"), expect=2)
    event = text_event(person, "menu")
    answered = writes(stack, person, event, expect=1)
    assert post_event(stack, event).status_code == 200  # Facebook delivers it again
    time.sleep(0.5)
    assert len(answered) == 1 and len(inbox(stack, person)) == 3


def test_no_reply_outside_the_24_hour_window(stack):
    person = psid()  # the sandbox has no record of this person writing: the window is closed
    assert post_event(stack, text_event(person, "hello")).status_code == 200
    time.sleep(0.5)
    assert inbox(stack, person) == []


def test_echoes_reads_and_unknown_objects_are_acknowledged(stack):
    person = psid()
    echo = {
        "sender": {"id": "sandbox-page"},
        "recipient": {"id": person},
        "message": {"mid": "m_1", "is_echo": True, "text": "x"},
    }
    read = {"sender": {"id": person}, "recipient": {"id": "sandbox-page"}, "read": {"watermark": 1}}
    assert post_event(stack, echo, read).status_code == 200
    body = json.dumps({"object": "instagram", "entry": []}).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = requests.post(
        f"{stack.url}/webhooks/facebook", data=body, timeout=5, headers={"X-Hub-Signature-256": signature}
    )
    assert response.status_code == 404
