"""The composer: every kind in every language from the reviewed phrase bank."""

from __future__ import annotations

import re

import pytest

from messages.i18n import LANGUAGES
from messages.kinds import Severity
from messages.localised import FreeTextVersion
from messages.models import MsgType, TranslationOrigin
from messages.params import InvalidParameters
from messages.transcription import simplified

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
NO_HAN = ["en", "vi", "id", "th", "fil", "ms", "km", "my"]
ALL = list(LANGUAGES)


def example(composer, kind_id, **overrides):
    params = {**composer.kinds.get(kind_id).example_params, **overrides}
    notice = composer.new_notice(kind_id, params)
    notice.id = 42
    return notice


@pytest.mark.parametrize(
    "kind_id",
    [
        k
        for k in (
            "typhoon_sea_warning",
            "typhoon_land_warning",
            "day_off",
            "heavy_rain",
            "evacuation_order",
            "shelter_open",
            "earthquake_report",
            "tsunami_warning",
            "extreme_heat",
            "cold_surge",
            "reservoir_release",
            "water_outage",
            "power_outage",
            "emergency_parking",
            "air_quality",
            "dengue_outbreak",
            "disease_advisory",
            "vaccination_campaign",
            "mrt_disruption",
            "road_closure",
            "bus_change",
            "ferry_suspension",
            "thunderstorm",
        )
    ],
)
def test_every_kind_composes_in_every_language_from_the_catalogs(composer, kind_id):
    notice = example(composer, kind_id)
    localised = composer.compose_all(notice, ALL)
    english = localised["en"]
    for code, ln in localised.items():
        assert ln.headline and ln.body and ln.instruction, code
        if code != "en":
            # A sentence missing from a catalog would fall back to the English source.
            assert ln.headline != english.headline, f"{kind_id} headline not translated into {code}"
            assert ln.instruction != english.instruction, f"{kind_id} instruction not translated into {code}"
        assert "{" not in ln.headline + ln.body + ln.instruction, "a placeholder was left unfilled"


@pytest.mark.parametrize("code", NO_HAN)
def test_typhoon_warning_names_places_from_the_glossary(composer, code):
    ln = composer.compose(example(composer, "typhoon_land_warning"), code)
    text = " ".join([ln.headline, ln.body, ln.instruction, ln.agency, ln.areas_text, ln.severity_label])
    assert not HAN.search(text), text
    assert "Krathon" in ln.headline


def test_districts_are_written_in_the_readers_language(composer, glossary):
    notice = example(composer, "heavy_rain", districts="sanmin,lingya")
    for code in ALL:
        ln = composer.compose(notice, code)
        for key in ("sanmin", "lingya"):
            assert glossary.name("district", key, code) in ln.body, code
    assert "三民區" in composer.compose(notice, "zh-Hant").body
    assert "三民区" in composer.compose(notice, "zh-Hans").body


def test_chinese_names_are_simplified_for_zh_hans(composer):
    notice = example(composer, "shelter_open")
    assert "三民區民眾活動中心" in composer.compose(notice, "zh-Hant").headline
    assert "三民区民众活动中心" in composer.compose(notice, "zh-Hans").headline
    # Other languages write the name in their own words and keep the 漢字 so the sign can be matched.
    vietnamese = composer.compose(notice, "vi").headline
    assert "Nhà sinh hoạt cộng đồng quận Tam Dân (Sanmin) (三民區民眾活動中心)" in vietnamese


def test_dates_and_numbers_follow_each_locale(composer):
    notice = example(composer, "power_outage", start="2024-10-03T14:20:00+08:00", households="12500")
    assert "12,500" in composer.compose(notice, "en").body
    vi = composer.compose(notice, "vi").body
    # Vietnamese digit grouping, and the date as Vietnamese notices write it (not CLDR's short "thg 10")
    assert "12.500" in vi and "14:20 Thứ Năm, ngày 3/10" in vi
    assert "10月3日（週四）14:20" in composer.compose(notice, "zh-Hant").body


def test_times_are_taipei_time_whatever_the_input_offset(composer):
    notice = example(composer, "tsunami_warning", arrival="2024-04-03T00:20:00Z")
    assert "08:20" in composer.compose(notice, "en").body


def test_optional_sentences_are_left_out_when_their_parameter_is_missing(composer, kinds):
    params = dict(kinds.get("power_outage").example_params)
    del params["households"]
    notice = composer.new_notice("power_outage", params)
    assert "households" not in composer.compose(notice, "en").body
    assert "households" in composer.compose(example(composer, "power_outage"), "en").body


def test_enum_sentence_chosen_by_value(composer):
    good = composer.compose(example(composer, "air_quality", level="good", aqi="30"), "en").instruction
    bad = composer.compose(example(composer, "air_quality", level="hazardous", aqi="420"), "en").instruction
    assert good != bad and "Stay indoors" in bad


