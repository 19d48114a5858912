"""Hand-written Taiwanese alerts of each kind civicast reads, what never becomes a notice, and which <info> is read."""

from __future__ import annotations

import pytest

from messages.cap_read import CapArea
from tests.support.cap_tw import ALL_DISTRICTS, TSUNAMI_COAST, alert_of, info_of, param_problems, reading_of, town


def test_heat_in_kaohsiung(glossary, kinds, composer):
    info = info_of(
        "heat",
        "高溫",
        headline="高溫橙色燈號",
        description="明（16）日高雄市大寮區有36度以上高溫，請注意。",
        parameters=[("alert_color", "橙色")],
        areas=[town("6401400")],
        onset="2024-07-16T00:00:00+08:00",
    )
    reading = reading_of(alert_of(info), glossary)
    assert reading.params == {"level": "orange", "temperature": 36, "districts": ["daliao"], "date": "2024-07-16"}
    assert (reading.level, reading.reason) == ("orange", None)
    composer.new_notice(reading.kind, reading.params)


def test_heat_without_a_temperature_asks_an_officer_if_the_kind_needs_one(glossary, kinds):
    info = info_of("heat", "高溫", headline="高溫黃色燈號", parameters=[("alert_color", "黃色")], areas=[town("64")])
    reading = reading_of(alert_of(info), glossary)
    assert "temperature" not in reading.params and reading.params["districts"] == ["all"]
    needs_it = kinds.get("extreme_heat").params["temperature"].required
    assert reading.reason == (
        "the alert does not give temperature, which extreme_heat needs: an officer completes it" if needs_it else None
    )


def test_cold_surge(glossary, kinds):
    info = info_of(
        "lowTemperature",
        "低溫",
        headline="低溫特報",
        description="高雄市山區有10度以下低溫，請注意保暖。",
        parameters=[("alert_color", "黃色")],
        areas=[town("6403700", "6403800")],
    )
    reading = reading_of(alert_of(info), glossary)
    assert reading.kind == "cold_surge" and reading.level == "yellow"
    assert reading.params == {
        "level": "yellow",
        "lowest_temperature": 10,
        "districts": ["taoyuan", "namasia"],
        "from_date": "2024-07-15",
    }
    assert param_problems(kinds, glossary, reading) == {}


@pytest.mark.parametrize(
    ("severity_level", "headline", "level"),
    [
        ("大雨", "大雨特報", "heavy_rain"),
        ("豪雨", "豪雨特報", "extremely_heavy_rain"),
        ("大豪雨", "大豪雨特報", "torrential_rain"),
        ("超大豪雨", "超大豪雨特報", "extremely_torrential_rain"),
        (None, "大豪雨特報", "torrential_rain"),
    ],
)
def test_rain_levels(glossary, severity_level, headline, level):
    parameters = [("severity_level", severity_level)] if severity_level else []
    reading = reading_of(
        alert_of(info_of("rainfall", "降雨", headline=headline, parameters=parameters, areas=[town("6403000")])),
        glossary,
    )
    assert reading.level == level and reading.params["level"] == level


def test_an_event_without_a_code_is_read_by_its_name(glossary):
    reading = reading_of(alert_of(info_of(None, "豪雨特報", headline="豪雨特報", areas=[town("6403000")])), glossary)
    assert (reading.event_code, reading.kind, reading.level) == ("", "heavy_rain", "extremely_heavy_rain")


def test_thunderstorm_by_townships_and_polygon(glossary, kinds):
    polygon = CapArea(
        "高雄市(美濃區等共3鄉鎮區)", polygons=("22.95,120.50 22.95,120.60 22.85,120.60 22.85,120.50 22.95,120.50",)
    )
    info = info_of(
        "thunderstorm",
        "雷雨",
        areas=[polygon],
        expires="2024-07-15T16:30:00+08:00",
        parameters=[("counties", "高雄市,屏東縣"), ("townships", "高雄市美濃區 高雄市旗山區 屏東縣高樹鄉")],
    )
    reading = reading_of(alert_of(info), glossary)
    assert reading.kind == "thunderstorm" and reading.districts == ("qishan", "meinong")
    assert reading.params == {"districts": ["qishan", "meinong"], "until": "2024-07-15T16:30:00+08:00"}
    counties_only = info_of("thunderstorm", "雷雨", parameters=[("counties", "臺南市,高雄市")])
    assert len(reading_of(alert_of(counties_only), glossary).districts) == ALL_DISTRICTS


