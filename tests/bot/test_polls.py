"""Votes in polls through the conversation engine and the workflow layer: one vote per resident, the first
counting; a vote after the close refused politely; results per option and district; open data only of closed
live polls, with nobody's id; a drill's votes kept out; a resident who asks to be forgotten leaves an anonymous
vote; a poll is refused without its options."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.conversation.engine import ConversationEngine
from bot.conversation.faq import FaqIndex
from bot.conversation.faq_files import seed_if_empty
from bot.conversation.models import PollVote
from bot.conversation.replies import EventKind, Incoming
from bot.conversation.texts import BotTexts
from bot.office import polls
from bot.office.drafts import NoticeInput, compose_notice
from bot.office.translations import ReviewError
from messages.dates import format_datetime_for
from messages.i18n import get_language
from messages.models import Notice, NoticeStatus
from messages.params import InvalidParameters
from messages.polls import Poll, poll_spec
from messages.translate import find_memory
from tests.bot.office.conftest import APPROVER, EDITOR

ANH = "U" + "a1" * 16
BAO = "U" + "b2" * 16


@pytest.fixture
def engine(session_factory, catalogs, glossary, composer):
    seed_if_empty(session_factory)
    return ConversationEngine(
        session_factory=session_factory,
        texts=BotTexts(catalogs),
        glossary=glossary,
        composer=composer,
        faq=FaqIndex(session_factory),
    )


def tap(engine, data, user=ANH):
    return engine.handle(Incoming("line", user, EventKind.POSTBACK, data=data))


def resident_of(engine, user, district, language="vi"):
    engine.handle(Incoming("line", user, EventKind.FOLLOW, profile_language=language))
    tap(engine, "action=all_topics", user=user)
    tap(engine, f"action=district&d={district}", user=user)


def sent_poll(session_factory, composer, *, training=False, closes_in=timedelta(days=1)) -> int:
    now = datetime.now(UTC)
    data = NoticeInput(
        "poll", {"districts": ["qishan", "meinong"]}, free_text="要不要延長圖書館開放時間？", training=training
    )
    options = [polls.OptionInput(phrase_key="yes"), polls.OptionInput(phrase_key="no")]
    with session_factory.begin() as session:
        notice = polls.compose_poll(
            session, composer, EDITOR, data, options=options, closes_at=now + closes_in, now=now
        )
        notice.status, notice.sent_at = NoticeStatus.SENT, now
        return notice.id


def close(session_factory, notice_id):
    with session_factory.begin() as session:
        closed = datetime.now(UTC) - timedelta(minutes=1)
        session.execute(update(Poll).where(Poll.notice_id == notice_id).values(closes_at=closed))
        return closed


def votes(session_factory):
    with session_factory() as session:
        return [
            (v.position, v.district, v.user_id, v.training)
            for v in session.scalars(select(PollVote).order_by(PollVote.id))
        ]


def test_one_vote_per_resident_and_the_first_counts(engine, session_factory, composer, glossary):
    notice_id = sent_poll(session_factory, composer)
    resident_of(engine, ANH, "qishan")
    resident_of(engine, BAO, "meinong", language="en")
    assert tap(engine, f"action=vote&n={notice_id}&o=1")[0].text == engine.texts("vi", "poll_thanks")
    assert tap(engine, f"action=vote&n={notice_id}&o=2")[0].text == engine.texts("vi", "poll_already_voted")
    tap(engine, f"action=vote&n={notice_id}&o=2", user=BAO)
    assert votes(session_factory) == [(1, "qishan", ANH, False), (2, "meinong", BAO, False)]
    with session_factory() as session:
        results = polls.results(session, session.get(Notice, notice_id), glossary, now=datetime.now(UTC))
    assert results is not None and results.options == [(1, 1), (2, 1)] and not results.closed
    assert results.districts == {"qishan": {1: 1, 2: 0}, "meinong": {1: 0, 2: 1}}


def test_unknown_polls_and_options_are_answered_not_counted(engine, session_factory, composer):
    notice_id = sent_poll(session_factory, composer)
    resident_of(engine, ANH, "qishan")
    for data in (f"action=vote&n={notice_id}&o=7", "action=vote&n=999&o=1"):
        assert tap(engine, data)[0].text == engine.texts("vi", "poll_unknown")
    assert tap(engine, "action=vote&n=x&o=1")[0].text == engine.texts("vi", "not_understood")
    assert votes(session_factory) == []


def test_a_vote_after_the_close_is_refused_in_the_residents_language(engine, session_factory, composer):
    notice_id = sent_poll(session_factory, composer)
    resident_of(engine, ANH, "qishan")
    closed = close(session_factory, notice_id)
    expected = engine.texts("vi", "poll_closed", time=format_datetime_for(closed, get_language("vi")))
    assert tap(engine, f"action=vote&n={notice_id}&o=1")[0].text == expected
    assert votes(session_factory) == []


def test_open_data_only_closed_live_polls_without_ids(engine, session_factory, composer):
    live = sent_poll(session_factory, composer)
    drill = sent_poll(session_factory, composer, training=True)
    still_open = sent_poll(session_factory, composer)
    resident_of(engine, ANH, "qishan")
    for notice_id in (live, drill, still_open):
        tap(engine, f"action=vote&n={notice_id}&o=1")
    assert tap(engine, f"action=vote&n={drill}&o=1")[0].text == engine.texts("vi", "poll_already_voted")
    close(session_factory, live)
    close(session_factory, drill)
    with session_factory() as session:
        rows = polls.open_data(session, now=datetime.now(UTC))
    assert {(r["notice_id"], r["option"], r["answer"], r["district"], r["votes"]) for r in rows} == {
        (live, 1, "yes", "qishan", 1),
        (live, 2, "no", "", 0),
    }
    assert ANH not in str(rows)


def test_a_drill_vote_is_marked_and_thanked_as_a_drill(engine, session_factory, composer):
    drill = sent_poll(session_factory, composer, training=True)
    resident_of(engine, ANH, "qishan")
    assert tap(engine, f"action=vote&n={drill}&o=2")[0].text == engine.texts("vi", "poll_training_thanks")
    assert votes(session_factory) == [(2, "qishan", ANH, True)]


def test_forgetting_a_resident_keeps_their_vote_anonymous(engine, session_factory, composer):
    notice_id = sent_poll(session_factory, composer)
    resident_of(engine, ANH, "qishan")
    tap(engine, f"action=vote&n={notice_id}&o=1")
    tap(engine, "action=delete_yes")
    assert votes(session_factory) == [(1, "qishan", None, False)]


def test_a_poll_needs_its_options_and_a_closing_time_to_come(engine, composer):
    session_factory, now = engine.session_factory, datetime.now(UTC)
    data = NoticeInput("poll", {}, free_text="問題")
    with session_factory() as session:
        with pytest.raises(InvalidParameters) as refused:
            compose_notice(session, composer, EDITOR, data, now=now)
        assert "poll" in refused.value.errors
        with pytest.raises(polls.PollError) as bad:
            polls.compose_poll(
                session,
                composer,
                EDITOR,
                data,
                options=[polls.OptionInput(text="同意"), polls.OptionInput(text=" 同意 "), polls.OptionInput(text="")],
                closes_at="2020-01-01T00:00",
                now=now,
            )
        assert set(bad.value.errors) == {"options", "options.3", "closes_at"}


def test_an_officer_reviews_an_options_translation(engine, composer):
    session_factory, now = engine.session_factory, datetime.now(UTC)
    data = NoticeInput("poll", {}, free_text="要不要延長開放時間？")
    options = [polls.OptionInput(phrase_key="yes"), polls.OptionInput(text="只要週末")]
    with session_factory.begin() as session:
        notice_id = polls.compose_poll(
            session, composer, EDITOR, data, options=options, closes_at=now + timedelta(days=1), now=now
        ).id
    with session_factory.begin() as session:
        with pytest.raises(ReviewError):
            polls.review_option(session, APPROVER, notice_id, 1, "vi", "Có", now=now)  # a phrase: reviewed already
        with pytest.raises(ReviewError):
            polls.review_option(session, APPROVER, notice_id, 2, "vi", "Chỉ\u0007 cuối tuần", now=now)
        polls.review_option(session, APPROVER, notice_id, 2, "vi", "Chỉ cuối tuần", now=now)
    with session_factory() as session:
        spec = poll_spec(session, notice_id)
        memory = find_memory(session, "只要週末", "zh-Hant", ["vi"])["vi"]
    assert spec is not None and spec.options[1].labels == {"vi": "Chỉ cuối tuần"}
    assert (memory.text, memory.origin) == ("Chỉ cuối tuần", "reviewed")
    with session_factory() as session:
        notice = session.get(Notice, notice_id)
        assert composer.compose(notice, "vi", poll=spec).poll.options == ("Có", "Chỉ cuối tuần")