def test_invalid_parameters_raise_one_error_naming_all(composer):
    with pytest.raises(InvalidParameters) as caught:
        composer.new_notice("typhoon_land_warning", {"intensity": "huge", "districts": "Atlantis"})
    assert set(caught.value.errors) == {"typhoon_name", "intensity", "districts"}


def test_training_notices_say_test_in_every_language(composer):
    notice = example(composer, "earthquake_report")
    notice.training = True
    localised = composer.compose_all(notice, ALL)
    assert "測試" in localised["zh-Hant"].headline
    assert "TEST" in localised["en"].headline
    for code, ln in localised.items():
        assert ln.training
        plain = composer.compose(example(composer, "earthquake_report"), code)
        assert ln.headline != plain.headline and len(ln.body) > len(plain.body), code


def test_update_and_cancel_are_marked(composer):
    notice = example(composer, "mrt_disruption")
    notice.msg_type = MsgType.UPDATE
    assert composer.compose(notice, "en").headline.startswith("[UPDATE]")
    notice.msg_type = MsgType.CANCEL
    cancelled = composer.compose(notice, "en")
    assert cancelled.headline.startswith("[CANCELLED]") and "cancelled" in cancelled.body


def test_localised_notice_carries_what_channels_need(composer):
    notice = example(composer, "evacuation_order", deadline="2024-08-21T18:00")
    ln = composer.compose(notice, "id")
    assert ln.severity is Severity.EXTREME and ln.severity_label
    assert ln.link == "https://notices.example.tw/n/42?lang=id"
    assert ln.districts == ("taoyuan", "namasia") and len(ln.area_names) == 2
    assert ln.agency and not HAN.search(ln.agency)
    assert ln.kind_title and ln.topic == "disaster"


def test_severity_override(composer):
    notice = composer.new_notice("heavy_rain", composer.kinds.get("heavy_rain").example_params, severity="Severe")
    assert composer.compose(notice, "en").severity is Severity.SEVERE


def test_free_text_is_appended_and_machine_translation_marked(composer, catalogs):
    notice = composer.new_notice(
        "heavy_rain",
        composer.kinds.get("heavy_rain").example_params,
        free_text="旗山區已開設收容所。",
        free_text_lang="zh-Hant",
    )
    versions = {
        "zh-Hant": FreeTextVersion("zh-Hant", "旗山區已開設收容所。", TranslationOrigin.SOURCE),
        "vi": FreeTextVersion("vi", "Đã mở nơi trú ẩn tại quận Kỳ Sơn.", TranslationOrigin.MACHINE, engine="google"),
        "en": FreeTextVersion("en", "A shelter is open in Qishan.", TranslationOrigin.REVIEWED),
    }
    localised = composer.compose_all(notice, ["zh-Hant", "vi", "en"], versions)
    assert localised["zh-Hant"].body.endswith("旗山區已開設收容所。") and not localised["zh-Hant"].machine_translated
    vi = localised["vi"]
    assert vi.machine_translated and "Đã mở nơi trú ẩn" in vi.body
    mark = catalogs.get("vi").get("common.machine_translated", composer.kinds.common["machine_translated"])
    assert mark and mark in vi.body
    assert not localised["en"].machine_translated


def test_free_text_fallback_and_hold(composer):
    notice = composer.new_notice(
        "heavy_rain", composer.kinds.get("heavy_rain").example_params, free_text="旗山區已開設收容所。"
    )
    fallback = FreeTextVersion("th", None, original="旗山區已開設收容所。", english="A shelter is open in Qishan.")
    th = composer.compose(notice, "th", fallback)
    assert "旗山區已開設收容所。" in th.body and "A shelter is open in Qishan." in th.body and not th.held
    held = composer.compose(notice, "km", FreeTextVersion("km", None, held=True))
    assert held.held and "旗山區" not in held.body


def test_announcement_takes_headline_and_body_from_free_text(composer):
    notice = composer.new_notice(
        "announcement",
        {"topic": "transport"},
        free_text="Harbour festival road closures\nRoads near Pier-2 close at 18:00.",
        free_text_lang="en",
    )
    ln = composer.compose(notice, "en")
    assert ln.headline == "Harbour festival road closures"
    assert ln.body == "Roads near Pier-2 close at 18:00."
    assert notice.topic == "transport"
    with pytest.raises(InvalidParameters, match="free_text"):
        composer.new_notice("announcement", {})


def test_plain_text_rendering(composer):
    ln = composer.compose(example(composer, "day_off"), "en")
    text = ln.plain_text
    assert text.splitlines()[0].startswith("[") and ln.headline in text
    assert "Kaohsiung City Government" in text and ln.link in text


def test_bad_times_are_named_with_the_parameters(composer):
    with pytest.raises(InvalidParameters) as caught:
        composer.new_notice("water_outage", {"districts": "Atlantis"}, effective="soon")
    assert {"effective", "districts", "start", "end"} <= set(caught.value.errors)
    with pytest.raises(InvalidParameters, match="expires: must be later than effective"):
        composer.new_notice(
            "heavy_rain",
            composer.kinds.get("heavy_rain").example_params,
            effective="2024-08-21T12:00",
            expires="2024-08-21T11:00",
        )


