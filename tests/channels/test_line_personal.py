"""LINE as the preview grid shows it and as it tells one resident about their case, against the sandbox."""

from __future__ import annotations

import requests

from channels.base import ChannelContext, PersonalMessage, Told
from channels.line import LineChannel, alt_text, render_messages
from channels.line_settings import LineSettings
from tests.support.factories import localised
from tests.support.sandbox import LINE_TOKEN, users


def test_a_case_message_is_pushed_with_its_answers_as_quick_replies(sandbox, line):
    user = users(1)[0]
    survey = PersonalMessage("How did we do?", (("1", "action=survey&score=1"), ("5", "action=survey&score=5")))
    assert line.tell(user, [PersonalMessage("Case KH-1 is in progress"), survey], last_heard=None) is Told.TOLD
    first, second = (
        item["message"]
        for item in requests.get(f"{sandbox.url}/sandbox/line/inbox/{user}", timeout=5).json()["messages"]
    )
    assert first == {"type": "text", "text": "Case KH-1 is in progress"}
    actions = [item["action"] for item in second["quickReply"]["items"]]
    assert actions[0] == {"type": "postback", "label": "1", "data": "action=survey&score=1", "displayText": "1"}


def test_a_language_previews_as_its_messages_with_the_notification_text(composer, line):
    notice = localised(composer, "typhoon_land_warning", "vi")
    preview = line.preview(notice)
    assert preview.payload == render_messages(notice) and preview.title == alt_text(notice)
    assert preview.look == "chat" and preview.problems == () and preview.included


def test_built_from_its_settings_in_the_sandbox_with_the_configured_rate(sandbox):
    counted = []
    context = ChannelContext(sandbox_url=sandbox.url, count_sent=lambda kind, n: counted.append((kind, n)))
    settings = LineSettings(channel_access_token=LINE_TOKEN, requests_per_second=50)
    line = LineChannel.from_settings(settings, context)
    try:
        assert line.limits.requests_per_second == 50 and LineChannel.limits.requests_per_second == 200
        line.tell(users(1)[0], [PersonalMessage("Hello")], last_heard=None)
        assert counted == [("push", 1)]  # a push counts against the monthly quota
    finally:
        line.close()
