"""Severity follows the level: each kind's level table in kinds.yaml, the officer's choice over it, the labels."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from messages.cap import CAP_NS, AlertHeader, build_alert, validate_cap
from messages.i18n import LANGUAGES
from messages.kinds import KindDefinitionError, Severity, load_kind_book

# The lowest and the highest level of every kind with a level table, and the severity each must carry: the
# readers found 超大豪雨, AQI "hazardous" and intensity 5強 labelled like the mildest level of their kind.
LOWEST_AND_HIGHEST = [
    ("typhoon_sea_warning", "mild", Severity.MODERATE),
    ("typhoon_sea_warning", "severe", Severity.SEVERE),
    ("typhoon_land_warning", "mild", Severity.SEVERE),
    ("typhoon_land_warning", "severe", Severity.EXTREME),
    ("day_off", "open_as_normal", Severity.MINOR),
    ("day_off", "work_and_school_closed", Severity.MODERATE),
    ("heavy_rain", "heavy_rain", Severity.MODERATE),
    ("heavy_rain", "extremely_torrential_rain", Severity.EXTREME),
    ("earthquake_report", "1", Severity.MINOR),
    ("earthquake_report", "7", Severity.EXTREME),
    ("extreme_heat", "yellow", Severity.MINOR),
    ("extreme_heat", "red", Severity.SEVERE),
    ("cold_surge", "yellow", Severity.MINOR),
    ("cold_surge", "red", Severity.SEVERE),
    ("air_quality", "good", Severity.MINOR),
    ("air_quality", "hazardous", Severity.EXTREME),
    ("tsunami_warning", 0, Severity.SEVERE),
    ("tsunami_warning", 50, Severity.EXTREME),
]
STEPS = ("minor", "moderate", "severe", "extreme")


def notice_at(composer, kind_id, level, severity=None):
    kind = composer.kinds.get(kind_id)
    notice = composer.new_notice(kind_id, {**kind.example_params, kind.levels.param: level}, severity=severity)
    notice.id = 7
    return notice


def test_the_table_covers_the_lowest_and_highest_level_of_every_kind_with_levels(kinds):
    tested = {}
    for kind_id, level, _ in LOWEST_AND_HIGHEST:
        tested.setdefault(kind_id, []).append(level)
    with_levels = {kind.id: kind.levels for kind in kinds.kinds.values() if kind.levels is not None}
    assert set(tested) == set(with_levels)
    for kind_id, table in with_levels.items():
        if table.numeric:
            param = kinds.get(kind_id).params[table.param]
            assert tested[kind_id] == [param.minimum, param.maximum], kind_id
        else:
            assert tested[kind_id] == [table.values[0], table.values[-1]], kind_id


@pytest.mark.parametrize(("kind_id", "level", "severity"), LOWEST_AND_HIGHEST)
def test_severity_follows_the_level(composer, kind_id, level, severity):
    localised = composer.compose_all(notice_at(composer, kind_id, level))
    assert {ln.severity for ln in localised.values()} == {severity}
    key = f"severity.{severity.value.lower()}"
    labels = {
        code: composer.catalogs.get(code).translate(f"common.{key}", composer.kinds.common[key]) for code in LANGUAGES
    }
    for code, ln in localised.items():
        assert ln.severity_label == labels[code] and ln.title_line.count(labels[code]) >= 1, code
    kind = composer.kinds.get(kind_id)
    cap = build_alert(
        AlertHeader("id-1", "kcg", datetime(2024, 8, 21, tzinfo=UTC), "Actual", "Alert"),
        kind,
        localised.values(),
        composer.glossary,
    )
    assert not validate_cap(cap)
    severities = etree.fromstring(cap).findall(f".//{{{CAP_NS}}}severity")
    assert [element.text for element in severities] == [severity.value] * len(LANGUAGES)


@pytest.mark.parametrize(
    ("kind_id", "lowest", "highest"),
    [
        ("heavy_rain", "heavy_rain", "extremely_torrential_rain"),
        ("air_quality", "good", "hazardous"),
        ("earthquake_report", "1", "7"),
        ("extreme_heat", "yellow", "red"),
    ],
)
def test_a_higher_level_is_never_labelled_lower(composer, kind_id, lowest, highest):
    table = composer.kinds.get(kind_id).levels
    severities = [composer.compose(notice_at(composer, kind_id, level), "en").severity.rank for level in table.values]
    assert severities == sorted(severities) and severities[0] < severities[-1]
    assert table.values[0] == lowest and table.values[-1] == highest


def test_urgency_and_certainty_follow_the_level_where_the_table_says_so(composer):
    kind = composer.kinds.get("air_quality")
    header = AlertHeader("id-2", "kcg", datetime(2024, 12, 10, tzinfo=UTC), "Actual", "Alert")
    for level, urgency in (("good", kind.cap.urgency), ("hazardous", "Immediate")):
        localised = composer.compose_all(notice_at(composer, "air_quality", level), ["zh-Hant", "en"])
        assert {ln.urgency for ln in localised.values()} == {urgency}
        info = etree.fromstring(build_alert(header, kind, localised.values(), composer.glossary)).find(
            f"{{{CAP_NS}}}info"
        )
        assert info.findtext(f"{{{CAP_NS}}}urgency") == urgency
        assert info.findtext(f"{{{CAP_NS}}}certainty") == kind.cap.certainty
    # A level without its own urgency keeps the kind's.
    quake = composer.compose(notice_at(composer, "earthquake_report", "7"), "en")
    assert (quake.urgency, quake.certainty) == ("Past", "Observed")


def test_the_officers_severity_wins_over_the_level(composer):
    notice = notice_at(composer, "heavy_rain", "extremely_torrential_rain", severity="Moderate")
    assert notice.severity == "Moderate"
    assert composer.compose(notice, "ja").severity is Severity.MODERATE


def test_without_its_level_a_notice_keeps_the_kinds_default(composer):
    kind = composer.kinds.get("tsunami_warning")
    params = {name: value for name, value in kind.example_params.items() if name != "wave_height"}
    notice = composer.new_notice("tsunami_warning", params)
    assert composer.compose(notice, "en").severity is kind.cap.severity is Severity.EXTREME
    assert composer.compose(notice_at(composer, "tsunami_warning", 0.9), "en").severity is Severity.SEVERE
    assert composer.compose(notice_at(composer, "tsunami_warning", 1.0), "en").severity is Severity.EXTREME


# The labels ---------------------------------------------------------------------------------------------------


def labels(catalogs, code):
    catalog, common = catalogs.get(code), load_kind_book().common
    return [catalog.translate(f"common.severity.{key}", common[f"severity.{key}"]) for key in (*STEPS, "unknown")]


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_each_language_has_five_distinct_labels(catalogs, code):
    words = labels(catalogs, code)
    assert all(words) and len(set(words)) == 5, words


@pytest.mark.parametrize("code", [code for code in LANGUAGES if code != "en"])
def test_no_label_is_also_the_name_of_a_typhoon_class(catalogs, kinds, code):
    # 【中度】 over a 中度颱風 read as the typhoon's class, not the notice's severity. English keeps CAP's own
    # words (moderate typhoon / Moderate), which partners also read in the CAP feed.
    catalog = catalogs.get(code)
    classes = [
        catalog.translate(f"enum.typhoon_intensity.{value}", text).casefold()
        for value, text in kinds.enums["typhoon_intensity"].items()
    ]
    for word in labels(catalogs, code)[:4]:
        assert not any(word.casefold() in name for name in classes), (word, classes)


def test_korean_labels_follow_the_crisis_scale_in_order(catalogs):
    # Korea's 위기경보 runs 관심 < 주의 < 경계 < 심각: 심각 is its top, so it must be Extreme, never below it.
    assert labels(catalogs, "ko")[:4] == ["관심", "주의", "경계", "심각"]


def test_japanese_lowest_step_is_chui(catalogs):
    # 注意 reads as the lowest tier to a Japanese reader, so it may only be the lowest step.
    words = labels(catalogs, "ja")
    assert words[0] == "注意" and "注意" not in "".join(words[1:])


# Level tables in kinds.yaml are checked when they are read ----------------------------------------------------


def _book(tmp_path: Path, levels: str) -> Path:
    source = tmp_path / "kinds.yaml"
    source.write_text(
        f"""
