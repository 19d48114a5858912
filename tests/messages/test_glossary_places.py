"""Stations, reservoirs and rivers from the reviewed glossary (issue 13, item 3): a notice naming one the glossary
knows writes it as the glossary does in each language, with the sign's 漢字; one it does not know still goes
through the names layer."""

from __future__ import annotations

import re

import pytest

from messages.glossary import UnknownTerm
from messages.i18n import LANGUAGES
from messages.names import default_name_book
from messages.params import Name

# Languages with their own reading of a Chinese name: the officer's Latin form must not stand in for it.
OWN_READING = ("ko", "th", "km", "my", "ja", "vi")
NOT_LATIN = ("ko", "th", "km", "my", "ja")
CHINESE = ("zh-Hant", "zh-Hans")
BRACKETS = re.compile(r"[(（][^)）]*[)）]")


def composed(composer, kind_id, **params):
    notice = composer.new_notice(kind_id, {**composer.kinds.get(kind_id).example_params, **params})
    notice.id = 13
    return {
        code: " ".join((ln.headline, ln.body, ln.instruction))
        for code, ln in composer.compose_all(notice, list(LANGUAGES)).items()
    }


def test_the_stations_reservoirs_and_rivers_listed(glossary):
    stations = {t.key for t in glossary.terms("mrt_station")}
    assert {
        "r3",
        "r4a",
        "r9",
        "r10",
        "r11",
        "r13",
        "r14",
        "r16",
        "r22a",
        "r24",
        "rk1",
        "o1",
        "o7",
        "o10",
        "ot1",
        "c1",
        "c14",
    } <= stations
    assert "o5" not in stations  # 美麗島 is one station with two codes
    assert glossary.resolve("mrt_station", "O5") == glossary.resolve("mrt_station", "R10") == "r10"
    assert glossary.resolve("reservoir", "阿公店水庫") == "agongdian"
    assert glossary.resolve("river", "楠梓仙溪") == glossary.resolve("river", "旗山溪") == "cishan"
    assert glossary.resolve("river", "Love River") == "love"


@pytest.mark.parametrize("group", ["mrt_station", "reservoir", "river"])
def test_names_differ_within_each_language_and_hold_no_latin_where_the_language_reads_its_own(glossary, group):
    terms = glossary.terms(group)
    for code in LANGUAGES:
        names = [glossary.name(group, t.key, code) for t in terms]
        assert len(set(names)) == len(terms), code
        if code in NOT_LATIN:
            assert not [n for n in names if re.search(r"[A-Za-z]{3,}", n)], code
    # Vietnamese reads the name in Sino-Vietnamese, not in its English or pinyin form.
    english = [re.sub(r" (Station|Reservoir|River|Weir)$", "", t.english) for t in terms]
    vietnamese = [glossary.name(group, t.key, "vi") for t in terms]
    assert not [(e, v) for e, v in zip(english, vietnamese, strict=True) if e.split()[0] in v]


@pytest.mark.parametrize(
    "typed",
    ["美麗島", "美麗島站", "美麗島|Formosa Boulevard", "Formosa Boulevard", "O5", "R10", "Formosa Boulevard Station"],
)
def test_every_way_an_officer_names_a_station_gives_the_glossary_name(composer, glossary, typed):
    texts = composed(composer, "mrt_disruption", stations=[typed])
    for code, text in texts.items():
        assert glossary.name("mrt_station", "r10", code) in text, (code, text)
        if code not in CHINESE:
            assert "美麗島" in text, code  # the sign's characters, so the station can be matched


