"""The preview grid of a poll: in every language, LINE's quick replies carry its options, and the Facebook post's
part and the cable crawl list them (as many as the crawl has room for) and say where to vote."""

from __future__ import annotations

from datetime import timedelta

from bot.office import polls
from bot.office.drafts import NoticeInput
from bot.office.preview import build_preview
from tests.bot.office.conftest import EDITOR, NOW, act


def test_each_language_shows_the_options_as_each_channel_would(services):
    data = NoticeInput("poll", {"districts": ["qishan"]}, free_text="要不要延長圖書館開放時間？")
    options = [polls.OptionInput(phrase_key="yes"), polls.OptionInput(phrase_key="not_sure")]
    closes = NOW + timedelta(days=1)
    notice_id = act(services, polls.compose_poll, services.composer, EDITOR, data, options=options, closes_at=closes).id
    preview = build_preview(services, notice_id, translate=False)
    assert [lp.language.code for lp in preview.languages] == list(services.settings.languages)
    labels = {lp.language.code: lp.notice.poll.options for lp in preview.languages if lp.notice.poll}
    assert labels["zh-Hant"] == ("是", "不確定") and labels["en"] == ("Yes", "Not sure") and len(labels) == 12
    for lp in preview.languages:
        poll = lp.notice.poll
        line, facebook, cable = lp.on("line"), lp.on("facebook"), lp.on("cable_tv")
        [message] = line.payload
        assert [item["action"]["label"] for item in message["quickReply"]["items"]] == list(poll.options)
        assert line.buttons == poll.options
        assert facebook.text.splitlines()[-3:] == [
            f"1. {poll.options[0]}",
            f"2. {poll.options[1]}",
            poll.vote_on_line,
        ]
        assert "LINE" in cable.text  # where to vote, before the answers the crawl may cut
