"""Words native readers flagged (issue 13, item 6): each fix read back from a composed notice."""

from __future__ import annotations

import re

import pytest

from messages.formatting import format_list_for
from messages.i18n import LANGUAGES

ALL = list(LANGUAGES)


def compose(composer, kind_id, code, **overrides):
    params = {**composer.kinds.get(kind_id).example_params, **overrides}
    return composer.compose(composer.new_notice(kind_id, params), code)


def text_of(ln) -> str:
    return "\n".join([ln.headline, ln.body, ln.instruction, ln.kind_title])


@pytest.mark.parametrize("level", ["5-", "6-"])
@pytest.mark.parametrize("code", ALL)
def test_lower_intensity_levels_are_not_called_weak(composer, code, level):
    text = text_of(compose(composer, "earthquake_report", code, intensity=level))
    for weak in ("lemah", "mahina", "yếu", "อ่อน", "ខ្សោយ", "weak"):
        assert weak not in text, (code, weak, text)
    if code not in ("zh-Hant", "zh-Hans", "ja", "ko"):
        assert f"{level[0]}-" in text or "Lower" in text, (code, text)


@pytest.mark.parametrize("kind_id", ["extreme_heat", "cold_surge"])
def test_korean_heat_and_cold_information_is_not_a_korean_warning_tier(composer, kind_id):
    text = text_of(compose(composer, kind_id, "ko"))
    assert "경보" not in text and "폭염" not in text and "한파" not in text, text
    assert "정보" in text


def test_korean_rain_levels_are_taiwans_four_levels_not_invented_grades(composer):
    headlines = [
        compose(composer, "heavy_rain", "ko", level=level).headline for level in composer.kinds.enums["rain_level"]
    ]
    assert len(set(headlines)) == 4
    for headline, number in zip(headlines, "1234", strict=True):
        assert "강한" not in headline and "극심한" not in headline, headline
        assert f"{number}단계" in headline, headline


@pytest.mark.parametrize("level", ["good", "moderate", "unhealthy"])
def test_japanese_air_quality_is_not_atmospheric_stability(composer, level):
    text = text_of(compose(composer, "air_quality", "ja", level=level))
    assert "大気の状態" not in text, text
    assert "大気質" in text


def test_thai_names_taiwans_weather_administration_apart_from_thailands_department(composer, glossary):
    agency = glossary.name("agency", "cwa", "th")
    assert "กรมอุตุนิยมวิทยา" not in agency
    for kind_id in ("heavy_rain", "typhoon_land_warning", "extreme_heat"):
        ln = compose(composer, kind_id, "th")
        assert "กรมอุตุนิยมวิทยา" not in text_of(ln) + ln.source_text, kind_id


def test_thai_livestock_are_not_pets(composer):
    assert "ปศุสัตว์" in compose(composer, "reservoir_release", "th").instruction


def test_burmese_districts_are_townships_and_taoyuan_does_not_read_as_prison(composer, glossary):
    names = [glossary.name("district", term.key, "my") for term in glossary.terms("district")]
    assert all("မြို့နယ်" in name and "ခရိုင်" not in name for name in names), names
    assert not any("ထောင်" in name for name in names), names
    assert "ထောင်" not in glossary.name("quake_reference", "taoyuan_city_hall", "my")
    text = text_of(compose(composer, "typhoon_sea_warning", "my"))
    assert "ခရိုင်" not in text, text


@pytest.mark.parametrize("typed", ["ထော်ယွမ်", "ထော်ယွမ်မြို့နယ်", "ထောင်ယွမ်", "ယန်ချန်ခရိုင်", "ယန်ချန်မြို့နယ်"])
def test_burmese_district_names_are_understood_with_either_word_for_district(glossary, typed):
    assert glossary.resolve("district", typed) in {"taoyuan", "yancheng"}


def test_khmer_two_item_list_has_no_zero_width_space(composer):
    khmer = LANGUAGES["km"]
    assert "\u200b" not in format_list_for(["ក", "ខ"], khmer)
    ln = compose(composer, "heavy_rain", "km", districts=["sanmin", "lingya"])
    assert "\u200b" not in text_of(ln)
    assert " និង " in ln.body


OFFICE_WORDS = {"en": "office", "id": "kantor", "ms": "pejabat", "my": "ရုံး", "ja": "休業"}