QUAKE = {"time": "2024-04-03T07:58", "magnitude": "7.2", "depth_km": "15.5", "intensity": "4"}
STRUCTURED = {"epicentre_km": "25", "epicentre_bearing": "sse", "epicentre_from": "花蓮縣政府"}


def test_epicentre_is_written_from_its_distance_bearing_and_hall(composer):
    notice = composer.new_notice("earthquake_report", {**QUAKE, **STRUCTURED})
    assert "Epicentre: 25.0 km south-southeast of Hualien County Hall, at a depth of 15.5 km." in (
        composer.compose(notice, "en").body
    )
    assert "震央位於花蓮縣政府南南東方25.0公里，震源深度15.5公里。" in composer.compose(notice, "zh-Hant").body
    assert "震中位于花莲县政府南南东方向25.0公里处" in composer.compose(notice, "zh-Hans").body


def test_only_one_epicentre_sentence_whichever_form_was_given(composer):
    name = "花蓮縣政府南南東方25.0公里|25.0 km south-southeast of Hualien County Hall"
    both = composer.compose(
        composer.new_notice("earthquake_report", {**QUAKE, **STRUCTURED, "epicentre": name}), "en"
    ).body
    assert both.count("Epicentre:") == 1 and "south-southeast of Hualien County Hall, at" in both
    # An incomplete structured epicentre falls back to the reported text; with neither, the depth stands alone.
    partial = composer.compose(
        composer.new_notice("earthquake_report", {**QUAKE, "epicentre_km": "25", "epicentre": name}), "en"
    ).body
    assert partial.count("Epicentre:") == 1 and "Epicentre: 25.0 km south-southeast" in partial
    bare = composer.compose(composer.new_notice("earthquake_report", QUAKE), "en").body
    assert "Epicentre" not in bare and "Depth: 15.5 km." in bare


def test_earthquake_says_where_it_was_felt_and_targets_those_districts(composer):
    notice = composer.new_notice("earthquake_report", {**QUAKE, "districts": "美濃區,旗山"})
    assert "Felt in: Meinong District and Cishan District." in composer.compose(notice, "en").body
    assert notice.districts == ["meinong", "qishan"]
    assert composer.new_notice("earthquake_report", QUAKE).districts == ["all"]


def test_heat_headline_without_a_temperature(composer):
    with_figure = composer.compose(example(composer, "extreme_heat"), "en")
    assert with_figure.headline == "Extreme heat: up to 38 °C in all districts of Kaohsiung"
    without = composer.compose(example(composer, "extreme_heat", temperature=None), "en")
    assert without.headline == "Extreme heat alert: all districts of Kaohsiung"
    assert "°C" not in without.body
    for code in ALL:
        assert composer.compose(example(composer, "extreme_heat", temperature=None), code).headline, code


@pytest.mark.parametrize("code", ALL)
def test_villages_and_shelters_are_names_a_resident_can_match_to_the_sign(composer, code):
    evacuation = composer.compose(example(composer, "evacuation_order"), code)
    outage = composer.compose(example(composer, "water_outage"), code)
    text = "\n".join((evacuation.body, evacuation.instruction, outage.body))
    for native in ("勤和里", "復興里", "桃源國中", "過埤里", "山頂里"):
        # Simplified Chinese readers read the simplified characters (复兴里), as the rest of their text.
        assert (simplified(native) if code == "zh-Hans" else native) in text, (code, native)
    # The villages are placed in their district, in the reader's words for it.
    assert composer.glossary.name("district", "taoyuan", code) in evacuation.body
    if code in ("ko", "th", "km", "my", "vi", "ja"):
        # No name left in pinyin or English: the village table's spellings and the officer's English.
        for latin in ("Qinhe", "Fuxing", "Guobi", "Shanding", "Junior High"):
            assert latin not in text, (code, latin)


def test_a_vaccination_place_is_a_kind_of_place_in_the_readers_words_or_a_named_one(composer):
    kinds_of_place = example(composer, "vaccination_campaign", place=None, places="health_centres_and_clinics")
    for code in ALL:
        body = composer.compose(kinds_of_place, code).body
        assert ("district health centres" in body) == (code == "en"), code
    assert "各區衛生所及合約醫療院所" in composer.compose(kinds_of_place, "zh-Hant").body
    named = example(composer, "vaccination_campaign", place="鳳山區衛生所")
    assert "Fongshan District Health Center (鳳山區衛生所)" in composer.compose(named, "en").body
    assert "펑산구 보건소(鳳山區衛生所)" in composer.compose(named, "ko").body
    assert "district health centres" not in composer.compose(named, "en").body  # one sentence, the named place
