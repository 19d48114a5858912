"""Every name read right in every language (issue 13's acceptance): an evacuation order with its villages and
shelter, an earthquake report with its epicentre, a road closure with its section and a water outage, composed
in all 12 languages. Languages that do not write Latin carry no Latin-only name, no language but English carries
an English phrase, and every name outside the glossary carries its 漢字 so the sign can be matched."""

from __future__ import annotations

import re

import pytest

from messages.i18n import LANGUAGES

SAMPLES = {
    "evacuation_order": {
        "villages": ["桃源區勤和里", "復興里"],
        "shelter": "桃源國中|Taoyuan Junior High School",
        "districts": ["taoyuan", "namasia"],
    },
    "earthquake_report": {},
    "road_closure": {"road": "中正一路|Zhongzheng 1st Road", "section": "和平一路至輔仁路"},
    "water_outage": {"villages": ["鳳山區過埤里", "大寮區山頂里"], "districts": ["fongshan", "daliao"]},
}
# The names outside the glossary each sample holds, as the sign writes them (Japanese in its own kanji forms).
HAN_NAMES = {
    "evacuation_order": ["勤和里", "復興里", "桃源國中"],
    "earthquake_report": [],
    "road_closure": ["中正一路", "和平一路至輔仁路"],
    "water_outage": ["過埤里", "山頂里"],
}
# Their romanised forms: in a language that does not write Latin they may only follow the name, in brackets.
PINYIN = ("Qinhe", "Fuxing", "Taoyuan Junior", "Zhongzheng", "Heping", "Furen", "Guobi", "Shanding")
ENGLISH_PHRASES = (
    "Village",
    "Junior High School",
    "County Hall",
    "south-southeast",
    "Closed section",
    "Health Center",
    " to Furen",
)
NOT_LATIN = ("ko", "th", "km", "my", "ja")
# Filipino writes road and school names as Philippine signs do, in English ("Roxas Boulevard", "Rizal High
# School"): part of a name, not a phrase (docs/NAMES.md).
LATIN_NAME_WORDS = {"fil": ("Road", "Junior High School")}


def composed(composer, kind_id):
    params = {**composer.kinds.get(kind_id).example_params, **SAMPLES[kind_id]}
    notice = composer.new_notice(kind_id, params)
    notice.id = 13
    return {
        code: " ".join((ln.headline, ln.body, ln.instruction))
        for code, ln in composer.compose_all(notice, list(LANGUAGES)).items()
    }


@pytest.mark.parametrize("kind_id", sorted(SAMPLES))
def test_scripts_without_latin_carry_no_latin_only_name(composer, kind_id):
    for code, text in composed(composer, kind_id).items():
        if code not in NOT_LATIN:
            continue
        outside_brackets = re.sub(r"[(（][^)）]*[)）]", "", text)
        assert not re.findall(r"[A-Za-z]{3,}", outside_brackets), (code, outside_brackets)


@pytest.mark.parametrize("kind_id", sorted(SAMPLES))
def test_no_english_phrase_and_no_bare_pinyin_outside_english(composer, kind_id):
    for code, text in composed(composer, kind_id).items():
        if code == "en":
            continue
        for phrase in ENGLISH_PHRASES:
            if phrase.strip() not in LATIN_NAME_WORDS.get(code, ()):
                assert phrase not in text, (code, phrase, text)
        if code in ("vi", *NOT_LATIN):  # languages with their own reading of a Chinese name
            outside_brackets = re.sub(r"[(（][^)）]*[)）]", "", text)
            assert not [word for word in PINYIN if word in outside_brackets], (code, outside_brackets)


@pytest.mark.parametrize("kind_id", sorted(SAMPLES))
def test_every_name_carries_its_han_characters(composer, kind_id):
    texts = composed(composer, kind_id)
    for code, text in texts.items():
        if code in ("zh-Hans", "ja"):
            continue  # written in their own character forms, checked below
        for name in HAN_NAMES[kind_id]:
            assert name in text, (code, name, text)
    for name in HAN_NAMES[kind_id]:
        assert name in texts["ja"] or name.translate(str.maketrans("國興頂", "国興頂")) in texts["ja"], name


def test_the_epicentre_is_a_place_bearing_and_distance_in_every_language(composer):
    texts = composed(composer, "earthquake_report")
    assert "花蓮縣政府南南東方25.0公里" in texts["zh-Hant"]
    assert "25.0 km south-southeast of Hualien County Hall" in texts["en"]
    assert all("25" in text for text in texts.values())
    for code, text in texts.items():
        if code != "en":
            assert "Hualien County Hall" not in text, code  # the reviewed glossary's name, not the English one
