"""Which shelters are open: live shelter_open notices name them, officers open and close them, the later fact wins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.office.shelters import set_shelter_open
from bot.shelters.models import Shelter
from bot.shelters.state import notice_matches, open_shelters
from messages.models import MsgType, NoticeStatus
from tests.bot.shelters.conftest import DUTY, NOW, sent_shelter_notice


def open_now(session_factory) -> dict[str, str | None]:
    with session_factory() as session:
        return {shelter.name: state.by for shelter, state in open_shelters(session, now=NOW)}


def test_a_live_notice_opens_the_shelter_it_names(session_factory, shelters):
    notice_id = sent_shelter_notice(session_factory, "三民區民眾活動中心|Sanmin Community Activity Center", "sanmin")
    assert open_now(session_factory) == {"三民區民眾活動中心": f"notice {notice_id}"}


@pytest.mark.parametrize(
    "fields",
    [
        {"training": True},
        {"expires": NOW - timedelta(minutes=1)},
        {"status": NoticeStatus.CANCELLED},
        {"status": NoticeStatus.SUPERSEDED},
        {"status": NoticeStatus.APPROVED, "sent_at": None},
        {"msg_type": MsgType.CANCEL},
    ],
)
def test_a_notice_not_on_air_opens_nothing(session_factory, shelters, fields):
    sent_shelter_notice(session_factory, "三民區民眾活動中心", "sanmin", **fields)
    assert open_now(session_factory) == {}


def test_the_name_is_matched_within_its_district_whatever_the_spacing(session_factory, shelters):
    sent_shelter_notice(session_factory, "三民 國中", "sanmin")
    sent_shelter_notice(session_factory, "旗山國小", "sanmin")  # not a shelter of 三民區
    with session_factory() as session:
        matches = notice_matches(session, now=NOW)
    assert sorted(open_now(session_factory)) == ["三民國中"]
    assert [n.params["shelter"] for n in matches.unmatched] == ["旗山國小"]


def test_the_address_tells_two_shelters_of_one_name_apart(session_factory, shelters):
    with session_factory.begin() as session:  # 三民國中 renamed like its neighbour, for the test
        session.execute(
            update(Shelter)
            .where(Shelter.id == shelters["三民國中"])
            .values(name="三民區民眾活動中心", name_key="三民區民眾活動中心")
        )
    sent_shelter_notice(session_factory, "三民區民眾活動中心", "sanmin", params={"address": "九如一路50號"})
    with session_factory() as session:
        assert [s.id for s, _ in open_shelters(session, now=NOW)] == [shelters["三民國中"]]


def test_an_officer_closing_after_the_notice_wins(session_factory, shelters):
    sent_shelter_notice(session_factory, "三民國中", "sanmin", sent_at=NOW - timedelta(hours=2))
    with session_factory.begin() as session:
        _, state, still_told = set_shelter_open(
            session, shelters["三民國中"], False, by=DUTY, now=NOW - timedelta(hours=1)
        )
    assert not state.open and still_told is not None  # residents still read the notice: the officer is told
    assert open_now(session_factory) == {}


def test_a_notice_sent_after_an_officer_closed_it_opens_it_again(session_factory, shelters):
    with session_factory.begin() as session:
        set_shelter_open(session, shelters["三民國中"], False, by=DUTY, now=NOW - timedelta(hours=3))
    notice_id = sent_shelter_notice(session_factory, "三民國中", "sanmin", sent_at=NOW - timedelta(hours=2))
    assert open_now(session_factory) == {"三民國中": f"notice {notice_id}"}


def test_an_officer_opening_stays_open_after_the_notice_expires(session_factory, shelters):
    sent_shelter_notice(session_factory, "三民國中", "sanmin", expires=NOW - timedelta(minutes=5))
    with session_factory.begin() as session:
        set_shelter_open(session, shelters["旗山國小"], True, by=DUTY, now=NOW - timedelta(hours=4))
    assert open_now(session_factory) == {"旗山國小": "ap-chen"}
