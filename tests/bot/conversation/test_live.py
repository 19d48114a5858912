"""Questions about now are answered from now: the live notices for the resident's districts come before the FAQ's
general text, and when nothing is announced the bot says so, naming the resident's district."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.conversation.faq_files import read_faq_files
from bot.conversation.live import FAQ_TOPICS, TOPIC_KINDS, live_notices, live_topic, still_ahead
from bot.conversation.replies import EventKind, Incoming
from bot.conversation.texts import BotTexts
from messages.i18n import LANGUAGES, TAIPEI
from messages.models import MsgType, Notice, NoticeStatus
from scheduler.audience import Subscriber, district_bit
from tests.conftest import every_language_on_sqlite
from tests.support.factories import notice, saved_notice
from tests.support.sandbox import users

USER = "U" + "ef" * 16
ENTRIES = read_faq_files()


def faq(language: str, key: str) -> dict:
    return next(e for e in ENTRIES if e["language"] == language and e["key"] == key)


def tomorrow() -> str:
    return (datetime.now(TAIPEI).date() + timedelta(days=1)).isoformat()


@pytest.fixture
def engine(conversation_engine):
    return conversation_engine


def say(engine, kind=EventKind.TEXT, user=USER, **fields):
    return engine.handle(Incoming("line", user, kind, **fields))


def resident_of(engine, language: str, district: str = "sanmin", *, topics: tuple[str, ...] = (), user=USER):
    """A resident who chose their language and one district (all topics unless ``topics`` turns some off)."""
    say(engine, EventKind.FOLLOW, user=user, profile_language=language)
    for topic in topics:
        say(engine, EventKind.POSTBACK, user=user, data=f"action=topic&t={topic}")
    say(engine, EventKind.POSTBACK, user=user, data="action=topics_done" if topics else "action=all_topics")
    say(engine, EventKind.POSTBACK, user=user, data=f"action=district&d={district}")


def ask(engine, language: str, key: str, user=USER):
    """Ask the FAQ entry's first question, as stored in the resident's language."""
    return say(engine, user=user, text=faq(language, key)["questions"][0])


@pytest.fixture
def typhoon_night(session_factory, composer):
    """A day off for 三民區 tomorrow and a disruption of the MRT's Red line: their ids."""
    with session_factory.begin() as session:
        day_off = saved_notice(session, composer, "day_off", districts=["sanmin"], date=tomorrow())
        mrt = saved_notice(session, composer, "mrt_disruption", line="red")
        return {"day_off": day_off.id, "mrt": mrt.id}


def headline(session_factory, composer, notice_id: int, language: str) -> str:
    with session_factory() as session:
        return composer.compose(session.get(Notice, notice_id), language).title_line


@pytest.mark.parametrize(("database_url", "language"), every_language_on_sqlite(LANGUAGES), indirect=["database_url"])
def test_a_sanmin_resident_asking_about_tomorrow_gets_the_day_off_first(
    engine, session_factory, composer, typhoon_night, language
):
    resident_of(engine, language)
    replies = ask(engine, language, "typhoon_day_off")
    first = replies[0].text
    assert first.startswith(engine.texts(language, "live.header"))
    assert headline(session_factory, composer, typhoon_night["day_off"], language) in first
    assert f"/n/{typhoon_night['day_off']}?lang={language}" in first
    assert f"/n/{typhoon_night['mrt']}?" not in first  # the MRT does not answer "is tomorrow a day off?"
    assert replies[-1].text == faq(language, "typhoon_day_off")["answer"]  # then the general text


@pytest.mark.parametrize(("database_url", "language"), every_language_on_sqlite(LANGUAGES), indirect=["database_url"])
def test_a_sanmin_resident_asking_about_the_mrt_gets_the_red_line_disruption_first(
    engine, session_factory, composer, typhoon_night, language
):
    resident_of(engine, language)
    replies = ask(engine, language, "mrt_service")
    first = replies[0].text
    assert first.startswith(engine.texts(language, "live.header"))
    assert headline(session_factory, composer, typhoon_night["mrt"], language) in first
    assert f"/n/{typhoon_night['mrt']}?lang={language}" in first
    assert f"/n/{typhoon_night['day_off']}?" not in first
    assert replies[-1].text == faq(language, "mrt_service")["answer"]


@pytest.mark.parametrize(("database_url", "language"), every_language_on_sqlite(LANGUAGES), indirect=["database_url"])
def test_with_nothing_active_the_reply_says_nothing_is_announced_for_the_district(engine, glossary, language):
    resident_of(engine, language)
    sanmin = glossary.name("district", "sanmin", language)
    replies = ask(engine, language, "typhoon_day_off")
    assert replies[0].text == engine.texts(language, "live.none.day_off", area=sanmin)
    assert sanmin in replies[0].text
    assert replies[-1].text == faq(language, "typhoon_day_off")["answer"]
    replies = ask(engine, language, "mrt_service")
    assert replies[0].text == engine.texts(language, "live.none.transport", area=sanmin)


