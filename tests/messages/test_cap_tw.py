"""Alerts from Taiwan's national platform read as civicast kinds, parameters and Kaohsiung districts: the twenty
real alerts of 2019, hand-written earthquake reports, levels and severities."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from messages.cap import CAP_NS
from messages.cap_geography import BEARINGS
from messages.cap_read import read_cap
from messages.cap_tw import LEVELS, level_rank, severity_rank
from tests.support.cap_tw import (
    ALL_DISTRICTS,
    HANDMADE,
    REAL_ALERTS,
    TSUNAMI_COAST,
    alert_of,
    info_of,
    markup_as_text,
    param_problems,
    reading_of,
    real,
)

# The twenty real alerts ------------------------------------------------------------------------------------------

NO_KIND = {
    "CDC_communicable_20190521123448_001.xml": ("communicable", "傳染病"),
    "HEX_SAVE_fireAlarm_20190729054142.xml": ("structurFire", "結構火災"),
    "NCC_Mobiles_20190824145020.xml": ("Mobiles", "行動電話中斷"),
    "NCC_landlines_20190823085123.xml": ("landlines", "市話通訊中斷"),
    "QBTECH_BloodSupply_Hsinchu_20190824080004.xml": ("bloodSupply", "血液庫存"),
    "WRA_WaterLevelWarn_20190824140323.xml": ("highWater", "河川高水位"),
    "cdcc.gov.tw_airRaidAlert_20190508145946001.xml": ("airRaidAlert", "防空"),
    "swcb.gov.tw_debrisFlow_201908240800.xml": ("debrisFlow", "土石流"),
    "tra.gov.tw_railAccident_201908220619.xml": ("railIncident", "鐵路事故"),
}


@pytest.mark.parametrize("name", sorted(NO_KIND))
def test_real_alerts_civicast_has_no_kind_for(glossary, name):
    reading = reading_of(real(name), glossary)
    code, event = NO_KIND[name]
    assert (reading.event_code, reading.kind, reading.params) == (code, None, {})
    assert reading.reason == f"civicast has no notice kind for {event} ({code})"
    # Still told where it was: the landline outage was partly in 前鎮區.
    assert reading.districts == (("cianjhen",) if code == "landlines" else ())


ELSEWHERE = {
    "EPA_airQuality_201908241605_001.xml": ("air_quality", {"level": "unhealthy", "date": "2019-08-24"}),
    "THB-Bobe20190821072052-2016494039.xml": (
        "road_closure",
        {
            "road": "臺8線",
            "start": "2019-08-21T07:00:00+08:00",
            "section": "78K+700~79K+000",
            "reason": "landslide",
            "end": "2019-08-21T09:00:00+08:00",
        },
    ),
    "TPE_Parking_20191001015021.xml": ("emergency_parking", {"start": "2019-10-01T02:16:00+08:00"}),
    "WRA_ReservoirWarn_201908210020.xml": (
        "reservoir_release",
        {"reservoir": "鯉魚潭水庫", "river": "景山溪", "start": "2019-08-21T00:20:00+08:00"},
    ),
    "cwb.gov.tw_thunderstorm_20190821144515_000.xml": ("thunderstorm", {"until": "2019-08-21T15:45:00+08:00"}),
    "dgpa.gov.tw_workSchlClos_20190823164451_i_1001411_005.xml": (
        "day_off",
        {"decision": "work_and_school_closed", "date": "2019-08-23", "period": "evening"},
    ),
    "fifows_heat_201908220852.xml": ("extreme_heat", {"level": "yellow", "date": "2019-08-23"}),
    "fifows_typhoon-warning_201908230536.xml": (
        "typhoon_sea_warning",
        {"typhoon_name": "白鹿|Bailu", "intensity": "mild", "issued": "2019-08-23T05:30:00+08:00"},
    ),
}


@pytest.mark.parametrize("name", sorted(ELSEWHERE))
def test_real_alerts_of_known_kinds_elsewhere_in_taiwan(glossary, kinds, name):
    reading = reading_of(real(name), glossary)
    kind, params = ELSEWHERE[name]
    assert (reading.kind, reading.params, reading.districts) == (kind, params, ())
    assert reading.reason == "touches no Kaohsiung district"
    assert param_problems(kinds, glossary, reading) == {}


@pytest.mark.parametrize("markup", ["escaped", "stripped", "serialised"])
def test_the_typhoon_warning_is_read_however_its_markup_arrives(glossary, markup):
    document = (REAL_ALERTS / "fifows_typhoon-warning_201908230536.xml").read_bytes()
    alert = read_cap(markup_as_text(document, how="stripped" if markup == "stripped" else "escaped"))
    if markup == "serialised":  # elements written back with their namespace, as lxml serialises them
        namespaced = re.sub(
            r"<(typhoon-info|section|cwb_typhoon_name|typhoon_name)\b",
            rf'<\1 xmlns="{CAP_NS}"',
            alert.infos[0].description,
        )
        alert = replace(alert, infos=(replace(alert.infos[0], description=namespaced),))
    reading = reading_of(alert, glossary)
    assert reading.params["typhoon_name"] == "白鹿|Bailu" and reading.params["intensity"] == "mild"
    assert reading.source_text.startswith("海上颱風警報")
    assert "<" not in reading.source_text and "臺灣東南部海面(含蘭嶼、綠島)" in reading.source_text


def test_real_extremely_rain_alert_covers_all_38_districts(glossary, kinds, composer):
    reading = reading_of(real("fifows_extremely-rain_201908210433.xml"), glossary)
    assert (reading.event_code, reading.kind, reading.level, reading.severity) == (
        "rainfall",
        "heavy_rain",
        "heavy_rain",
        "Moderate",
    )
    assert reading.params == {"level": "heavy_rain", "districts": ["all"], "until": "2019-08-21T17:00:00+08:00"}
    assert len(reading.districts) == ALL_DISTRICTS and reading.reason is None
    assert reading.expires.isoformat() == "2019-08-21T17:00:00+08:00"
    assert reading.source_text.startswith("大雨特報\n低壓帶影響")
    composer.new_notice(reading.kind, reading.params)


def test_real_kaohsiung_parking_alert(glossary, kinds, composer):
    reading = reading_of(real("KHC_Parking_20190823224823.xml"), glossary)
    assert (reading.event_code, reading.kind, reading.reason) == ("Parking", "emergency_parking", None)
    assert reading.params == {
        "start": "2019-08-23T22:33:00+08:00",
        "places": 331,
        "spaces": 11704,
        "districts": ["all"],
    }
    assert len(reading.districts) == ALL_DISTRICTS
    composer.new_notice(reading.kind, reading.params)


def test_real_tsunami_test_alert_is_read_from_its_info_for_kaohsiung(glossary, kinds, composer):
    alert = real("CWB-TSU10401001.xml")
    assert alert.status == "Test" and len(alert.infos) == 2
    reading = reading_of(alert, glossary)
    # The second <info> holds 西南沿海地區, Kaohsiung's coast, with its own severity, arrival and waves.
    assert (reading.kind, reading.severity, reading.reason) == ("tsunami_warning", "Moderate", None)
    assert reading.params == {
        "arrival": "2015-10-01T10:04:00+08:00",
        "wave_height": 1.0,
        "districts": list(TSUNAMI_COAST),
    }
    assert reading.districts == TSUNAMI_COAST
    composer.new_notice(reading.kind, reading.params)


def test_every_real_alert_gives_valid_parameters(glossary, kinds):
    for path in sorted(REAL_ALERTS.glob("*.xml")):
        reading = reading_of(real(path.name), glossary)
        assert param_problems(kinds, glossary, reading) == {}, path.name
        assert reading.source_text and reading.effective is not None, path.name


# Earthquakes -------------------------------------------------------------------------------------------------------


def test_earthquake_felt_across_the_city(glossary, kinds):
    reading = reading_of(read_cap((HANDMADE / "earthquake-kaohsiung-city-4.xml").read_bytes()), glossary)
    assert (reading.event_code, reading.kind, reading.level, reading.reason) == (
        "earthquake",
        "earthquake_report",
        "4",
        None,
    )
    assert reading.params == {
        "time": "2024-04-03T07:58:09+08:00",
        "magnitude": 7.2,
        "depth_km": 15.5,
        "intensity": "4",
        "districts": ["all"],
        "epicentre_from": "hualien_county_hall",
        "epicentre_bearing": "sse",
        "epicentre_km": 25.0,
    }
    assert len(reading.districts) == ALL_DISTRICTS  # only the city was given
    assert param_problems(kinds, glossary, reading) == {}


def test_earthquake_felt_in_some_districts(glossary, kinds):
    reading = reading_of(read_cap((HANDMADE / "earthquake-kaohsiung-districts.xml").read_bytes()), glossary)
    # 高雄市 4級 on 鹽埕區's 103 code and 5強 on 桃源區's 107 code: the highest, and only those districts.
    assert reading.level == "5+" and reading.params["intensity"] == "5+"
    assert reading.districts == ("yancheng", "taoyuan") and reading.params["districts"] == ["yancheng", "taoyuan"]
    assert (reading.params["epicentre_from"], reading.params["epicentre_bearing"], reading.params["epicentre_km"]) == (
        "taitung_county_hall",
        "nw",
        38.4,
    )
    assert reading.params["depth_km"] == 8.2 and reading.params["magnitude"] == 5.9
    assert reading.severity == "Severe" and reading.reason is None


def test_earthquake_not_felt_in_kaohsiung(glossary, kinds):
    reading = reading_of(read_cap((HANDMADE / "earthquake-not-felt-in-kaohsiung.xml").read_bytes()), glossary)
    assert (reading.kind, reading.districts, reading.level) == ("earthquake_report", (), None)
    assert reading.reason == "reports no intensity in Kaohsiung"
    # No county hall to measure from: the place as the agency wrote it, as a name.
    assert reading.params["epicentre"] == "宜蘭縣大同鄉" and "epicentre_from" not in reading.params
    assert param_problems(kinds, glossary, reading) == {}


@pytest.mark.parametrize(
    ("intensities", "expected"),
    [
        (["4級"], "4"),
        (["5弱"], "5-"),
        (["5強"], "5+"),
        (["6弱", "5強"], "6-"),
        (["6+"], "6+"),
        (["７級"], "7"),
        (["5級"], "5-"),
        (["0級", "1級"], "1"),
        (["3級", "十級"], "3"),
    ],
)
def test_intensities_are_read_in_every_spelling(glossary, intensities, expected):
    params = [("LocalMaxIntensity", f'{value};"高雄市";Taiwan_Geocode_103;64;;;"CAP-EQ:1.0"') for value in intensities]
    reading = reading_of(alert_of(info_of("earthquake", "地震", parameters=params)), glossary)
    assert reading.level == expected


# Levels and severities ---------------------------------------------------------------------------------------------


def test_levels_are_the_level_tables_of_kinds_yaml(kinds):
    # The ingest rules' "minimum level" and the severity a level gives read one table: a rule "rain from 豪雨 up"
    # matches exactly the rain levels labelled Severe or worse.
    assert {
        "earthquake_report",
        "heavy_rain",
        "extreme_heat",
        "cold_surge",
        "air_quality",
        "typhoon_land_warning",
    } <= set(LEVELS)
    for kind_id, levels in LEVELS.items():
        table = kinds.get(kind_id).levels
        assert levels == table.values, kind_id
        assert set(levels) == set(kinds.enums[kinds.get(kind_id).params[table.param].enum]), kind_id
        ranks = [table.row_for(level).severity.rank for level in levels]
        assert ranks == sorted(ranks), f"{kind_id}: a higher level must never be less severe"
    assert "tsunami_warning" not in LEVELS  # its table is wave-height thresholds, not levels a rule names


def test_level_rank_orders_levels():
    assert (
        level_rank("earthquake_report", "4")
        < level_rank("earthquake_report", "5-")
        < level_rank("earthquake_report", "5+")
        < level_rank("earthquake_report", "7")
    )
    assert level_rank("heavy_rain", "heavy_rain") < level_rank("heavy_rain", "extremely_torrential_rain")
    assert level_rank("extreme_heat", "yellow") < level_rank("extreme_heat", "red")
    with pytest.raises(ValueError, match="'8' is not a level of earthquake_report"):
        level_rank("earthquake_report", "8")
    with pytest.raises(ValueError, match="road_closure has no levels"):
        level_rank("road_closure", "red")


def test_severity_rank():
    ranks = [severity_rank(s) for s in ("Unknown", "Minor", "Moderate", "Severe", "Extreme")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 5
    with pytest.raises(ValueError, match="'severe' is not a CAP severity"):
        severity_rank("severe")


def test_bearings_are_the_sixteen_compass_points():
    assert sorted(BEARINGS.values()) == sorted(
        ["n", "nne", "ne", "ene", "e", "ese", "se", "sse", "s", "ssw", "sw", "wsw", "w", "wnw", "nw", "nnw"]
    )