@pytest.mark.parametrize("decision", ["work_and_school_closed", "school_closed", "open_as_normal"])
@pytest.mark.parametrize("code", ALL)
def test_typhoon_day_off_is_about_work_not_only_offices(composer, code, decision):
    ln = compose(composer, "day_off", code, decision=decision)
    if code in OFFICE_WORDS:
        assert OFFICE_WORDS[code] not in ln.headline.lower(), ln.headline
    if code == "en" and decision == "work_and_school_closed":
        assert "no work and no school" in ln.headline


def _hotline_label(glossary, code: str) -> str:
    return glossary.name("hotline", "epidemic_1922", code).replace("1922", "").strip().lower()


@pytest.mark.parametrize("code", ALL)
def test_1922_is_named_as_the_epidemic_hotline(composer, glossary, code):
    label = _hotline_label(glossary, code)
    dengue = compose(composer, "dengue_outbreak", code).instruction.lower()
    measles = compose(composer, "disease_advisory", code, disease="measles").body.lower()
    assert label in dengue, (label, dengue)
    assert label in measles, (label, measles)


def test_english_source_keeps_promptly_and_the_four_word_clean_up_slogan(composer):
    instruction = compose(composer, "dengue_outbreak", "en").instruction
    assert "see a doctor promptly" in instruction
    assert "inspect, empty, clean and scrub" in instruction
    assert "巡、倒、清、刷" in compose(composer, "dengue_outbreak", "zh-Hant").instruction


TEN_DISTRICTS = [
    "qishan",
    "meinong",
    "liouguei",
    "maolin",
    "taoyuan",
    "namasia",
    "jiasian",
    "shanlin",
    "neimen",
    "ziguan",
]


@pytest.mark.parametrize("code", ALL)
def test_a_long_district_list_becomes_a_count_in_the_headline_and_stays_in_the_body(composer, glossary, code):
    ln = compose(composer, "heavy_rain", code, level="extremely_torrential_rain", districts=TEN_DISTRICTS)
    assert len(ln.headline) <= LANGUAGES[code].headline_budget, (len(ln.headline), ln.headline)
    assert "10" in ln.headline
    names = [glossary.name("district", key, code) for key in TEN_DISTRICTS]
    assert not any(name in ln.headline for name in names), ln.headline
    assert all(name in ln.body for name in names), ln.body
    assert list(ln.area_names) == names


@pytest.mark.parametrize("code", ALL)
def test_a_short_district_list_stays_in_the_headline(composer, glossary, code):
    ln = compose(composer, "heavy_rain", code, districts=["sanmin", "lingya"])
    assert glossary.name("district", "sanmin", code) in ln.headline
    assert glossary.name("district", "lingya", code) in ln.headline


def test_the_whole_city_is_never_counted(composer):
    ln = compose(composer, "heavy_rain", "en", districts=["all"])
    assert "all districts of Kaohsiung" in ln.headline


KATAKANA = re.compile(r"^[\u30a0-\u30ff]+$")
HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")


@pytest.mark.parametrize("typed", ["山陀兒|Krathon", "山陀兒", "Krathon", "KRATHON"])
def test_a_known_typhoon_is_named_as_each_languages_media_name_it(composer, typed):
    def headline(code):
        return compose(composer, "typhoon_sea_warning", code, typhoon_name=typed).headline

    assert "「クラトーン」" in headline("ja")
    assert "끄라톤" in headline("ko")
    assert "山陀兒" in headline("zh-Hant")
    assert "Krathon" in headline("en")


def test_an_unknown_typhoon_is_written_as_the_officer_gave_it(composer):
    def headline(code):
        return compose(composer, "typhoon_land_warning", code, typhoon_name="海葵|Haikui").headline

    assert "「海葵」" in headline("ja")
    assert "Haikui" in headline("ko")
    assert "Haikui" in headline("en")


def test_every_listed_typhoon_has_a_katakana_and_a_hangul_name(glossary):
    terms = glossary.terms("typhoon")
    assert len(terms) >= 20
    for term in terms:
        assert KATAKANA.match(glossary.name("typhoon", term.key, "ja")), term.key
        assert HANGUL.match(glossary.name("typhoon", term.key, "ko")), term.key
        assert glossary.name("typhoon", term.key, "zh-Hant") != term.english, term.key
