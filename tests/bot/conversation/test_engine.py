"""The conversation engine, called directly: onboarding, settings, questions, petitions, surveys, deletion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.conversation.engine import ConversationEngine
from bot.conversation.faq import FaqIndex
from bot.conversation.models import Case, Conversation
from bot.conversation.petitions import change_status
from bot.conversation.replies import MAX_CHOICES, EventKind, Incoming
from bot.conversation.texts import BotTexts
from messages.models import NoticeStatus
from scheduler.audience import Subscriber, SubscriberStatus, district_bit
from tests.support.factories import saved_notice

USER = "U" + "ab" * 16


@pytest.fixture
def engine(conversation_engine):
    return conversation_engine


def say(engine, kind=EventKind.TEXT, user=USER, **fields):
    return engine.handle(Incoming("line", user, kind, **fields))


def tap(engine, data, user=USER):
    return say(engine, EventKind.POSTBACK, user=user, data=data)


def resident(session_factory, user=USER):
    with session_factory() as session:
        return session.scalar(select(Subscriber).where(Subscriber.platform_user_id == user))


def test_follow_without_a_known_language_greets_in_chinese_and_english(engine):
    replies = say(engine, EventKind.FOLLOW)
    texts = engine.texts
    assert texts("zh-Hant", "greeting") in replies[0].text and texts("en", "greeting") in replies[0].text
    labels = [c.label for c in replies[1].choices]
    assert labels == [
        "繁體中文",
        "简体中文",
        "English",
        "日本語",
        "한국어",
        "Tiếng Việt",
        "Bahasa Indonesia",
        "ภาษาไทย",
        "Filipino",
        "Bahasa Melayu",
        "ភាសាខ្មែរ",
        "မြန်မာဘာသာ",
    ]


def test_an_indonesian_profile_reaches_her_district_in_two_taps(engine, session_factory, glossary):
    replies = say(engine, EventKind.FOLLOW, profile_language="id")
    assert replies[0].text == engine.texts("id", "greeting")  # greeted in Indonesian at once
    tap(engine, "action=all_topics")  # tap 1
    replies = tap(engine, "action=district&d=sanmin")  # tap 2
    assert replies[0].text == engine.texts("id", "districts_set", districts=glossary.name("district", "sanmin", "id"))
    person = resident(session_factory)
    assert person.language == "id" and not person.whole_city
    assert person.districts == district_bit(glossary, "sanmin") and person.topics == 7


def test_every_choice_list_fits_lines_quick_replies(engine):
    say(engine, EventKind.FOLLOW)
    for data in (
        "action=lang&code=my",
        "action=topic&t=health",
        "action=topics_done",
        "action=page&p=3",
        "action=menu",
        "action=petition",
        "action=cat&c=drainage",
        "action=page&p=2",
    ):
        for reply in tap(engine, data):
            assert len(reply.choices) <= MAX_CHOICES
            assert all(len(choice.label) <= 20 for choice in reply.choices)


def test_all_38_districts_are_reachable_through_the_pages(engine, glossary):
    say(engine, EventKind.FOLLOW, profile_language="en")
    tap(engine, "action=all_topics")
    seen, page = set(), 0
    while True:
        reply = tap(engine, f"action=page&p={page}")[0]
        districts = {c.data for c in reply.choices if "action=district" in c.data and "d=all" not in c.data}
        if not districts - seen:
            break
        seen |= districts
        page += 1
    assert len(seen) == 38


@pytest.mark.parametrize("typed", ["三民區", "Sanmin", "quận Tam Dân", "sanmin district"])
def test_districts_can_be_typed_in_any_language(engine, session_factory, glossary, typed):
    say(engine, EventKind.FOLLOW, profile_language="vi")
    tap(engine, "action=all_topics")
    say(engine, text=typed)
    assert resident(session_factory).districts == district_bit(glossary, "sanmin")


def test_topics_toggle_and_whole_city(engine, session_factory):
    say(engine, EventKind.FOLLOW, profile_language="th")
    tap(engine, "action=topic&t=transport")
    tap(engine, "action=topic&t=health")
    tap(engine, "action=topics_done")
    tap(engine, "action=district&d=all")
    person = resident(session_factory)
    assert person.topics == 1 and person.whole_city  # disasters only


def test_no_topics_is_refused(engine):
    say(engine, EventKind.FOLLOW, profile_language="en")
    for topic in ("disaster", "health", "transport"):
        tap(engine, f"action=topic&t={topic}")
    replies = tap(engine, "action=topics_done")
    assert replies[0].text == engine.texts("en", "no_topics")


def test_a_petition_from_start_to_case_number_and_status_message(engine, session_factory):
    say(engine, EventKind.FOLLOW, profile_language="vi")
    tap(engine, "action=all_topics")
    tap(engine, "action=district&d=all")
    assert tap(engine, "action=petition")[0].text == engine.texts("vi", "petition_category")
    tap(engine, "action=cat&c=drainage")
    assert tap(engine, "action=pdistrict&d=fongshan")[0].text == engine.texts("vi", "petition_description")
    assert say(engine, text="Cống")[0].text == engine.texts("vi", "description_too_short")
    say(engine, text="Cống thoát nước trước nhà tôi bị tắc, nước tràn ra đường.")
    say(engine, EventKind.LOCATION, latitude=22.6273, longitude=120.3014, address="Đường Quang Viễn, Phượng Sơn")
    summary = say(engine, EventKind.IMAGE, content_id="photo-1")[0].text
    assert "Đường Quang Viễn" in summary and engine.texts("vi", "field_photo") in summary
    received = tap(engine, "action=send")[0].text
    with session_factory() as session:
        case = session.scalar(select(Case))
    year = datetime.now(UTC).year
    assert case.number == f"KH-{year}-000001" and case.number in received
    assert case.district == "fongshan" and case.photo == "photo-1" and case.language == "vi"
    cases = tap(engine, "action=cases")[0].text
    assert case.number in cases and engine.texts("vi", "status.received") in cases
    with session_factory.begin() as session:
        change = change_status(
            session, case.number, "closed", note="Đã thông cống.", officer="lin", now=datetime.now(UTC)
        )
    update, survey = engine.answers.case_update_replies(change)
    assert update.text.startswith(
        engine.texts("vi", "case_update", number=case.number, status=engine.texts("vi", "status.closed"))
    )
    assert [c.label for c in survey.choices] == ["1", "2", "3", "4", "5"]
    assert tap(engine, survey.choices[3].data)[0].text == engine.texts("vi", "survey_thanks")
    assert tap(engine, survey.choices[0].data)[0].text == engine.texts("vi", "not_understood")  # rated once
    with session_factory() as session:
        assert session.scalar(select(Case)).satisfaction == 4


def test_a_petition_with_control_characters_is_kept_without_them(engine, session_factory):
    """A resident cannot be asked to retype: what civicast cannot store or send on is taken out, the rest kept
    (on PostgreSQL a NUL would otherwise fail the petition's storing)."""
    say(engine, EventKind.FOLLOW, profile_language="vi")
    tap(engine, "action=all_topics")
    tap(engine, "action=district&d=all")
    tap(engine, "action=petition")
    tap(engine, "action=cat&c=drainage")
    tap(engine, "action=pdistrict&d=fongshan")
    say(engine, text="Cống\x00 thoát nước\u202e trước nhà tôi bị tắc,\x1b[2J nước tràn ra đường.\r\nGấp!")
    say(engine, EventKind.LOCATION, latitude=22.6273, longitude=120.3014, address="Đường\x00 Quang Viễn")
    say(engine, EventKind.IMAGE, content_id="photo-1")
    tap(engine, "action=send")
    with session_factory() as session:
        case = session.scalar(select(Case))
    assert case.description == "Cống thoát nước trước nhà tôi bị tắc,[2J nước tràn ra đường.\nGấp!"
    assert case.location is not None and "\x00" not in str(case.location)


def test_case_numbers_count_up(engine, session_factory):
    say(engine, EventKind.FOLLOW, profile_language="en")
    numbers = []
    for _ in range(3):
        tap(engine, "action=petition")
        tap(engine, "action=cat&c=lighting")
        tap(engine, "action=pdistrict&d=lingya")
        say(engine, text="The street light at the corner has been out for a week.")
        tap(engine, "action=skip")
        tap(engine, "action=skip")
        numbers.append(tap(engine, "action=send")[0].text.split()[-1])
    with session_factory() as session:
        stored = [c.number for c in session.scalars(select(Case).order_by(Case.id))]
    assert [n[-6:] for n in stored] == ["000001", "000002", "000003"]


def test_latest_alerts_for_the_residents_districts_in_their_language(engine, session_factory, composer):
    say(engine, EventKind.FOLLOW, profile_language="ko")
    tap(engine, "action=all_topics")
    tap(engine, "action=district&d=meinong")
    with session_factory.begin() as session:
        here = saved_notice(session, composer, "heavy_rain", districts="meinong,qishan")
        saved_notice(session, composer, "road_closure", district="lingya")  # elsewhere
        saved_notice(session, composer, "mrt_disruption", status=NoticeStatus.DRAFT)  # not sent
        here_id = here.id
    text = tap(engine, "action=latest")[0].text
    assert text.startswith(engine.texts("ko", "latest_header", count=1))
    assert text.startswith("설정하신 지역에 발령 중인 알림(1건):")  # Korean counts with 건, one form for every number
    assert f"/n/{here_id}?lang=ko" in text and text.count("/n/") == 1


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "1 active alert for your area:", "2 active alerts for your area:"),
        (
            "ja",
            "登録地域で発表中のお知らせ（1件）：",
            "登録地域で発表中のお知らせ（2件）：",
        ),  # one form, a counter word
    ],
)
def test_the_latest_alerts_are_counted_in_the_residents_plural_form(
    engine, session_factory, composer, language, one, two
):
    say(engine, EventKind.FOLLOW, profile_language=language)
    tap(engine, "action=all_topics")
    tap(engine, "action=district&d=meinong")
    with session_factory.begin() as session:
        saved_notice(session, composer, "heavy_rain", districts="meinong,qishan")
    assert tap(engine, "action=latest")[0].text.startswith(one + "\n\n")
    with session_factory.begin() as session:
        saved_notice(session, composer, "road_closure", district="meinong")
    assert tap(engine, "action=latest")[0].text.startswith(two + "\n\n")