def test_the_day_off_sentence_names_the_district_and_the_hour(engine):
    resident_of(engine, "en", "qishan")
    text = ask(engine, "en", "typhoon_day_off")[0].text
    assert text == (
        "No decision on a typhoon day off for Cishan District has been announced yet; decisions usually "
        "come by 20:00 the evening before."
    )


def test_a_training_notice_is_never_shown_to_a_resident(engine, session_factory, composer, glossary):
    resident_of(engine, "zh-Hant")
    with session_factory.begin() as session:
        drill = saved_notice(session, composer, "day_off", districts=["sanmin"], date=tomorrow(), training=True)
        drill_id = drill.id
    text = ask(engine, "zh-Hant", "typhoon_day_off")[0].text
    assert f"/n/{drill_id}?" not in text
    assert text == engine.texts("zh-Hant", "live.none.day_off", area=glossary.name("district", "sanmin", "zh-Hant"))


def test_a_drill_is_shown_to_its_test_recipients_marked_as_a_test(engine, session_factory, composer):
    resident_of(engine, "en")
    with session_factory.begin() as session:
        session.scalar(select(Subscriber).where(Subscriber.platform_user_id == USER)).test_recipient = True
        drill = saved_notice(session, composer, "day_off", districts=["sanmin"], date=tomorrow(), training=True)
        drill_id = drill.id
    text = ask(engine, "en", "typhoon_day_off")[0].text
    assert f"/n/{drill_id}?lang=en" in text and "[TEST]" in text


def test_a_notice_for_another_district_is_not_shown(engine, session_factory, composer):
    resident_of(engine, "vi")
    with session_factory.begin() as session:
        elsewhere = saved_notice(session, composer, "day_off", districts=["qishan"], date=tomorrow()).id
        water = saved_notice(session, composer, "water_outage", districts=["fongshan", "daliao"]).id
    day_off = ask(engine, "vi", "typhoon_day_off")[0].text
    assert f"/n/{elsewhere}?" not in day_off and day_off.startswith("Chưa có quyết định")
    assert f"/n/{water}?" not in ask(engine, "vi", "water_outage")[0].text


def test_a_whole_city_notice_and_a_whole_city_resident(engine, session_factory, composer):
    with session_factory.begin() as session:
        citywide = saved_notice(session, composer, "day_off", districts=["all"], date=tomorrow()).id
        qishan = saved_notice(session, composer, "day_off", districts=["qishan"], date=tomorrow()).id
    resident_of(engine, "id")  # 三民區: the whole-city decision concerns them, 旗山區's does not
    text = ask(engine, "id", "typhoon_day_off")[0].text
    assert f"/n/{citywide}?" in text and f"/n/{qishan}?" not in text
    other = "U" + "12" * 16
    resident_of(engine, "id", "all", user=other)  # a resident of the whole city hears of both
    text = ask(engine, "id", "typhoon_day_off", user=other)[0].text
    assert f"/n/{citywide}?" in text and f"/n/{qishan}?" in text


def test_expired_cancelled_superseded_and_past_notices_answer_nothing(engine, session_factory, composer, glossary):
    resident_of(engine, "ja")
    now = datetime.now(UTC)
    with session_factory.begin() as session:
        yesterday = (datetime.now(TAIPEI).date() - timedelta(days=1)).isoformat()
        ids = [
            saved_notice(session, composer, "day_off", districts=["sanmin"], date=yesterday).id,
            saved_notice(session, composer, "mrt_disruption", expires=now - timedelta(minutes=1)).id,
            saved_notice(session, composer, "mrt_disruption", msg_type=MsgType.CANCEL).id,
            saved_notice(session, composer, "mrt_disruption", status=NoticeStatus.CANCELLED).id,
            saved_notice(
                session, composer, "day_off", districts=["sanmin"], date=tomorrow(), status=NoticeStatus.SUPERSEDED
            ).id,
        ]
    day_off = ask(engine, "ja", "typhoon_day_off")[0].text
    mrt = ask(engine, "ja", "mrt_service")[0].text
    assert not any(f"/n/{i}?" in day_off + mrt for i in ids)
    assert mrt == engine.texts("ja", "live.none.transport", area=glossary.name("district", "sanmin", "ja"))


def test_a_resident_without_transport_alerts_still_learns_the_mrt_is_disrupted(engine, typhoon_night):
    resident_of(engine, "th", topics=("transport",))  # transport alerts turned off
    assert f"/n/{typhoon_night['mrt']}?lang=th" in ask(engine, "th", "mrt_service")[0].text


@pytest.mark.parametrize(
    ("key", "kind", "params"),
    [
        ("water_outage", "water_outage", {"districts": ["sanmin"], "villages": None}),
        ("power_outage", "power_outage", {"districts": ["sanmin"]}),
        ("find_shelter", "shelter_open", {"district": "sanmin"}),
        ("cijin_ferry", "ferry_suspension", {}),
        ("evacuation_order", "evacuation_order", {"districts": ["sanmin", "cishan"], "villages": None}),
        ("typhoon_prepare", "typhoon_land_warning", {}),
    ],
)
def test_water_power_shelters_and_ferries_are_answered_from_their_notices(
    engine, session_factory, composer, key, kind, params
):
    resident_of(engine, "en")
    with session_factory.begin() as session:
        live = saved_notice(session, composer, kind, **params).id
    replies = ask(engine, "en", key)
    assert f"/n/{live}?lang=en" in replies[0].text
    assert replies[-1].text == faq("en", key)["answer"]


