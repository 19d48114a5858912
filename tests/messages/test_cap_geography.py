"""Areas of Taiwanese CAP alerts as Kaohsiung districts: geocodes of every edition, text, circles and polygons."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from messages.cap_geography import POINTS_FILE, default_places
from messages.cap_read import CapArea

REAL_ALERTS = Path(__file__).parent.parent / "data" / "cap-tw-2019"
PLACES = default_places()


def names(codes) -> set[str]:
    return {PLACES.district(code).name for code in codes}


@pytest.mark.parametrize(
    ("code", "district"),
    [
        ("6400500", "三民區"),  # 100/103/106 town
        ("64000050", "三民區"),  # 107 town
        ("6400500-001", "三民區"),  # 100/103 village
        ("6400500001", "三民區"),  # the same without the hyphen
        ("64000050001", "三民區"),  # 106/107 village
        ("6403800", "那瑪夏區"),
        ("64000380", "那瑪夏區"),
        ("6403700-010", "桃源區"),
        ("64000010002", "鹽埕區"),
        ("６４００９００", "前鎮區"),  # full-width digits
    ],
)
def test_town_and_village_codes_of_every_edition(code, district):
    assert names(PLACES.geocode_districts(code)) == {district}


@pytest.mark.parametrize("code", ["64", "64000"])
def test_the_city_code_is_every_district(code):
    assert PLACES.geocode_districts(code) == PLACES.all_codes
    assert len(PLACES.all_codes) == 38


@pytest.mark.parametrize(
    "code",
    [
        "10015",
        "1001007",
        "6301000",
        "6703300",
        "1000211-007",
        "65000030001",
        "63000010",
        "6403900",
        "64000390",
        "",
        "abc",
    ],
)
def test_codes_elsewhere_or_malformed_are_no_district(code):
    assert PLACES.geocode_districts(code) == frozenset()


def test_only_geocodes_are_read_as_codes():
    area = CapArea("", geocodes=(("Taiwan_Geocode_106", "6400900"), ("postal_code", "6400100")))
    assert names(PLACES.area_districts(area)) == {"前鎮區"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("高雄市苓雅區", {"苓雅區"}),
        ("高雄市-前鎮區", {"前鎮區"}),
        ("苓雅區高雄特殊教育學校", {"苓雅區"}),
        ("小港", {"小港區"}),  # an air-quality station named by its district
        ("高雄市那瑪夏", {"那瑪夏區"}),
        ("高雄縣鳳山市", {"鳳山區"}),
        ("高雄縣三民鄉", {"那瑪夏區"}),  # renamed in 2008; not 三民區
        ("高雄市鼓山區桃源里", {"鼓山區"}),  # a village of 鼓山區, not 桃源區
        ("臺南市南區,高雄市三民區 高雄市左營區", {"三民區", "左營區"}),
        ("台南市-南區、高雄市-林園區", {"林園區"}),
        ("新港", set()),
        ("臺北市(松山區 大安區 中正區等共10鄉鎮區)", set()),
        ("臺北市-內湖區", set()),
        ("高雄市政府", set()),
        ("", set()),
    ],
)
def test_district_names_in_text(text, expected):
    assert names(PLACES.named_districts(text)) == expected


@pytest.mark.parametrize("text", ["高雄市", "高雄市全區", "台南市,高雄市", "高雄市（全區）"])
def test_the_city_named_alone_is_every_district(text):
    assert PLACES.named_districts(text) == PLACES.all_codes


def test_a_polygon_touches_the_districts_whose_points_it_holds():
    around_harbour = "22.64,120.27 22.64,120.30 22.61,120.30 22.61,120.27 22.64,120.27"
    assert names(PLACES.polygon_districts(around_harbour)) == {"鹽埕區", "前金區"}
    mountains = "23.30,120.60 23.30,120.90 23.10,120.90 23.10,120.60 23.30,120.60"
    assert names(PLACES.polygon_districts(mountains)) == {"桃源區", "那瑪夏區", "甲仙區"}


def test_a_polygon_elsewhere_or_malformed_touches_nothing():
    taipei = "25.28,121.54 25.16,121.62 24.99,121.54 25.04,121.42 25.16,121.36 25.28,121.54"
    assert PLACES.polygon_districts(taipei) == frozenset()
    assert PLACES.polygon_districts("22.6,120.3 22.7,120.3") == frozenset()
    assert PLACES.polygon_districts("north,east south,west x,y") == frozenset()


def test_a_sea_area_reaches_the_coastal_districts_only_when_asked():
    off_the_coast = "22.70,120.10 22.70,120.24 22.50,120.24 22.50,120.10 22.70,120.10"
    assert PLACES.polygon_districts(off_the_coast) == frozenset()
    reached = names(PLACES.polygon_districts(off_the_coast, coast_reach_km=10))
    assert {"旗津區", "鼓山區", "鹽埕區"} <= reached
    assert not reached & {"三民區", "鳳山區", "苓雅區"}  # not coastal, however near


def test_circles():
    assert names(PLACES.circle_districts("22.6236,120.3209 1.0")) == {"苓雅區"}  # holds 苓雅區's point
    assert names(PLACES.circle_districts("22.635521,120.322099 0.1")) == {"苓雅區"}  # a site: the nearest point
    many = PLACES.circle_districts("22.63,120.30 5")
    assert {"鹽埕區", "前金區", "新興區", "苓雅區", "三民區"} <= names(many)
    assert PLACES.circle_districts("24.978476,121.504593 0.1") == frozenset()  # a site in New Taipei
    assert PLACES.circle_districts("24.25397,121.2385 10.0") == frozenset()  # a region in Taichung


@pytest.mark.parametrize("circle", ["23.77,121.67 0", "22.62,120.30 0", "1,1 0.01", "0,0 50", "22.6,120.3", "x"])
def test_an_epicentre_a_dummy_or_a_malformed_circle_touches_nothing(circle):
    assert PLACES.circle_districts(circle) == frozenset()


def test_a_sites_text_outranks_its_mistyped_point():
    # In the city's 2019 parking alert this Fengshan school's point lies in 鹽埕區.
    site = CapArea("鳳山區忠孝國小", circles=("22.62151,120.285322 0.1",))
    assert names(PLACES.area_districts(site)) == {"鳳山區"}
    unnamed = CapArea("臨時停車場", circles=("22.62151,120.285322 0.1",))
    assert names(PLACES.area_districts(unnamed)) == {"鹽埕區"}


def test_a_large_circle_adds_to_what_the_text_names():
    area = CapArea("高雄市林園區", circles=("22.63,120.30 3",))
    assert {"林園區", "前金區", "鹽埕區"} <= names(PLACES.area_districts(area))


@pytest.mark.parametrize(
    ("text", "reference", "bearing", "km"),
    [
        ("花蓮縣政府南南東方25.0公里", "hualien_county_hall", "sse", 25.0),
        ("花蓮縣政府南南東方25.0公里 (位於花蓮縣近海)", "hualien_county_hall", "sse", 25.0),
        ("台東縣政府西北方 38.4 公里 (位於臺東縣海端鄉)", "taitung_county_hall", "nw", 38.4),
        ("宜蘭縣政府東方  74.2  公里 （位於臺灣東部海域）", "yilan_county_hall", "e", 74.2),
        ("高雄市政府東北東方12公里", "kaohsiung_city_hall", "ene", 12.0),
        ("臺北縣政府北方10.1公里", "new_taipei_city_hall", "n", 10.1),
        ("新竹市政府西南西方８.０公里", "hsinchu_city_hall", "wsw", 8.0),
        ("連江縣政府東北東方 5.0 公里", "lienchiang_county_hall", "ene", 5.0),
    ],
)
def test_epicentres_as_seat_bearing_and_distance(text, reference, bearing, km):
    epicentre = PLACES.epicentre(text)
    assert (epicentre.reference, epicentre.bearing, epicentre.km) == (reference, bearing, km)


@pytest.mark.parametrize("text", ["宜蘭縣大同鄉", "臺灣東部海域", "高雄縣政府東方10公里", "花蓮縣政府南南東方", ""])
def test_epicentres_that_are_not_seat_bearing_and_distance(text):
    assert PLACES.epicentre(text) is None


def test_every_seat_has_a_distinct_reference_key():
    keys = [county.quake_reference for county in PLACES.counties]
    assert len(keys) == len(set(keys)) == 22
    assert all(re.fullmatch(r"[a-z_]+_(city|county)_hall", key) for key in keys)


def test_the_district_points_lie_in_kaohsiung_and_name_their_source():
    with POINTS_FILE.open(encoding="utf-8") as handle:
        points = yaml.safe_load(handle)
    assert set(points) == PLACES.all_codes
    for code, point in points.items():
        assert 22.4 < point["lat"] < 23.5 and 120.1 < point["lon"] < 121.0, code
        assert point["source"] in ("office", "tgos"), code


def test_the_office_points_are_where_the_citys_own_alert_puts_the_offices():
    document = (REAL_ALERTS / "KHC_Parking_20190823224823.xml").read_text(encoding="utf-8")
    offices = {
        name: (float(lat), float(lon))
        for name, lat, lon in re.findall(
            r"<areaDesc>(\S+?區)\S*區公所</areaDesc>\s*<circle>([\d.]+),([\d.]+) ", document
        )
    }
    with POINTS_FILE.open(encoding="utf-8") as handle:
        points = yaml.safe_load(handle)
    by_name = {PLACES.district(code).name: point for code, point in points.items()}
    assert {name for name, point in by_name.items() if point["source"] == "office"} == set(offices)
    for name, (lat, lon) in offices.items():
        assert abs(by_name[name]["lat"] - lat) < 0.0005 and abs(by_name[name]["lon"] - lon) < 0.0005, name


def test_the_district_codes_agree_with_the_glossary(glossary):
    geocodes = {term.geocode for term in glossary.terms("district")}
    assert geocodes == set(PLACES.all_codes)
    assert [d.code for d in PLACES.districts] == sorted(geocodes)