def test_unfollow_stops_alerts_and_delete_erases_data(engine, session_factory):
    say(engine, EventKind.FOLLOW, profile_language="ms")
    tap(engine, "action=petition")
    tap(engine, "action=cat&c=noise")
    tap(engine, "action=pdistrict&d=sanmin")
    say(engine, text="Bunyi bising dari kilang pada waktu malam.")
    tap(engine, "action=skip")
    tap(engine, "action=skip")
    tap(engine, "action=send")
    say(engine, EventKind.UNFOLLOW)
    assert resident(session_factory).status == SubscriberStatus.INACTIVE
    say(engine, EventKind.FOLLOW, profile_language="ms")
    assert tap(engine, "action=delete")[0].text == engine.texts("ms", "delete_confirm")
    assert tap(engine, "action=delete_yes")[0].text == engine.texts("ms", "delete_done")
    with session_factory() as session:
        assert resident(session_factory) is None
        assert session.scalar(select(Conversation)) is None
        case = session.scalar(select(Case))
        assert case is not None and case.user_id is None and case.channel is None  # kept, anonymised


def test_anything_not_understood_gets_a_polite_answer(engine):
    say(engine, EventKind.FOLLOW, profile_language="km")
    replies = say(engine, EventKind.OTHER)
    assert replies[0].text == engine.texts("km", "unsupported_message") and replies[0].choices
    assert tap(engine, "action=no-such-thing")[0].text == engine.texts("km", "not_understood")


