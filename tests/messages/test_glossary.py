"""The glossary: every name in every language leads back to its term; residents' spellings are understood."""

from __future__ import annotations

import pytest

from messages.glossary import UnknownTerm
from messages.i18n import LANGUAGES


@pytest.mark.parametrize(
    "group",
    [
        "district",
        "mrt_line",
        "ferry_route",
        "agency",
        "hotline",
        "quake_reference",
        "mrt_station",
        "reservoir",
        "river",
    ],
)
def test_every_name_in_every_language_resolves_to_its_term(glossary, group):
    wrong = []
    for term in glossary.terms(group):
        for code in LANGUAGES:
            name = glossary.name(group, term.key, code)
            if glossary.resolve(group, name) != term.key:
                wrong.append((code, name))
    assert not wrong


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("三民區", "sanmin"),
        ("三民", "sanmin"),
        ("三民区", "sanmin"),
        ("Sanmin", "sanmin"),
        ("sanmin district", "sanmin"),
        ("quận Tam Dân", "sanmin"),
        ("Tam Dân", "sanmin"),
        ("Qianzhen", "cianjhen"),
        ("Cianjhen", "cianjhen"),
        ("前鎮區", "cianjhen"),
        ("Nanzi", "nanzih"),
        ("那瑪夏", "namasia"),
        ("Yongan", "yongan"),
        ("Yong'an District", "yongan"),
    ],
)
def test_typed_district_names(glossary, typed, key):
    assert glossary.resolve("district", typed) == key


def test_native_script_part_alone_is_understood(glossary):
    thai = glossary.name("district", "sanmin", "th")
    if "(" in thai:
        assert glossary.resolve("district", thai.split("(")[0].strip()) == "sanmin"


def test_unknown_names_are_refused(glossary):
    with pytest.raises(UnknownTerm, match="'Atlantis' is not a known district"):
        glossary.resolve("district", "Atlantis")


def test_whole_city_words(glossary):
    assert glossary.resolve_districts(["全市"]) == ["all"]
    assert glossary.resolve_districts("all") == ["all"]
    assert glossary.resolve_districts(["三民區", "Sanmin", "苓雅"]) == ["sanmin", "lingya"]


def test_the_22_quake_reference_halls_as_the_weather_administration_writes_them(glossary):
    assert len(glossary.terms("quake_reference")) == 22
    assert glossary.resolve("quake_reference", "花蓮縣政府") == "hualien_county_hall"
    assert glossary.resolve("quake_reference", "台東縣政府") == "taitung_county_hall"  # 台 as often typed for 臺
    assert glossary.resolve("quake_reference", "Hsinchu County Hall") == "hsinchu_county_hall"
    assert glossary.resolve("quake_reference", "新竹市政府") == "hsinchu_city_hall"
    for code in LANGUAGES:
        names = {glossary.name("quake_reference", t.key, code) for t in glossary.terms("quake_reference")}
        assert len(names) == 22, code
