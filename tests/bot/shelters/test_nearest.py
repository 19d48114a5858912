"""The nearest open shelters suitable for a hazard: what a resident sharing their location is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.office.shelters import set_shelter_open
from bot.shelters.geo import distance_m
from bot.shelters.models import Shelter
from bot.shelters.nearest import nearest_shelters
from tests.bot.shelters.conftest import DUTY, NOW, sent_shelter_notice

HOME = (22.6505, 120.3185)  # a street in 三民區, a hundred metres from its community centre


def open_them(session_factory, ids, *names, is_open=True):
    with session_factory.begin() as session:
        for name in names:
            set_shelter_open(session, ids[name], is_open, by=DUTY, now=NOW - timedelta(minutes=30))


def nearest(session_factory, **options):
    with session_factory() as session:
        return [
            (near.shelter.name, round(near.distance_m))
            for near in nearest_shelters(session, lat=HOME[0], lon=HOME[1], now=NOW, **options)
        ]


def test_one_degree_of_latitude_is_111_km():
    assert distance_m(22.0, 120.3, 23.0, 120.3) == pytest.approx(111_195, abs=1)
    assert distance_m(22.65, 120.31, 22.65, 120.31) == 0


def test_the_closest_open_shelters_come_first_with_their_distance(session_factory, shelters):
    open_them(session_factory, shelters, *shelters)
    found = nearest(session_factory)
    assert [name for name, _ in found] == ["三民區民眾活動中心", "三民國中", "前鎮高中"]
    assert [metres for _, metres in found] == sorted(metres for _, metres in found)
    assert found[0][1] == round(distance_m(*HOME, 22.6499, 120.3179)) and 50 < found[0][1] < 150


def test_only_shelters_suitable_for_the_hazard(session_factory, shelters):
    open_them(session_factory, shelters, *shelters)
    assert [n for n, _ in nearest(session_factory, hazard="flood")] == ["三民區民眾活動中心", "前鎮高中", "旗津國中"]
    assert [n for n, _ in nearest(session_factory, hazard="tsunami")] == ["旗津國中"]
    assert [n for n, _ in nearest(session_factory, hazard="earthquake", limit=2)] == ["三民區民眾活動中心", "三民國中"]


def test_closed_shelters_are_left_out_unless_asked_for(session_factory, shelters):
    assert nearest(session_factory) == []
    open_them(session_factory, shelters, "三民國中", "旗山國小")
    assert [n for n, _ in nearest(session_factory)] == ["三民國中", "旗山國小"]
    assert [n for n, _ in nearest(session_factory, open_only=False)] == ["三民區民眾活動中心", "三民國中", "前鎮高中"]
    open_them(session_factory, shelters, "三民國中", is_open=False)
    assert [n for n, _ in nearest(session_factory)] == ["旗山國小"]


def test_a_shelter_opened_by_a_live_notice_counts(session_factory, shelters):
    sent_shelter_notice(session_factory, "三民國中|Sanmin Junior High School", "sanmin")
    assert [n for n, _ in nearest(session_factory)] == ["三民國中"]


def test_within_a_distance(session_factory, shelters):
    open_them(session_factory, shelters, *shelters)
    assert [n for n, _ in nearest(session_factory, within_m=1000, limit=10)] == ["三民區民眾活動中心", "三民國中"]


def test_a_withdrawn_shelter_is_never_suggested(session_factory, shelters):
    open_them(session_factory, shelters, "三民區民眾活動中心", "三民國中")
    with session_factory.begin() as session:
        session.execute(update(Shelter).where(Shelter.id == shelters["三民區民眾活動中心"]).values(withdrawn_at=NOW))
    assert [n for n, _ in nearest(session_factory, open_only=False, limit=1)] == ["三民國中"]
    assert [n for n, _ in nearest(session_factory)] == ["三民國中"]


def test_a_map_link_at_the_shelter(session_factory, shelters):
    open_them(session_factory, shelters, "三民國中")
    with session_factory() as session:
        (near,) = nearest_shelters(session, lat=HOME[0], lon=HOME[1], now=NOW)
    assert near.map_url == "https://www.google.com/maps/search/?api=1&query=22.652000%2C120.320000"
    assert near.state.open and near.state.by == "ap-chen"


def test_an_unknown_hazard_is_a_mistake(session_factory, shelters):
    with session_factory() as session, pytest.raises(ValueError, match="typhoon"):
        nearest_shelters(session, lat=HOME[0], lon=HOME[1], hazard="typhoon")