enums:
  colour: {{yellow: yellow, red: red}}
common: {{}}
kinds:
  heat:
    title: Heat
    topic: health
    agency: cwa
    cap: {{category: Met, event_code: heat, urgency: Expected, severity: Moderate, certainty: Likely}}
{levels}
    params:
      level: {{type: enum, enum: colour, example: red}}
      height: {{type: number, min: 0, max: 10, example: 1}}
    headline: ["Heat: {{level}}"]
    body: []
    instruction: []
""",
        encoding="utf-8",
    )
    return source


@pytest.mark.parametrize(
    ("levels", "problem"),
    [
        ("    levels: {param: level, values: {yellow: {severity: Minor}}}", "one row for each value of colour"),
        (
            "    levels: {param: level, values: {yellow: {severity: Minor}, red: {severity: Awful}}}",
            "not a CAP 1.2 severity",
        ),
        ("    levels: {param: level, values: {yellow: {severity: Minor}, red: {urgency: Soon}}}", "outside CAP 1.2"),
        (
            "    levels: {param: level, values: {yellow: {colour: Minor}, red: {severity: Severe}}}",
            "sets severity, urgency and/or certainty",
        ),
        ("    levels: {param: colour, values: {}}", "param must name one of the kind's parameters"),
        ("    levels: {param: height, at_least: {1: {severity: Minor}}}", "start at height's minimum"),
        (
            "    levels: {param: height, at_least: {0: {severity: Minor}, 5: {severity: Severe}, "
            "2: {severity: Extreme}}}",
            "thresholds must rise",
        ),
        ("    levels: {param: level, at_least: {0: {severity: Minor}}}", "an enum parameter takes `values`"),
    ],
)
def test_a_level_table_that_cannot_work_is_refused(tmp_path, levels, problem):
    with pytest.raises(KindDefinitionError, match=problem):
        load_kind_book(_book(tmp_path, levels))


def test_a_valid_level_table_is_read_lowest_first(tmp_path):
    book = load_kind_book(
        _book(
            tmp_path,
            "    levels: {param: height, at_least: {0: {severity: Minor}, 3: {severity: Severe, certainty: Observed}}}",
        )
    )
    heat = book.get("heat")
    assert heat.cap_for({"height": 2.9}).severity is Severity.MINOR
    assert (heat.cap_for({"height": 3}).severity, heat.cap_for({"height": 3}).certainty) == (
        Severity.SEVERE,
        "Observed",
    )
    assert heat.cap_for({}).severity is Severity.MODERATE  # no height: the kind's default
