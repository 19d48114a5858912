"""A poll where a tap cannot answer it: the Facebook post and the cable-TV crawl list its numbered answers in the
reader's language and say, in that language, to vote on the city's LINE official account until it closes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels.cable_tv import FeedEntry, crawl_items, crawl_line
from channels.facebook import post_section, post_text
from messages.dates import format_datetime_for
from messages.i18n import LANGUAGES, get_language
from messages.polls import OptionSpec, PollSpec

CLOSES = datetime(2026, 12, 9, 4, 0, tzinfo=UTC)
POLL = PollSpec(
    CLOSES,
    (
        OptionSpec(1, phrase_key="yes"),
        OptionSpec(2, phrase_key="no"),
        OptionSpec(3, text="只要假日", labels={"en": "Only at weekends", "vi": "Chỉ cuối tuần"}),
    ),
)
QUESTION = "美濃公車要加班次嗎？"


def localised(composer, language, poll=POLL):
    item = composer.new_notice("poll", {"districts": ["meinong"]}, free_text=QUESTION)
    item.id, item.identifier = 52, "civicast-test-52"
    return composer.compose(item, language, poll=poll)


def english_vote_text(composer):
    return localised(composer, "en").poll.vote_on_line


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_post_lists_the_answers_and_says_to_vote_on_line_in_each_language(composer, language):
    notice = localised(composer, language)
    assert notice.poll is not None
    how = notice.poll.vote_on_line
    assert "LINE" in how and format_datetime_for(CLOSES, get_language(language)) in how
    if language != "en":  # written in the reader's language, not left in English
        assert how != english_vote_text(composer)
    section = post_section(notice).splitlines()
    options = [f"{number}. {label}" for number, label in enumerate(notice.poll.options, 1)]
    assert section[-4:] == [*options, how]
    assert notice.poll.prompt not in post_section(notice)  # "tap below" means nothing on a page post


def test_the_post_in_chinese_and_english(composer):
    text = post_text([localised(composer, "zh-Hant"), localised(composer, "en")])
    for line in ("1. 是", "2. 否", "3. 只要假日", "1. Yes", "2. No", "3. Only at weekends"):
        assert line in text.splitlines()
    assert text.index("高雄市政府 LINE 官方帳號") < text.index("Kaohsiung City Government's LINE official account")


def test_a_notice_that_is_no_poll_posts_as_before(composer):
    notice = localised(composer, "en", poll=None)
    assert post_section(notice) == "\n".join(p for p in (notice.title_line, notice.body, notice.instruction) if p)
    assert "LINE" not in crawl_line(notice, 500)


@pytest.mark.parametrize("language", ["zh-Hant", "vi", "th", "my"])
def test_the_crawl_follows_the_question_with_where_to_vote_then_the_answers(composer, language):
    notice = localised(composer, language)
    assert notice.poll is not None and not notice.instruction
    short = notice.poll.vote_on_line_short
    assert "LINE" in short and format_datetime_for(CLOSES, get_language(language)) in short
    if language != "en":
        assert short != localised(composer, "en").poll.vote_on_line_short
    separator = " | " if notice.title_line.startswith("[") else " ｜ "
    line = crawl_line(notice, 2000)
    assert line == separator.join([notice.title_line, short, "1. {}  2. {}  3. {}".format(*notice.poll.options)])
    assert short in crawl_line(notice, 120)  # where to vote survives the usual cut
    entry = FeedEntry("civicast-test-52", CLOSES, CLOSES, {language: notice})
    [item] = crawl_items([entry], language, max_chars=2000, fallback="zh-Hant")
    assert item["poll"] == {"options": list(notice.poll.options), "how_to_vote": notice.poll.vote_on_line}
    assert crawl_line(notice, 40).endswith("…") and len(crawl_line(notice, 40)) <= 40
