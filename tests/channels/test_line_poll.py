"""A poll carries its options as LINE quick replies (``action=vote&n=<notice>&o=<n>``) in the recipient's language:
phrase-bank answers from the catalogs, the officer's words as localised (or as written); its prompt says until
when voting is open; a Cancel of it carries none."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

from channels.line import render_messages
from messages.dates import format_datetime_for
from messages.i18n import get_language
from messages.models import MsgType
from messages.polls import OptionSpec, PollSpec

CLOSES = datetime(2026, 12, 9, 4, 0, tzinfo=UTC)
POLL = PollSpec(
    CLOSES,
    (
        OptionSpec(1, phrase_key="yes"),
        OptionSpec(2, phrase_key="not_sure"),
        OptionSpec(3, text="只要假日", labels={"zh-Hant": "只要假日", "vi": "Chỉ cuối tuần"}),
    ),
)


def rendered(composer, language, *, msg_type=MsgType.ALERT):
    item = composer.new_notice("poll", {"districts": ["meinong"]}, free_text="美濃公車要加班次嗎？")
    item.id, item.identifier, item.msg_type = 52, "civicast-test-52", msg_type
    localised = composer.compose(item, language, poll=POLL)
    return localised, render_messages(localised)


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("zh-Hant", ["是", "不確定", "只要假日"]),
        ("vi", ["Có", "Không chắc", "Chỉ cuối tuần"]),
        ("en", ["Yes", "Not sure", "只要假日"]),
    ],
)
def test_the_options_are_quick_replies_in_the_recipients_language(composer, language, labels):
    localised, [message] = rendered(composer, language)
    actions = [item["action"] for item in message["quickReply"]["items"]]
    assert [a["label"] for a in actions] == labels
    assert [parse_qs(a["data"]) for a in actions] == [
        {"action": ["vote"], "n": ["52"], "o": [str(n)]} for n in (1, 2, 3)
    ]
    closes = format_datetime_for(CLOSES, get_language(language))
    assert localised.poll is not None and closes in localised.poll.prompt
    assert closes in str(message["contents"])  # the bubble says until when


def test_a_cancel_of_a_poll_carries_no_options(composer):
    localised, [message] = rendered(composer, "en", msg_type=MsgType.CANCEL)
    assert localised.poll is None and "quickReply" not in message