def test_typhoon_land_warning(glossary, kinds):
    description = "強烈颱風 山陀兒（國際命名 KRATHON）1日8時的中心位置在北緯 21.0 度，東經 120.5 度。"
    info = info_of(
        "typhoon",
        "颱風",
        headline="海上陸上颱風警報",
        description=description,
        parameters=[("severity_level", "海上陸上颱風警報")],
        areas=[town("64")],
    )
    reading = reading_of(alert_of(info), glossary)
    assert reading.kind == "typhoon_land_warning" and reading.reason is None
    assert reading.params == {"typhoon_name": "山陀兒|Krathon", "intensity": "severe", "districts": ["all"]}
    assert param_problems(kinds, glossary, reading) == {}
    # Its level is the typhoon's intensity (kinds.yaml's level table): a rule "land warnings from a severe typhoon"
    # can name it, and the notice is Extreme unless the source alert gave a severity.
    assert reading.level == "severe" and kinds.get(reading.kind).cap_for(reading.params).severity.value == "Extreme"


def test_typhoon_sea_warning_off_kaohsiung_reaches_its_coast(glossary):
    sea = CapArea("臺灣海峽南部", polygons=("22.70,120.10 22.70,120.24 22.50,120.24 22.50,120.10 22.70,120.10",))
    info = info_of(
        "typhoon",
        "颱風",
        headline="海上颱風警報",
        parameters=[("severity_level", "海上颱風警報")],
        description="中度颱風 凱米（國際命名 GAEMI）",
        areas=[sea],
    )
    reading = reading_of(alert_of(info), glossary)
    assert reading.kind == "typhoon_sea_warning" and reading.params["intensity"] == reading.level == "moderate"
    assert {"cijin", "gushan"} <= set(reading.districts) and "sanmin" not in reading.districts


def test_reservoir_release_downstream_in_kaohsiung(glossary, kinds, composer):
    info = info_of(
        "ReservoirDis",
        "水庫放流",
        headline="阿公店水庫(洩洪至阿公店溪):調節性放水",
        description="水利署訊:(洩洪至阿公店溪):調節性放水,預計放流量150cms,影響範圍:高雄市：燕巢區、岡山區、彌陀區",
        areas=[
            CapArea("高雄市燕巢區", (("Taiwan_Geocode_103", "6402100"),)),
            CapArea("高雄市岡山區", (("Taiwan_Geocode_103", "6401900"),)),
            CapArea("高雄市彌陀區", (("Taiwan_Geocode_103", "6402800"),)),
        ],
        onset="2024-08-21T14:00:00+08:00",
    )
    reading = reading_of(alert_of(info), glossary)
    assert reading.params == {
        "reservoir": "阿公店水庫",
        "start": "2024-08-21T14:00:00+08:00",
        "river": "阿公店溪",
        "flow": 150.0,
        "districts": ["gangshan", "yanchao", "mituo"],
    }
    assert reading.reason is None
    composer.new_notice(reading.kind, reading.params)


def test_road_closure_in_kaohsiung_is_read_as_far_as_it_goes(glossary, kinds):
    info = info_of(
        "roadClose",
        "道路封閉",
        description="高雄市 桃源區 台20線 因 落石封閉。",
        areas=[CapArea("台20線", circles=("23.16,120.76 1.0",))],
    )
    reading = reading_of(alert_of(info), glossary)
    assert reading.params == {
        "road": "臺20線",
        "district": "taoyuan",
        "start": "2024-07-15T10:00:00+08:00",
        "reason": "landslide",
    }
    assert reading.reason is None and param_problems(kinds, glossary, reading) == {}
    unnamed = info_of("roadClose", "道路封閉", description="因坍方封閉。", areas=[town("6403700")])
    assert reading_of(alert_of(unnamed), glossary).reason == (
        "the alert does not give road, which road_closure needs: an officer completes it"
    )


@pytest.mark.parametrize(
    ("text", "decision", "date", "period"),
    [
        ("[停班停課通知]高雄市:今天停止上班、停止上課。", "work_and_school_closed", "2024-07-15", "all_day"),
        ("[停班停課通知]高雄市:明天停止上班、停止上課。", "work_and_school_closed", "2024-07-16", "all_day"),
        ("[停班停課通知]高雄市:今天下午停止上班、停止上課。", "work_and_school_closed", "2024-07-15", "afternoon"),
        ("[停班停課通知]高雄市:明天照常上班、停止上課。", "school_closed", "2024-07-16", "all_day"),
        ("[停班停課通知]高雄市:明天照常上班、照常上課。", "open_as_normal", "2024-07-16", None),
        (
            "[停班停課通知]屏東縣:明天停止上班、停止上課。高雄市:明天照常上班、照常上課。",
            "open_as_normal",
            "2024-07-16",
            None,
        ),
        ("[停班停課通知]高雄市:7月17日停止上班、停止上課。", "work_and_school_closed", "2024-07-17", "all_day"),
    ],
)
def test_day_off_decisions(glossary, kinds, text, decision, date, period):
    info = info_of("workSchlClos", "停班停課", headline="停班課通知", description=text, areas=[town("64")])
    reading = reading_of(alert_of(info), glossary)
    expected = {"decision": decision, "date": date, "period": period, "districts": ["all"]}
    assert reading.params == {name: value for name, value in expected.items() if value is not None}
    assert reading.reason is None and param_problems(kinds, glossary, reading) == {}


