"""The disaster menu's answers: the nearest open shelters suited to the hazard in effect, the warnings in effect,
the hotlines and the district's status, in the resident's language, through the engine and over LINE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.conversation.disaster import HOTLINES, distance_text
from bot.conversation.hazards import KIND_HAZARDS, MOUNTAIN_HAZARDS, PARAM_HAZARDS, hazard_of
from bot.conversation.models import Conversation
from bot.conversation.replies import ChoiceKind, EventKind, Incoming
from bot.conversation.texts import BotTexts
from bot.office.shelters import set_shelter_open
from bot.shelters.geo import distance_m
from bot.shelters.models import HAZARDS
from messages.i18n import LANGUAGES, TAIPEI
from messages.names import default_name_book
from messages.params import Name
from tests.bot.shelters.conftest import DUTY
from tests.conftest import every_language_on_sqlite
from tests.support.factories import notice, saved_notice
from tests.support.sandbox import users
from tests.support.shelters import import_test_list

USER = "U" + "d1" * 16
HOME = (22.6505, 120.3185)  # a street in 三民區, about 90 m from its community centre
CISHAN = (22.8870, 120.4820)  # beside 旗山國小
CIANJHEN = (22.5930, 120.3150)  # beside 前鎮高中, on the coast
TAIPEI_101 = (25.0330, 121.5654)


@pytest.fixture
def bot(conversation_engine):
    return conversation_engine


@pytest.fixture
def shelters(session_factory, glossary) -> dict[str, int]:
    """The test list's six good rows (name → id), all closed."""
    return import_test_list(session_factory, glossary, now=datetime.now(UTC) - timedelta(days=30))


def open_shelters(session_factory, ids, *names, is_open=True):
    with session_factory.begin() as session:
        for name in names or tuple(ids):
            set_shelter_open(session, ids[name], is_open, by=DUTY, now=datetime.now(UTC) - timedelta(minutes=30))


def say(bot, kind=EventKind.TEXT, user=USER, **fields):
    return bot.handle(Incoming("line", user, kind, **fields))


def tap(bot, data, user=USER):
    return say(bot, EventKind.POSTBACK, user=user, data=data)


def at(bot, point, address=None, user=USER):
    return say(bot, EventKind.LOCATION, user=user, latitude=point[0], longitude=point[1], address=address)


def resident_of(bot, language="en", district="sanmin", user=USER):
    say(bot, EventKind.FOLLOW, user=user, profile_language=language)
    tap(bot, "action=all_topics", user=user)
    tap(bot, f"action=district&d={district}", user=user)


def listed(text: str, glossary, language="en") -> list[str]:
    """The test list's shelters named in an answer, in the order named."""
    book = default_name_book(glossary)
    names = ["三民區民眾活動中心", "三民國中", "旗山國小", "旗津國中", "前鎮高中", "林園國小"]
    written = {name: book.render(Name(name), LANGUAGES[language]) for name in names}
    return sorted((name for name, shown in written.items() if shown in text), key=lambda n: text.index(written[n]))


def tomorrow() -> str:
    return (datetime.now(TAIPEI).date() + timedelta(days=1)).isoformat()


# ----------------------------------------------------------------------------- nearest shelters


def test_a_location_message_near_a_shelter_returns_it_first(bot, session_factory, shelters, glossary):
    resident_of(bot)
    open_shelters(session_factory, shelters)
    [reply] = at(bot, HOME)
    assert reply.text.startswith("The nearest open shelters:")
    assert listed(reply.text, glossary) == ["三民區民眾活動中心", "三民國中", "前鎮高中"]
    first = reply.text.split("\n\n")[1].split("\n")
    metres = distance_m(*HOME, 22.6499, 120.3179)
    assert first[0] == "1. Sanmin District Community Activity Center (三民區民眾活動中心)"
    assert distance_text(metres, LANGUAGES["en"]) == "90 m"
    assert first[1] == "90 m away · room for 200 people"
    assert first[2] == "Address: No. 128, Jianxing Road, Sanmin District (高雄市三民區建興路128號), 1樓"
    assert first[3] == "https://www.google.com/maps/search/?api=1&query=22.649900%2C120.317900"
    assert "3. Cianjhen" not in reply.text and "\n3. " in reply.text
    assert [c.data for c in reply.choices] == ["action=menu"]


