"""A notice asking recipients to check in carries "I'm safe" / "I need help" as LINE quick replies in the
recipient's language, both as a Flex bubble and as plain text; a Cancel of it, and other notices, carry none."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from channels.line import render_messages
from messages.models import MsgType
from tests.support.factories import notice


def rendered(composer, language, *, ask=True, msg_type=MsgType.ALERT):
    item = notice(composer, "heavy_rain")
    item.id, item.identifier, item.ask_checkin, item.msg_type = 41, "civicast-test-41", ask, msg_type
    return render_messages(composer.compose(item, language))


@pytest.mark.parametrize(
    ("language", "labels"), [("zh-Hant", ["我平安", "我需要協助"]), ("vi", ["Tôi an toàn", "Tôi cần giúp đỡ"])]
)
def test_the_answers_are_quick_replies_in_the_recipients_language(composer, language, labels):
    [message] = rendered(composer, language)
    actions = [item["action"] for item in message["quickReply"]["items"]]
    assert [a["label"] for a in actions] == labels
    assert [parse_qs(a["data"]) for a in actions] == [
        {"action": ["checkin"], "a": [a], "n": ["41"]} for a in ("safe", "help")
    ]
    prompt = composer.compose(notice(composer, "heavy_rain"), language).checkin  # None: that notice does not ask
    assert prompt is None


def test_a_cancel_and_a_notice_not_asking_carry_no_quick_replies(composer):
    assert "quickReply" not in rendered(composer, "en", ask=False)[0]
    assert "quickReply" not in rendered(composer, "en", msg_type=MsgType.CANCEL)[0]
