"""The Facebook channel through the real facebook-sdk against the Graph sandbox on 127.0.0.1."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from channels.base import Batch, PermanentError, PersonalMessage, RetryableError, Told
from channels.facebook import FacebookChannel, OutsideMessagingWindow, post_section, post_text
from messages.i18n import LANGUAGES
from tests.support.factories import notice as make_notice
from tests.support.sandbox import PAGE_ID, PAGE_TOKEN, free_port, set_faults


@pytest.fixture
def notices(composer):
    item = make_notice(composer, "typhoon_land_warning")
    item.id, item.identifier = 31, "civicast-test-31"
    return composer.compose_all(item, list(LANGUAGES))


def posts(sandbox) -> list[dict]:
    return requests.get(f"{sandbox.url}/sandbox/facebook/posts", timeout=5).json()["data"]


def test_one_post_in_the_page_languages_linking_to_all(sandbox, facebook, notices):
    result = facebook.send(Batch("d-1", notices))
    [post] = posts(sandbox)
    assert result.platform_request_id == post["id"]
    message = post["message"]
    assert message.index(notices["zh-Hant"].headline) < message.index(notices["en"].headline)
    assert notices["vi"].headline not in message  # other languages are one tap away, on the notice page
    assert notices["zh-Hant"].other_languages_text in message
    assert post["link"] == notices["en"].page_link


def test_languages_come_from_configuration(sandbox, notices):
    channel = FacebookChannel(
        page_id=PAGE_ID, page_access_token=PAGE_TOKEN, graph_base_url=sandbox.url, post_languages=("en", "vi", "id")
    )
    channel.send(Batch("d-2", notices))
    message = posts(sandbox)[0]["message"]
    assert notices["vi"].headline in message and notices["id"].headline in message
    assert notices["zh-Hant"].headline not in message


def test_a_retry_after_a_dropped_connection_posts_once(sandbox, facebook, notices):
    set_faults(sandbox, "facebook", drop_rate=1.0)
    with pytest.raises(RetryableError):
        facebook.send(Batch("d-3", notices))
    set_faults(sandbox, "facebook", drop_rate=0.0)
    assert facebook.send(Batch("d-3", notices)).duplicate
    assert len(posts(sandbox)) == 1


ERROR_CODES = {
    4: RetryableError,  # application request limit
    17: RetryableError,  # user request limit
    32: RetryableError,  # page request limit
    613: RetryableError,  # rate limit
    2: RetryableError,  # temporary service error
    190: PermanentError,  # invalid token
    200: PermanentError,  # missing permission
    10: PermanentError,  # permission
    100: PermanentError,  # invalid parameter
}


@pytest.mark.parametrize("code", list(ERROR_CODES))
def test_graph_error_codes(sandbox, facebook, notices, code):
    set_faults(sandbox, "facebook", error_codes=[code])
    with pytest.raises(ERROR_CODES[code]) as caught:
        facebook.send(Batch(f"d-code-{code}", notices))
    assert str(code) in str(caught.value)
    if ERROR_CODES[code] is PermanentError:
        assert not isinstance(caught.value, RetryableError)


def test_server_errors_and_unreachable_graph_are_retryable(sandbox, facebook, notices):
    set_faults(sandbox, "facebook", error_rate=1.0)
    with pytest.raises(RetryableError):
        facebook.send(Batch("d-5", notices))
    gone = FacebookChannel(
        page_id=PAGE_ID, page_access_token=PAGE_TOKEN, graph_base_url=f"http://127.0.0.1:{free_port()}"
    )
    with pytest.raises(RetryableError, match="unreachable"):
        gone.send(Batch("d-6", notices))


def test_messenger_replies_only_inside_the_24_hour_window(sandbox, facebook):
    with pytest.raises(OutsideMessagingWindow):
        facebook.reply("psid-1", "Hello")
    requests.post(f"{sandbox.url}/sandbox/facebook/inbound", json={"psid": "psid-1"}, timeout=5)
    result = facebook.reply(
        "psid-1", "Xin chào", quick_replies=[{"content_type": "text", "title": "VI", "payload": "lang=vi"}]
    )
    inbox = requests.get(f"{sandbox.url}/sandbox/facebook/messages/psid-1", timeout=5).json()["messages"]
    assert result.platform_request_id == inbox[0]["message_id"]
    assert inbox[0]["message"]["text"] == "Xin chào"
    requests.post(
        f"{sandbox.url}/sandbox/facebook/inbound", json={"psid": "psid-2", "at": time.time() - 25 * 3600}, timeout=5
    )
    with pytest.raises(OutsideMessagingWindow):
        facebook.reply("psid-2", "too late")


def test_telling_a_resident_answers_on_messenger_inside_the_window_only(sandbox, facebook):
    requests.post(f"{sandbox.url}/sandbox/facebook/inbound", json={"psid": "psid-3"}, timeout=5)
    message = PersonalMessage("Case KH-1 is in progress", (("1", "action=survey&score=1"),))
    now = datetime.now(UTC)
    assert facebook.tell("psid-3", [message], last_heard=now - timedelta(hours=1)) is Told.TOLD
    [sent] = requests.get(f"{sandbox.url}/sandbox/facebook/messages/psid-3", timeout=5).json()["messages"]
    assert sent["message"]["text"] == "Case KH-1 is in progress"
    assert sent["message"]["quick_replies"] == [
        {"content_type": "text", "title": "1", "payload": "action=survey&score=1"}
    ]
    assert facebook.tell("psid-3", [message], last_heard=now - timedelta(hours=25)) is Told.WINDOW
    assert facebook.tell("psid-3", [message], last_heard=None) is Told.WINDOW


def test_a_language_previews_as_its_section_of_the_page_post(facebook, notices):
    zh, vi = notices["zh-Hant"], notices["vi"]
    assert facebook.preview(zh).text == post_section(zh) and facebook.preview(zh).included
    assert not facebook.preview(vi).included  # the page posts in zh-Hant and English only
    whole = facebook.preview_send({"zh-Hant": zh, "vi": vi})
    assert whole is not None and whole.text == post_text([zh])
    assert facebook.preview_send({"vi": vi}) is None