@pytest.mark.parametrize(
    ("language", "address"),
    [
        ("zh-Hant", "地址：高雄市三民區建興路128號,1樓"),  # as the list writes it
        ("zh-Hans", "地址：高雄市三民区建兴路128号, 1楼"),
        ("ko", "주소: 싼민구 젠싱로 128호(高雄市三民區建興路128號), 1樓"),
    ],
)
def test_the_address_goes_through_the_names_layer(bot, session_factory, shelters, language, address):
    resident_of(bot, language)
    open_shelters(session_factory, shelters, "三民區民眾活動中心")
    assert address in at(bot, HOME)[0].text.split("\n")


def test_only_open_shelters_suitable_for_the_most_severe_hazard(bot, session_factory, shelters, composer, glossary):
    resident_of(bot)
    open_shelters(session_factory, shelters)
    open_shelters(session_factory, shelters, "三民區民眾活動中心", is_open=False)  # closed: never listed
    with session_factory.begin() as session:
        saved_notice(session, composer, "typhoon_land_warning", districts=["all"])
    text = at(bot, HOME)[0].text
    assert text.startswith("The nearest open shelters for floods:")
    assert listed(text, glossary) == ["前鎮高中", "旗津國中", "林園國小"]  # 三民國中 is listed for earthquakes only
    with session_factory.begin() as session:  # Extreme, for the coastal districts: it decides there
        saved_notice(session, composer, "tsunami_warning", wave_height=2.0)
    text = at(bot, CIANJHEN)[0].text
    assert text.startswith("The nearest open shelters for tsunamis:") and listed(text, glossary) == ["旗津國中"]
    assert at(bot, HOME)[0].text.startswith("The nearest open shelters for floods:")  # 三民區 is inland


def test_an_earthquake_asks_for_earthquake_shelters(bot, session_factory, shelters, composer, glossary):
    resident_of(bot, "ja")
    open_shelters(session_factory, shelters)
    with session_factory.begin() as session:
        saved_notice(session, composer, "earthquake_report", intensity="3")
    text = at(bot, HOME)[0].text
    assert text.startswith(bot.texts("ja", "shelters.header"))  # intensity 3 sends no one to a shelter
    with session_factory.begin() as session:
        saved_notice(session, composer, "earthquake_report", intensity="5+")
    text = at(bot, HOME)[0].text
    quake = bot.texts("ja", "shelters.hazard.earthquake")
    assert text.startswith(bot.texts("ja", "shelters.header_hazard", hazard=quake))
    assert listed(text, glossary, "ja") == ["三民區民眾活動中心", "三民國中", "前鎮高中"]
    assert "距離 90 m" in text and "収容人数 200人" in text


def test_a_debris_flow_evacuation_in_the_hills_asks_for_a_debris_flow_shelter(
    bot, session_factory, shelters, composer, glossary
):
    resident_of(bot, district="qishan")
    open_shelters(session_factory, shelters)
    with session_factory.begin() as session:
        saved_notice(session, composer, "evacuation_order", reason="debris_flow", districts=["qishan"], villages=None)
        saved_notice(session, composer, "heavy_rain", districts=["sanmin"])  # elsewhere: not this place's hazard
    text = at(bot, CISHAN, address="842台灣高雄市旗山區中山路")[0].text
    assert text.startswith("The nearest open shelters for debris flows:")
    assert listed(text, glossary) == ["旗山國小"]


def test_the_hazard_mapping_is_data_about_real_kinds_and_hazards(bot, composer):
    for kind in (*KIND_HAZARDS, *MOUNTAIN_HAZARDS, *PARAM_HAZARDS):
        composer.kinds.get(kind)
    for kind, (param, values) in PARAM_HAZARDS.items():
        assert set(values) == set(composer.kinds.enums[composer.kinds.get(kind).params[param].enum])
    hazards = {
        *KIND_HAZARDS.values(),
        *MOUNTAIN_HAZARDS.values(),
        *(h for _, values in PARAM_HAZARDS.values() for h in values.values() if h),
    }
    assert hazards <= set(HAZARDS)
    for hazard in hazards:  # every hazard the bot may name has its words
        assert bot.texts.source[f"shelters.hazard.{hazard}"]
    rain = notice(composer, "heavy_rain")
    assert hazard_of(rain, "taoyuan") == "debris_flow" and hazard_of(rain, "sanmin") == "flood"
    assert hazard_of(notice(composer, "evacuation_order", reason="chemical_leak"), "sanmin") is None
    assert hazard_of(notice(composer, "mrt_disruption"), "sanmin") is None