def test_mrt_disruption_naming_formosa_boulevard_in_all_12_languages(composer, glossary):
    texts = composed(composer, "mrt_disruption", stations=["美麗島|Formosa Boulevard", "中央公園站"])
    assert "Formosa Boulevard Station (美麗島)" in texts["en"]
    assert "美麗島駅" in texts["ja"] and "（美麗島）" not in texts["ja"]  # its kanji already are the sign's
    for code, text in texts.items():
        for key, sign in (("r10", "美麗島"), ("r9", "中央公園")):
            written = glossary.name("mrt_station", key, code)
            assert written in text, (code, written)
            if code in NOT_LATIN:
                assert not re.search(r"[A-Za-z]{3,}", BRACKETS.sub("", written)), (code, written)
            if code not in (*CHINESE, "ja"):
                assert f"{written} ({sign})" in text or f"{written}({sign})" in text, (code, text)
        if code in OWN_READING:
            assert "Formosa" not in text and "Central Park" not in text, (code, text)


def test_reservoir_release_from_agongdian_in_all_12_languages(composer, glossary):
    texts = composed(composer, "reservoir_release", reservoir="阿公店水庫", river="阿公店溪|Agongdian River")
    assert "阿公店ダム（阿公店水庫）" in texts["ja"]
    assert "아궁뎬 저수지(阿公店水庫)" in texts["ko"]
    for code, text in texts.items():
        for group, key, sign in (("reservoir", "agongdian", "阿公店水庫"), ("river", "agongdian", "阿公店溪")):
            written = glossary.name(group, key, code)
            assert written in text, (code, written)
            if code not in CHINESE:
                assert sign in text, (code, text)
        if code in OWN_READING:
            assert "Agongdian" not in text, (code, text)
        if code in NOT_LATIN:
            assert not re.findall(r"[A-Za-z]{3,}", BRACKETS.sub("", text)), (code, text)


def test_a_station_the_glossary_does_not_know_goes_through_the_names_layer(composer, glossary):
    with pytest.raises(UnknownTerm):
        glossary.resolve("mrt_station", "青埔")
    book = default_name_book(glossary)
    texts = composed(composer, "mrt_disruption", stations=["青埔|Qingpu", "美麗島"])
    assert "Qingpu Station (青埔)" in texts["en"]
    assert "칭푸역(青埔)" in texts["ko"]
    for code, text in texts.items():
        assert book.render(Name("青埔", "Qingpu"), LANGUAGES[code], generic="站") in text, code
        assert glossary.name("mrt_station", "r10", code) in text, code


def test_a_reservoir_the_glossary_does_not_know_goes_through_the_names_layer(composer):
    texts = composed(composer, "reservoir_release", reservoir="南化水庫", river="後堀溪")
    assert "Nanhua Reservoir (南化水庫)" in texts["en"]
    assert "hồ chứa nước Nam Hóa (南化水庫)" in texts["vi"]


def test_a_typhoon_keeps_its_name_without_the_characters(composer):
    text = composed(composer, "typhoon_sea_warning", typhoon_name="山陀兒|Krathon")["ja"]
    assert "クラトーン" in text and "（山陀兒）" not in text


def test_kaohsiung_main_station_is_named_as_the_operator_names_it(composer):
    texts = composed(composer, "mrt_disruption", stations=["高雄車站"])
    assert "Kaohsiung Main Station (高雄車站)" in texts["en"]
    assert "가오슝역(高雄車站)" in texts["ko"]
    assert "高雄駅（高雄車站）" in texts["ja"]
    assert "ga Cao Hùng (高雄車站)" in texts["vi"]


def test_a_reservoir_and_river_typed_in_english_carry_their_names_and_characters(composer, glossary):
    texts = composed(composer, "reservoir_release", reservoir="Agongdian Reservoir", river="Love River")
    assert "Love River (愛河)" in texts["en"]
    assert "아궁뎬 저수지(阿公店水庫)" in texts["ko"] and "아이허강(愛河)" in texts["ko"]
    for code, text in texts.items():
        assert glossary.name("river", "love", code) in text, code
        if code in NOT_LATIN:
            assert not re.findall(r"[A-Za-z]{3,}", BRACKETS.sub("", text)), (code, text)