def test_a_question_about_how_things_work_gets_only_the_general_text(engine, typhoon_night):
    resident_of(engine, "en")
    replies = ask(engine, "en", "mrt_lost_and_found")  # lost property: not a question about now
    assert [r.text for r in replies] == [faq("en", "mrt_lost_and_found")["answer"]]


def test_a_tapped_suggestion_is_answered_from_now_too(engine, typhoon_night):
    resident_of(engine, "en")
    replies = say(engine, EventKind.POSTBACK, data="action=faq&key=mrt_service")
    assert f"/n/{typhoon_night['mrt']}?lang=en" in replies[0].text
    assert replies[-1].text == faq("en", "mrt_service")["answer"]


def test_every_live_topic_names_real_faq_entries_and_known_kinds(composer):
    keys = {e["key"] for e in ENTRIES}
    assert set(FAQ_TOPICS) <= keys
    assert set(FAQ_TOPICS.values()) == set(TOPIC_KINDS)
    for kinds in TOPIC_KINDS.values():
        for kind in kinds:
            composer.kinds.get(kind)  # raises for a kind that does not exist
    assert live_topic("typhoon_day_off") == "day_off" and live_topic("garbage_collection") is None


def test_what_a_resident_reads(engine, typhoon_night):
    resident_of(engine, "en")
    header, block = ask(engine, "en", "typhoon_day_off")[0].text.split("\n\n")
    title, times, link = block.split("\n")
    assert header == "In effect now:"
    assert title.startswith("[Moderate] ") and title.endswith(": no work and no school in Sanmin District")
    assert times.startswith("From ")  # when it took effect
    assert link.endswith(f"/n/{typhoon_night['day_off']}?lang=en")


def test_live_notices_called_directly(engine, session_factory, typhoon_night):
    glossary = engine.glossary
    sanmin = Subscriber(
        channel="line", platform_user_id=USER, whole_city=False, districts=district_bit(glossary, "sanmin")
    )
    qishan = Subscriber(
        channel="line", platform_user_id=USER, whole_city=False, districts=district_bit(glossary, "qishan")
    )
    now = datetime.now(UTC)
    with session_factory() as session:
        assert [n.id for n in live_notices(session, now, resident=sanmin, topic="day_off", glossary=glossary)] == [
            typhoon_night["day_off"]
        ]
        assert live_notices(session, now, resident=qishan, topic="day_off", glossary=glossary) == []
        assert [n.id for n in live_notices(session, now, resident=qishan, topic="transport", glossary=glossary)] == [
            typhoon_night["mrt"]
        ]  # the MRT runs through the whole city
        assert live_notices(session, now, resident=sanmin, topic="water", glossary=glossary) == []


def test_a_day_off_is_ahead_until_its_day_is_over(composer):
    today = datetime(2026, 12, 7, tzinfo=TAIPEI).date()
    assert still_ahead(notice(composer, "day_off", date="2026-12-07"), today)
    assert still_ahead(notice(composer, "day_off", date="2026-12-08"), today)
    assert not still_ahead(notice(composer, "day_off", date="2026-12-06"), today)
    assert still_ahead(notice(composer, "mrt_disruption"), today)  # other kinds end by their expiry


# ----------------------------------------------------------------------------- through LINE


def test_over_line_a_sanmin_resident_asks_about_the_mrt_and_tomorrow(stack):
    user = users(1)[0]
    stack.converse(user, type="follow")
    stack.converse(user, type="postback", data="action=lang&code=ko")
    stack.converse(user, type="postback", data="action=all_topics")
    stack.converse(user, type="postback", data="action=district&d=sanmin")
    texts = BotTexts(stack.services.catalogs)
    sanmin = stack.services.glossary.name("district", "sanmin", "ko")
    messages = stack.converse(user, type="message", text=faq("ko", "typhoon_day_off")["questions"][0])
    assert messages[0]["text"] == texts("ko", "live.none.day_off", area=sanmin)
    with stack.services.session_factory.begin() as session:
        composer = stack.services.composer
        day_off = saved_notice(session, composer, "day_off", districts=["sanmin"], date=tomorrow()).id
        mrt = saved_notice(session, composer, "mrt_disruption", line="red").id
    messages = stack.converse(user, type="message", text=faq("ko", "mrt_service")["questions"][0])
    assert messages[0]["text"].startswith(texts("ko", "live.header"))
    assert f"/n/{mrt}?lang=ko" in messages[0]["text"] and f"/n/{day_off}?" not in messages[0]["text"]
    assert messages[-1]["text"] == faq("ko", "mrt_service")["answer"]
    messages = stack.converse(user, type="message", text=faq("ko", "typhoon_day_off")["questions"][0])
    assert f"/n/{day_off}?lang=ko" in messages[0]["text"]