def test_with_no_open_shelter_the_answer_says_so_and_lists_none(bot, session_factory, shelters, composer, glossary):
    resident_of(bot)
    [reply] = at(bot, HOME)
    assert reply.text == bot.texts("en", "shelters.none_open") and "maps" not in reply.text
    open_shelters(session_factory, shelters, "三民國中")  # open, but for earthquakes only
    with session_factory.begin() as session:
        saved_notice(session, composer, "heavy_rain", districts=["sanmin"])
    text = at(bot, HOME)[0].text
    assert text == (
        "No shelter for floods near you has been announced open yet. If you are in danger, call 119. "
        "To ask where to go, call the 1999 city hotline."
    )


def test_a_location_outside_kaohsiung_is_answered_plainly(bot, session_factory, shelters):
    resident_of(bot, "vi")
    open_shelters(session_factory, shelters)
    outside = bot.texts("vi", "shelters.outside")
    assert at(bot, TAIPEI_101)[0].text == outside
    # Pingtung City lies inside the box around Kaohsiung; its address names its county.
    assert at(bot, (22.6727, 120.4880), address="900屏東縣屏東市中正路")[0].text == outside
    assert at(bot, HOME, address="807台灣高雄市三民區建興路")[0].text != outside
    assert at(bot, (None, None))[0].text == bot.texts("vi", "not_understood")  # no coordinates: no guess


def test_the_shelters_button_without_a_location_starts_from_the_district_and_offers_to_share(
    bot, session_factory, shelters, glossary
):
    resident_of(bot, "ko")
    open_shelters(session_factory, shelters)
    [reply] = tap(bot, "action=shelters")
    sanmin = glossary.name("district", "sanmin", "ko")
    assert reply.text.startswith(bot.texts("ko", "shelters.from_district", district=sanmin))
    assert listed(reply.text, glossary, "ko")[0] == "三民區民眾活動中心"  # at the district's point
    assert reply.choices[0].kind is ChoiceKind.LOCATION
    assert reply.choices[0].label == bot.texts("ko", "label.share_location")
    other = "U" + "d2" * 16
    resident_of(bot, "ko", "all", user=other)  # a resident of the whole city: only their location will do
    [reply] = tap(bot, "action=shelters", user=other)
    assert reply.text == bot.texts("ko", "shelters.ask_location") and reply.choices[0].kind is ChoiceKind.LOCATION


def test_a_location_sent_for_a_petition_or_a_check_in_is_not_a_shelter_question(bot, session_factory, shelters):
    resident_of(bot)
    open_shelters(session_factory, shelters)
    with session_factory.begin() as session:
        session.scalar(select(Conversation)).state = "checkin_location"
    assert not at(bot, HOME)[0].text.startswith("The nearest")
    tap(bot, "action=petition")
    tap(bot, "action=cat&c=roads")
    tap(bot, "action=pdistrict&d=sanmin")
    say(bot, text="A large pothole in front of number 12")
    reply = at(bot, HOME)[0]
    assert reply.text == bot.texts("en", "petition_photo")


def test_distances_are_written_in_each_language():
    assert [distance_text(m, LANGUAGES["en"]) for m in (3, 348, 999, 1250, 9960, 12_400)] == [
        "10 m",
        "350 m",
        "1,000 m",
        "1.2 km",
        "10 km",
        "12 km",
    ]
    assert distance_text(350, LANGUAGES["zh-Hant"]) == "350 公尺"
    assert distance_text(1250, LANGUAGES["vi"]) == "1,2 km"


# ----------------------------------------------------------------------------- alert, hotlines, status


def test_the_alert_button_lists_severe_and_extreme_warnings_most_severe_first(bot, session_factory, composer):
    resident_of(bot, "id")
    area = bot.glossary.name("district", "sanmin", "id")
    assert tap(bot, "action=alert")[0].text == bot.texts("id", "alert.none", area=area)
    now = datetime.now(UTC)
    with session_factory.begin() as session:
        typhoon = saved_notice(
            session, composer, "typhoon_land_warning", severity="Severe", sent_at=now - timedelta(minutes=1)
        ).id
        evacuate = saved_notice(
            session, composer, "evacuation_order", districts=["sanmin"], villages=None, sent_at=now - timedelta(hours=1)
        ).id
        mrt = saved_notice(session, composer, "mrt_disruption").id  # Minor
        elsewhere = saved_notice(session, composer, "evacuation_order", districts=["qishan"], villages=None).id
    [reply] = tap(bot, "action=alert")
    assert reply.text.startswith(bot.texts("id", "alert.header", area=area))
    assert reply.text.index(f"/n/{evacuate}?lang=id") < reply.text.index(f"/n/{typhoon}?lang=id")
    assert f"/n/{mrt}?" not in reply.text and f"/n/{elsewhere}?" not in reply.text
    assert reply.choices[0].data == "action=shelters"