def test_keywords_in_the_residents_language(engine):
    say(engine, EventKind.FOLLOW, profile_language="zh-Hant")
    assert say(engine, text="選單")[0].text == engine.texts("zh-Hant", "menu_title")
    assert say(engine, text="menu")[0].text == engine.texts("zh-Hant", "menu_title")
    assert say(engine, text="語言")[0].text == engine.texts("zh-Hant", "choose_language")


def test_dialogue_state_survives_a_restart(engine, session_factory, catalogs, glossary, composer):
    say(engine, EventKind.FOLLOW, profile_language="en")
    tap(engine, "action=petition")
    tap(engine, "action=cat&c=parks")
    restarted = ConversationEngine(
        session_factory=session_factory,
        texts=BotTexts(catalogs),
        glossary=glossary,
        composer=composer,
        faq=FaqIndex(session_factory),
    )
    reply = tap(restarted, "action=pdistrict&d=gushan")
    assert reply[0].text == restarted.texts("en", "petition_description")


def test_a_batch_of_residents_answers_as_their_events_would_one_by_one(engine, session_factory):
    other, newcomer = "U" + "cd" * 16, "U" + "ef" * 16
    say(engine, EventKind.FOLLOW, user=other, profile_language="ja")
    scripts = [
        [
            Incoming("line", USER, EventKind.FOLLOW, profile_language="vi"),
            Incoming("line", USER, EventKind.POSTBACK, data="action=all_topics"),
            Incoming("line", USER, EventKind.POSTBACK, data="action=delete_yes"),  # gone, then back in the same batch
            Incoming("line", USER, EventKind.FOLLOW, profile_language="ko"),
        ],
        [Incoming("line", other, EventKind.POSTBACK, data="action=district&d=sanmin")],
        [Incoming("line", newcomer, EventKind.TEXT, text="menu")],
    ]
    answers = engine.handle_batch(scripts)
    assert [len(replies) for replies in answers] == [4, 1, 1]
    assert answers[0][0][0].text == engine.texts("vi", "greeting")
    assert answers[0][2][0].text == engine.texts("vi", "delete_done")
    assert answers[0][3][0].text == engine.texts("ko", "greeting")  # a new record, in the new profile's language
    assert answers[1][0][0].text == engine.texts(
        "ja", "districts_set", districts=engine.glossary.name("district", "sanmin", "ja")
    )
    with session_factory() as session:
        people = {s.platform_user_id: s for s in session.scalars(select(Subscriber))}
        states = {c.user_id: c.state for c in session.scalars(select(Conversation))}
    assert people[USER].language == "ko"  # the re-follow made a new record
    assert people[other].districts == district_bit(engine.glossary, "sanmin")
    assert newcomer in people and set(states) == {USER, other, newcomer}


def test_a_batch_whose_turn_fails_keeps_nothing(engine, session_factory):
    class Broken(Exception):
        pass

    def broken_follow(turn):
        raise Broken("the second resident's turn fails")

    say(engine, EventKind.FOLLOW, profile_language="en")
    engine.follow = broken_follow  # the engine's own handler replaced on this instance: an injected failure
    with pytest.raises(Broken):
        engine.handle_batch(
            [
                [Incoming("line", USER, EventKind.POSTBACK, data="action=district&d=sanmin")],
                [Incoming("line", "U" + "cd" * 16, EventKind.FOLLOW)],
            ]
        )
    with session_factory() as session:
        assert resident(session_factory).districts == 0
        assert session.scalar(select(Conversation).where(Conversation.user_id == "U" + "cd" * 16)) is None
