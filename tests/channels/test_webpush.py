"""Web Push against the sandbox's push service: encrypted, VAPID-signed, read back as the browser would show it."""

from __future__ import annotations

import stat

import pytest
import requests
from py_vapid import Vapid

from channels.base import Batch, ChannelContext, PermanentError, RetryableError
from channels.webpush import (
    SANDBOX_KEY_FILE,
    WebPushChannel,
    WebPushSettings,
    endpoint_id,
    notice_tag,
    public_key_of,
    push_topic,
)
from tests.support.factories import localised, notice


class Residents:
    """What the channel's context gives it: stored addresses, and a record of the residents it forgot."""

    def __init__(self) -> None:
        self.addresses: dict[str, dict] = {}
        self.forgotten: list[tuple[str, str]] = []

    def add(self, subscription: dict) -> str:
        resident = endpoint_id(subscription["endpoint"])
        self.addresses[resident] = {"endpoint": subscription["endpoint"], "keys": subscription["keys"]}
        return resident

    def context(self, sandbox_url: str | None, var_dir) -> ChannelContext:
        return ChannelContext(
            addresses=lambda channel, ids: {i: self.addresses[i] for i in ids if i in self.addresses},
            forget=lambda channel, resident: self.forgotten.append((channel, resident)),
            sandbox_url=sandbox_url,
            var_dir=var_dir,
        )


@pytest.fixture
def push(sandbox):
    sandbox.push.reset()
    return sandbox


@pytest.fixture
def residents():
    return Residents()


@pytest.fixture
def channel(push, residents, tmp_path):
    built = WebPushChannel.from_settings(WebPushSettings(enabled=True), residents.context(push.url, tmp_path))
    yield built
    built.close()