def test_a_day_off_announced_across_the_new_year(glossary):
    info = info_of(
        "workSchlClos",
        "停班停課",
        description="[停班停課通知]高雄市:1月2日停止上課。",
        areas=[town("64")],
        effective="2024-12-31T20:00:00+08:00",
    )
    assert reading_of(alert_of(info), glossary).params["date"] == "2025-01-02"


def test_a_placeholder_time_is_no_time(glossary):
    info = info_of(
        "rainfall",
        "降雨",
        headline="大雨特報",
        areas=[town("64")],
        effective="0001-01-01T00:00:00",
        expires="9999-12-31T23:59:59+08:00",
    )
    reading = reading_of(alert_of(info), glossary)
    assert (reading.effective, reading.expires) == (None, None) and "until" not in reading.params


def test_air_quality_at_a_kaohsiung_station(glossary, kinds, composer):
    info = info_of(
        "airQuality",
        "空氣品質",
        headline="空氣品質不良",
        description="小港測站AQI為158，細懸浮微粒(PM2.5)偏高。",
        parameters=[("severity_level", "對所有族群不健康"), ("alert_color", "紅色")],
        areas=[CapArea("小港")],
    )
    reading = reading_of(alert_of(info), glossary)
    assert reading.params == {
        "aqi": 158,
        "level": "unhealthy",
        "districts": ["siaogang"],
        "pollutant": "pm25",
        "date": "2024-07-15",
    }
    assert reading.level == "unhealthy" and reading.reason is None
    composer.new_notice(reading.kind, reading.params)


def test_a_tsunami_for_the_whole_city_concerns_its_coast(glossary):
    info = info_of(
        "tsunami",
        "海嘯",
        areas=[town("64")],
        parameters=[
            ("PredictedArrivalTime", '"西南沿海地區";2024-04-03T08:20:00+08:00;;;;"TW-CAP-TSU:1.0"'),
            ("PredictedWaveHeight", '"西南沿海地區";"3公尺以上";;;;"TW-CAP-TSU:1.0"'),
        ],
    )
    reading = reading_of(alert_of(info), glossary)
    assert reading.districts == TSUNAMI_COAST
    # No region of the alert is Kaohsiung's by name: the earliest arrival; a height "above 3 m" has no figure.
    assert reading.params == {"arrival": "2024-04-03T08:20:00+08:00", "districts": list(TSUNAMI_COAST)}


# What never becomes a notice, and the first usable <info> ---------------------------------------------------------


def test_a_cancel_never_becomes_a_notice(glossary):
    info = info_of("rainfall", "降雨", headline="大雨特報", areas=[town("64")])
    reading = reading_of(alert_of(info, msg_type="Cancel"), glossary)
    assert reading.kind == "heavy_rain"
    assert reading.reason == "a Cancel withdraws earlier alerts; it never becomes a notice of its own"
    bare = reading_of(alert_of(msg_type="Cancel"), glossary)
    assert (bare.kind, bare.reason) == (None, "the alert has no <info>: it only refers to earlier alerts")


def test_the_first_zh_tw_info_that_concerns_kaohsiung_is_read(glossary):
    english = info_of("rainfall", "Rain", language="en-US", headline="Heavy rain", areas=[town("64")])
    elsewhere = info_of("rainfall", "降雨", headline="大雨特報", areas=[town("1001308")])
    here = info_of("rainfall", "降雨", headline="豪雨特報", areas=[town("6403000")])
    reading = reading_of(alert_of(english, elsewhere, here), glossary)
    assert (reading.level, reading.districts) == ("extremely_heavy_rain", ("qishan",))
    only_elsewhere = reading_of(alert_of(english, elsewhere), glossary)
    assert (only_elsewhere.level, only_elsewhere.reason) == ("heavy_rain", "touches no Kaohsiung district")
    only_english = reading_of(alert_of(english), glossary)
    assert only_english.districts and only_english.source_text == "Heavy rain"