def test_no_alert_names_the_residents_area(bot, glossary):
    resident_of(bot, "th")
    area = glossary.name("district", "sanmin", "th")
    assert tap(bot, "action=alert")[0].text == bot.texts("th", "alert.none", area=area)


def test_the_hotlines_in_the_residents_language(bot):
    resident_of(bot, "fil")
    text = tap(bot, "action=hotlines")[0].text
    lines = text.split("\n")
    assert lines[0] == bot.texts("fil", "hotlines.header")
    assert [line.split(" · ")[0] for line in lines[1:]] == list(HOTLINES)
    assert "119 · bumbero, ambulansya, rescue" in lines and "1999 · hotline ng Lungsod ng Kaohsiung" in lines


def test_the_status_button_gives_one_block_per_topic(bot, session_factory, composer, glossary):
    resident_of(bot, "en")
    with session_factory.begin() as session:
        day_off = saved_notice(session, composer, "day_off", districts=["sanmin"], date=tomorrow()).id
    blocks = tap(bot, "action=status")[0].text.split("\n\n")
    area = "Sanmin District"
    assert blocks[0] == f"Now in {area}:"
    assert f"/n/{day_off}?lang=en" in blocks[1]
    assert blocks[2:] == [bot.texts("en", f"live.none.{topic}", area=area) for topic in ("water", "power", "transport")]


# ----------------------------------------------------------------------------- every language

NEW_TEXTS = (
    "shelters.header",
    "shelters.header_hazard",
    "shelters.from_district",
    "shelters.ask_location",
    "shelters.none_open",
    "shelters.none_open_hazard",
    "shelters.outside",
    "shelters.distance",
    "alert.header",
    "alert.none",
    "hotlines.header",
    "hotlines.119",
    "hotlines.1999",
    "district_status.header",
    "label.share_location",
    "label.shelters",
    *(f"shelters.hazard.{h}" for h in ("flood", "earthquake", "debris_flow")),
)


@pytest.mark.parametrize(("database_url", "language"), every_language_on_sqlite(LANGUAGES), indirect=["database_url"])
def test_every_language_has_the_disaster_texts(bot, session_factory, shelters, glossary, language):
    texts = bot.texts
    for key in NEW_TEXTS:
        assert language == "en" or texts(language, key) != texts("en", key), key
    for key in ("label.share_location", "label.shelters"):
        assert len(texts(language, key)) <= 20
    resident_of(bot, language)
    open_shelters(session_factory, shelters, "三民區民眾活動中心")
    text = at(bot, HOME)[0].text
    assert text.startswith(texts(language, "shelters.header"))
    assert listed(text, glossary, language) == ["三民區民眾活動中心"]
    assert texts(language, "shelters.capacity", count=200) in text
    assert all(texts(language, f"hotlines.{n}") in tap(bot, "action=hotlines")[0].text for n in HOTLINES)


# ----------------------------------------------------------------------------- over LINE


def test_over_line_a_location_near_a_shelter_returns_it_first(stack):
    user = users(1)[0]
    stack.converse(user, type="follow")
    stack.converse(user, type="postback", data="action=lang&code=vi")
    stack.converse(user, type="postback", data="action=all_topics")
    stack.converse(user, type="postback", data="action=district&d=sanmin")
    services = stack.services
    ids = import_test_list(services.session_factory, services.glossary, now=datetime.now(UTC) - timedelta(days=1))
    open_shelters(services.session_factory, ids, "三民區民眾活動中心", "三民國中")
    event = {
        "type": "message",
        "source": {"type": "user", "userId": user},
        "message": {
            "id": "9",
            "type": "location",
            "latitude": HOME[0],
            "longitude": HOME[1],
            "address": "807台灣高雄市三民區建興路",
        },
    }
    [message] = stack.converse(user, event=event)
    texts = BotTexts(services.catalogs)
    assert message["text"].startswith(texts("vi", "shelters.header"))
    assert listed(message["text"], services.glossary, "vi") == ["三民區民眾活動中心", "三民國中"]
    [message] = stack.converse(user, type="postback", data="action=shelters")
    assert {"type": "location", "label": texts("vi", "label.share_location")} in [
        item["action"] for item in message["quickReply"]["items"]
    ]
