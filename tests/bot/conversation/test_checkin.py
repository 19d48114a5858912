"""Are you safe? Residents' check-in answers through the conversation engine: "I'm safe" is counted, "I need help"
opens a case for the disaster duty desk at once and takes a location and a short text, the latest answer counts,
and a drill's answers are kept apart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.conversation.models import Case, CheckIn, Conversation
from bot.conversation.replies import ChoiceKind, EventKind, Incoming
from bot.office.checkins import district_counts
from tests.support.factories import saved_notice

USER = "U" + "c1" * 16


@pytest.fixture
def engine(conversation_engine):
    return conversation_engine


def say(engine, kind=EventKind.TEXT, user=USER, **fields):
    return engine.handle(Incoming("line", user, kind, **fields))


def tap(engine, data, user=USER):
    return say(engine, EventKind.POSTBACK, user=user, data=data)


def resident_of(engine, district="qishan", language="vi", user=USER):
    say(engine, EventKind.FOLLOW, user=user, profile_language=language)
    tap(engine, "action=all_topics", user=user)
    tap(engine, f"action=district&d={district}", user=user)


def asking(session_factory, composer, *, training=False, districts=("qishan",)) -> int:
    with session_factory.begin() as session:
        notice = saved_notice(
            session, composer, "heavy_rain", training=training, level="torrential_rain", districts=list(districts)
        )
        notice.ask_checkin = True
        return notice.id


def answers(session_factory):
    with session_factory() as session:
        return [
            (row.notice_id, row.district, row.answer, row.training, row.case_id)
            for row in session.scalars(select(CheckIn).order_by(CheckIn.id))
        ]


def case_of(session_factory, number):
    with session_factory() as session:
        return session.scalar(select(Case).where(Case.number == number))


def test_i_am_safe_is_counted_in_the_residents_district(engine, session_factory, composer):
    notice_id = asking(session_factory, composer)
    resident_of(engine)
    replies = tap(engine, f"action=checkin&a=safe&n={notice_id}")
    assert replies[0].text == engine.texts("vi", "checkin_safe_thanks")
    assert answers(session_factory) == [(notice_id, "qishan", "safe", False, None)]


def test_i_need_help_opens_a_case_then_takes_a_location_and_a_text(engine, session_factory, composer):
    notice_id = asking(session_factory, composer)
    resident_of(engine)
    replies = tap(engine, f"action=checkin&a=help&n={notice_id}")
    [row] = answers(session_factory)
    with session_factory() as session:
        case = session.get(Case, row[4])
        number, category, district = case.number, case.category, case.district
    assert (category, district) == ("disaster", "qishan")
    assert replies[0].text == engine.texts("vi", "checkin_help_received", number=number)
    assert [c.kind for c in replies[0].choices] == [ChoiceKind.LOCATION, ChoiceKind.POSTBACK]
    replies = say(engine, EventKind.LOCATION, latitude=22.88, longitude=120.48, address="旗山區中山路 1 號")
    assert replies[0].text == engine.texts("vi", "checkin_text_prompt")
    replies = say(engine, text="Nhà bị ngập, có người già\u0007 cần giúp")
    assert replies[0].text == engine.texts("vi", "checkin_text_added", number=number)
    case = case_of(session_factory, number)
    assert case.location == "旗山區中山路 1 號"
    assert case.description.endswith("Nhà bị ngập, có người già cần giúp")  # the bell refused, the words kept
    with session_factory() as session:
        assert session.scalar(select(Conversation.state).where(Conversation.user_id == USER)) == "idle"


def test_location_and_text_may_be_skipped(engine, session_factory, composer):
    notice_id = asking(session_factory, composer)
    resident_of(engine)
    tap(engine, f"action=checkin&a=help&n={notice_id}")
    assert tap(engine, "action=skip")[0].text == engine.texts("vi", "checkin_text_prompt")
    number = case_of_row(session_factory)
    assert tap(engine, "action=skip")[0].text == engine.texts("vi", "checkin_done", number=number)
    assert case_of(session_factory, number).location is None


def case_of_row(session_factory):
    with session_factory() as session:
        return session.scalar(select(Case.number).join(CheckIn, CheckIn.case_id == Case.id))


def test_the_latest_answer_counts_and_the_case_stays_open(engine, session_factory, composer, glossary):
    notice_id = asking(session_factory, composer)
    resident_of(engine)
    tap(engine, f"action=checkin&a=help&n={notice_id}")
    number = case_of_row(session_factory)
    replies = tap(engine, f"action=checkin&a=safe&n={notice_id}")
    assert engine.texts("vi", "checkin_case_stays_open", number=number) in replies[0].text
    assert [(a[2], a[4] is not None) for a in answers(session_factory)] == [("safe", True)]
    assert case_of(session_factory, number).status == "received"
    tap(engine, f"action=checkin&a=help&n={notice_id}")  # help again: the same open case, not a second one
    with session_factory() as session:
        assert session.scalars(select(Case.number)).all() == [number]
        counts = district_counts(session, notice_id)
    assert counts == {"qishan": {"safe": 0, "help": 1}}


def test_without_a_notice_the_latest_live_notice_asking_that_covers_the_resident_is_answered(
    engine, session_factory, composer
):
    older = asking(session_factory, composer)
    newer = asking(session_factory, composer, districts=("qishan", "meinong"))
    asking(session_factory, composer, districts=("lingya",))  # newest, but not the resident's district
    asking(session_factory, composer, training=True)  # a drill is never chosen for a live resident
    resident_of(engine)
    tap(engine, "action=checkin&a=safe")
    assert [a[0] for a in answers(session_factory)] == [newer]
    assert older != newer


def test_without_any_notice_asking_the_answer_is_still_counted_by_district(engine, session_factory):
    resident_of(engine, district="meinong")
    tap(engine, "action=checkin&a=safe")
    assert answers(session_factory) == [(None, "meinong", "safe", False, None)]


def test_a_drills_answers_are_kept_apart_and_open_no_case(engine, session_factory, composer):
    drill = asking(session_factory, composer, training=True)
    resident_of(engine)
    replies = tap(engine, f"action=checkin&a=help&n={drill}")
    assert replies[0].text == engine.texts("vi", "checkin_help_training")
    assert answers(session_factory) == [(drill, "qishan", "help", True, None)]
    with session_factory() as session:
        assert session.scalars(select(Case)).all() == []


def test_an_unknown_answer_is_not_understood_and_forgetting_keeps_the_count(engine, session_factory, composer):
    notice_id = asking(session_factory, composer)
    resident_of(engine)
    assert tap(engine, f"action=checkin&a=maybe&n={notice_id}")[0].text == engine.texts("vi", "not_understood")
    tap(engine, f"action=checkin&a=safe&n={notice_id}")
    tap(engine, "action=delete_yes")
    with session_factory() as session:
        row = session.scalars(select(CheckIn)).one()
    assert (row.user_id, row.channel, row.district, row.answer) == (None, None, "qishan", "safe")