def browser(push, **body) -> dict:
    """A browser subscribing at the stand-in: endpoint and keys, its private key kept there."""
    response = requests.post(f"{push.url}/sandbox/push/subscriptions", json=body, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


def received(push, subscription) -> list[dict]:
    return requests.get(f"{push.url}/sandbox/push/subscriptions/{subscription['id']}", timeout=5).json()["messages"]


def test_each_browser_gets_the_notice_encrypted_signed_and_in_its_language(push, residents, channel, composer):
    browsers = [browser(push, application_server_key=channel.public_key) for _ in range(3)]
    ids = tuple(residents.add(b) for b in browsers)
    vi = localised(composer, "typhoon_land_warning", "vi")
    result = channel.send(Batch("delivery-1", {"vi": vi}, ids))
    assert result.detail["accepted"] == "3"
    for subscription in browsers:
        (message,) = received(push, subscription)
        shown = message["payload"]
        assert shown["title"] == vi.title_line and shown["lang"] == "vi"
        assert shown["body"].startswith(vi.body) and vi.instruction in shown["body"]
        assert shown["url"] == vi.link and shown["url"].endswith("?lang=vi")
        assert shown["tag"] == notice_tag(vi) and shown["severity"] == vi.severity.value
        assert message["vapid"]["aud"] == push.url and message["vapid"]["sub"].startswith("mailto:")
        assert message["topic"] == push_topic(vi) and int(message["ttl"]) == 86_400


def test_the_urgency_follows_the_severity(push, residents, channel, composer):
    subscription = browser(push)
    resident = residents.add(subscription)
    for severity in ("Extreme", "Minor"):
        item = notice(composer)
        item.id, item.identifier, item.severity = 8, f"civicast-{severity}", severity
        channel.send(Batch(f"d-{severity}", {"en": composer.compose(item, "en")}, (resident,)))
    assert [m["urgency"] for m in received(push, subscription)] == ["high", "low"]


def test_a_training_notice_says_test_first(push, residents, channel, composer):
    subscription = browser(push)
    item = notice(composer)
    item.id, item.identifier, item.training = 9, "civicast-drill", True
    ja = composer.compose(item, "ja")
    channel.send(Batch("drill", {"ja": ja}, (residents.add(subscription),)))
    shown = received(push, subscription)[0]["payload"]
    assert shown["training"] is True and ja.test_mark and shown["title"].startswith(ja.test_mark)


def test_an_expired_subscription_is_forgotten_and_the_others_still_get_it(push, residents, channel, composer):
    kept, gone = browser(push), browser(push)
    ids = (residents.add(kept), residents.add(gone))
    requests.post(f"{push.url}/sandbox/push/subscriptions/{gone['id']}/expire", timeout=5).raise_for_status()
    result = channel.send(Batch("d-gone", {"en": localised(composer)}, ids))
    assert residents.forgotten == [("webpush", ids[1])]
    assert result.detail["accepted"] == "1" and result.detail["gone"] == "1"
    assert len(received(push, kept)) == 1 and received(push, gone) == []


def test_a_rate_limited_push_is_retried_later_and_nobody_gets_it_twice(push, residents, channel, composer):
    browsers = [browser(push) for _ in range(4)]
    ids = tuple(residents.add(b) for b in browsers)
    requests.post(f"{push.url}/sandbox/push/faults", json={"statuses": [429], "retry_after": 7}, timeout=5)
    batch = Batch("d-429", {"en": localised(composer)}, ids)
    with pytest.raises(RetryableError) as raised:
        channel.send(batch)
    assert raised.value.delay_s == 7 and raised.value.status == 429
    assert sum(len(received(push, b)) for b in browsers) == 3
    result = channel.send(batch)  # the worker's retry, same delivery id
    assert [len(received(push, b)) for b in browsers] == [1, 1, 1, 1]
    assert result.detail["accepted"] == "4"


def test_a_push_service_error_is_retryable(push, residents, channel, composer):
    resident = residents.add(browser(push))
    requests.post(f"{push.url}/sandbox/push/faults", json={"statuses": [503]}, timeout=5)
    with pytest.raises(RetryableError) as raised:
        channel.send(Batch("d-503", {"en": localised(composer)}, (resident,)))
    assert raised.value.status == 503 and raised.value.delay_s is None


def test_a_push_signed_with_another_key_than_the_browser_subscribed_with_is_refused(push, residents, channel, composer):
    other = Vapid()
    other.generate_keys()
    resident = residents.add(browser(push, application_server_key=public_key_of(other)))
    with pytest.raises(PermanentError, match="403"):
        channel.send(Batch("d-403", {"en": localised(composer)}, (resident,)))


def test_a_resident_without_a_stored_address_is_skipped(push, residents, channel, composer):
    resident = residents.add(browser(push))
    result = channel.send(Batch("d-missing", {"en": localised(composer)}, (resident, "f" * 64)))
    assert result.detail == {"accepted": "1", "gone": "0", "refused": "0", "no_address": "1"}


def test_in_sandbox_mode_a_real_browsers_endpoint_goes_to_the_sandbox(push, residents, channel, composer):
    keys = browser(push)["keys"]
    resident = residents.add({"endpoint": "https://fcm.googleapis.com/fcm/send/abc-123", "keys": keys})
    channel.send(Batch("d-foreign", {"en": localised(composer)}, (resident,)))
    (pushed,) = requests.get(f"{push.url}/sandbox/push/foreign", timeout=5).json()["pushes"]
    assert pushed["endpoint"] == "fcm.googleapis.com/fcm/send/abc-123" and pushed["vapid"]["aud"] == push.url


def test_sandbox_keys_are_made_once_and_kept_private(push, residents, tmp_path):
    context = residents.context(push.url, tmp_path)
    first = WebPushChannel.from_settings(WebPushSettings(), context)
    second = WebPushChannel.from_settings(WebPushSettings(), context)
    assert first.public_key == second.public_key and len(first.public_key) == 87  # 65 bytes, base64url
    assert stat.S_IMODE((tmp_path / SANDBOX_KEY_FILE).stat().st_mode) == 0o600


def test_live_mode_needs_the_citys_key(residents, tmp_path):
    with pytest.raises(ValueError, match="vapid_private_key"):
        WebPushChannel.from_settings(WebPushSettings(enabled=True), residents.context(None, tmp_path))
    key = Vapid()
    key.generate_keys()
    pem = tmp_path / "vapid.pem"
    key.save_key(str(pem))
    live = WebPushChannel.from_settings(
        WebPushSettings(enabled=True, vapid_private_key_file=pem), residents.context(None, tmp_path)
    )
    assert live.public_key == public_key_of(key)
    assert live.endpoint_for("https://fcm.googleapis.com/fcm/send/x") == "https://fcm.googleapis.com/fcm/send/x"
    assert not (tmp_path / SANDBOX_KEY_FILE).exists()


def test_settings_refuse_what_push_services_would(tmp_path):
    with pytest.raises(ValueError, match="mailto"):
        WebPushSettings(subject="notices@kcg.gov.tw")
    with pytest.raises(ValueError, match="not both"):
        WebPushSettings(vapid_private_key="abc", vapid_private_key_file=tmp_path / "k.pem")


def test_the_preview_is_the_notification_and_the_page_it_opens(channel, composer):
    th = localised(composer, "typhoon_land_warning", "th")
    shown = channel.preview(th)
    assert shown.channel == "webpush" and shown.label == "Web Push"
    assert shown.title == th.title_line and shown.text.startswith(th.body)
    assert shown.payload["url"] == th.link and shown.payload["lang"] == "th" and shown.problems == ()
