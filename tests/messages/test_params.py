"""Parameter checking: types, glossary look-ups, and one error naming every problem."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from messages.i18n import TAIPEI
from messages.params import InvalidParameters, ParamChecker


@pytest.fixture
def checker(kinds, glossary):
    return ParamChecker(kinds, glossary)


def test_one_error_names_every_offending_parameter(checker, kinds):
    with pytest.raises(InvalidParameters) as caught:
        checker.check(
            kinds.get("earthquake_report"),
            {"magnitude": "eleven", "depth_km": "-3", "intensity": "9", "epicentre_bearing": "up", "colour": "red"},
        )
    errors = caught.value.errors
    assert set(errors) == {"magnitude", "depth_km", "intensity", "time", "epicentre_bearing", "colour"}
    assert "is required" in errors["time"]
    assert "unknown parameter" in errors["colour"]
    assert "5-" in errors["intensity"]  # the message lists what is allowed
    message = str(caught.value)
    assert "\n" not in message and all(name in message for name in errors)


def test_typed_values(checker, kinds):
    values = checker.check(
        kinds.get("dengue_outbreak"),
        {
            "district": "三民區",
            "villages": "鼎金里|Dingjin Village, 本和里",
            "spray_dates": "2024-09-13,2024-09-12",
            "cases": "3",
        },
    )
    assert values["district"] == "sanmin"
    # Villages belong to the notice's district; the Latin an officer adds is not needed to name them.
    assert [(v.district, v.name) for v in values["villages"]] == [("sanmin", "鼎金里"), ("sanmin", "本和里")]
    assert str(values["villages"][0]) == "三民區鼎金里" and values["villages"][0].romanised == "Dingjin"
    assert values["spray_dates"] == [date(2024, 9, 12), date(2024, 9, 13)]
    assert values["cases"] == 3


def test_datetimes_without_offset_are_taipei_time(checker, kinds):
    values = checker.check(kinds.get("tsunami_warning"), {"arrival": "2024-04-03T08:20", "wave_height": "1.5"})
    assert values["arrival"].tzinfo == TAIPEI and values["arrival"].hour == 8
    assert values["wave_height"] == Decimal("1.5")
    utc = checker.check(kinds.get("tsunami_warning"), {"arrival": "2024-04-03T00:20Z"})
    assert utc["arrival"].hour == 8


@pytest.mark.parametrize("typed", ["三民區", "三民", "Sanmin", "sanmin district", "SANMIN"])
def test_districts_are_recognised_however_they_are_typed(checker, kinds, typed):
    values = checker.check(kinds.get("heavy_rain"), {"level": "heavy_rain", "districts": typed})
    assert values["districts"] == ["sanmin"]


def test_whole_city(checker, kinds):
    for typed in ("all", "全市", ["sanmin", "all"]):
        values = checker.check(kinds.get("heavy_rain"), {"level": "heavy_rain", "districts": typed})
        assert values["districts"] == ["all"]


def test_glossary_parameters_accept_any_language(checker, kinds):
    assert checker.check(kinds.get("mrt_disruption"), {"line": "捷運紅線"})["line"] == "red"
    with pytest.raises(InvalidParameters, match="line: 'purple' is not a known mrt line"):
        checker.check(kinds.get("mrt_disruption"), {"line": "purple"})
