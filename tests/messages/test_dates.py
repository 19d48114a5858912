"""Dates and times in each language as its officials write them (messages/data/dates.yaml)."""

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from babel.dates import get_day_names, get_month_names

from messages.dates import DatePatterns, load_date_patterns
from messages.formatting import ValueFormatter, format_date_for, format_datetime_for, format_time_for
from messages.i18n import LANGUAGES, TAIPEI, get_language
from messages.kinds import Param, ParamType

# Wednesday 21 August 2024, 20:00 in Taipei: the heavy-rain example, given in UTC to prove the Taipei shift.
MOMENT = datetime(2024, 8, 21, 12, 0, tzinfo=UTC)

DATETIMES = {
    "zh-Hant": "8月21日（週三）20:00",
    "zh-Hans": "8月21日（星期三）20:00",
    "en": "20:00 on Wednesday 21 August",
    "ja": "8月21日(水) 20:00",
    "ko": "8월 21일(수) 20:00",
    "vi": "20:00 Thứ Tư, ngày 21/8",
    "id": "Rabu, 21 Agustus pukul 20.00",
    "th": "วันพุธที่ 21 ส.ค. เวลา 20.00 น.",
    "fil": "Miyerkules, Agosto 21, 8:00 PM",
    "ms": "Rabu, 21 Ogos, 20:00",
    "km": "ថ្ងៃពុធ ទី21 ខែសីហា ម៉ោង 20:00",
    "my": "ဩဂုတ်လ ၂၁ ရက် (ဗုဒ္ဓဟူးနေ့) ၂၀:၀၀ နာရီ",
}

# Thursday 3 October 2024, the typhoon day-off example.
DATES = {
    "zh-Hant": "10月3日（週四）",
    "zh-Hans": "10月3日（星期四）",
    "en": "Thursday 3 October",
    "ja": "10月3日(木)",
    "ko": "10월 3일(목)",
    "vi": "Thứ Năm, ngày 3/10",
    "id": "Kamis, 3 Oktober",
    "th": "วันพฤหัสบดีที่ 3 ต.ค.",
    "fil": "Huwebes, Oktubre 3",
    "ms": "Khamis, 3 Oktober",
    "km": "ថ្ងៃព្រហស្បតិ៍ ទី3 ខែតុលា",
    "my": "အောက်တိုဘာလ ၃ ရက် (ကြာသပတေးနေ့)",
}

# 07:05, a time of day alone: the leading zero and the morning mark show.
TIMES = {
    "zh-Hant": "07:05",
    "zh-Hans": "07:05",
    "en": "07:05",
    "ja": "7:05",
    "ko": "07:05",
    "vi": "07:05",
    "id": "07.05",
    "th": "07.05 น.",
    "fil": "7:05 AM",
    "ms": "07:05",
    "km": "07:05",
    "my": "၀၇:၀၅ နာရီ",
}


def test_every_language_has_an_expected_rendering():
    assert set(DATETIMES) == set(DATES) == set(TIMES) == set(LANGUAGES)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_datetime_as_written_in_each_language(code):
    assert format_datetime_for(MOMENT, get_language(code)) == DATETIMES[code]


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_date_alone_as_written_in_each_language(code):
    assert format_date_for(date(2024, 10, 3), get_language(code)) == DATES[code]


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_time_alone_as_written_in_each_language(code):
    assert format_time_for(time(7, 5), get_language(code)) == TIMES[code]


def test_afternoon_in_filipino_and_midnight_in_the_24_hour_languages():
    night = datetime(2024, 11, 13, 0, 0, tzinfo=TAIPEI)
    assert format_datetime_for(night, get_language("en")) == "00:00 on Wednesday 13 November"
    assert format_datetime_for(night, get_language("fil")) == "Miyerkules, Nobyembre 13, 12:00 AM"
    assert format_time_for(time(14, 30), get_language("fil")) == "2:30 PM"


def test_burmese_never_uses_the_short_month_words():
    # CLDR's short Burmese months are ordinary words ("အောက်" = "under"); every month is written in full + လ.
    burmese = get_language("my")
    for month in range(1, 13):
        text = format_date_for(date(2025, month, 1), burmese)
        assert text.split(" ")[0] == get_month_names("wide", locale=burmese.locale)[month] + "လ", text
        assert not any(ch.isascii() and ch.isdigit() for ch in text), text


def test_no_language_keeps_cldrs_short_forms():
    text = {code: format_datetime_for(MOMENT, lang) for code, lang in LANGUAGES.items()}
    assert "thg" not in text["vi"] and "Thứ 4" not in text["vi"]
    assert "วันที่ พ" not in text["th"]
    assert "," not in text["km"] and "ពុធ," not in text["km"]


def test_list_of_dates_and_a_datetime_parameter_use_the_patterns():
    formatter = ValueFormatter(catalogs=None, glossary=None)  # dates need neither
    thai = get_language("th")
    spray_dates = Param(name="spray_dates", type=ParamType.DATES, required=True, example=None)
    when = Param(name="until", type=ParamType.DATETIME, required=True, example=None)
    days = [date(2024, 9, 12), date(2024, 9, 13)]
    assert formatter.format(spray_dates, days, thai, enums={}, whole_city="") == (
        "วันพฤหัสบดีที่ 12 ก.ย. และ วันศุกร์ที่ 13 ก.ย."
    )
    assert formatter.format(when, MOMENT, thai, enums={}, whole_city="") == DATETIMES["th"]


def test_patterns_file_must_cover_every_language(tmp_path: Path):
    partial = tmp_path / "dates.yaml"
    partial.write_text('en: {date: "d MMMM", time: "HH:mm", datetime: "{date}, {time}"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="exactly the languages"):
        load_date_patterns(partial)


def test_patterns_reject_unknown_digits_and_a_datetime_without_both_parts():
    with pytest.raises(ValueError, match="numbering system"):
        DatePatterns(date="d", time="HH", datetime="{date} {time}", digits="roman")
    with pytest.raises(ValueError, match="once each"):
        DatePatterns(date="d", time="HH", datetime="{date}")
    with pytest.raises(ValueError, match="once each"):
        DatePatterns(date="d", time="HH", datetime="{date} {time} {time}")


# A word for "day" / "date" that the phrases used to put before a date, now part of the date itself.
DOUBLED = {"th": ("วันที่ วัน", "วันที่วัน"), "vi": ("ngày Thứ", "ngày ngày"), "km": ("ថ្ងៃ ថ្ងៃ", "ថ្ងៃថ្ងៃ")}


@pytest.mark.parametrize(
    "kind_id",
    ["day_off", "extreme_heat", "cold_surge", "dengue_outbreak", "vaccination_campaign", "water_outage", "heavy_rain"],
)
def test_composed_notices_write_each_date_once_with_its_weekday(composer, kind_id):
    kind = composer.kinds.get(kind_id)
    notice = composer.new_notice(kind_id, dict(kind.example_params))
    for code in ("th", "vi", "km", "en"):
        localised = composer.compose(notice, code)
        text = " ".join(part for part in (localised.headline, localised.body, localised.times_text) if part)
        assert not any(pair in text for pair in DOUBLED.get(code, ())), (code, text)
        weekdays = get_day_names("wide", locale=get_language(code).locale).values()
        assert any(day in text for day in weekdays), (code, text)  # every one of these kinds shows a date
